import type { IncomingMessage, ServerResponse } from 'node:http';
import { principalKindOf } from '../event-types.js';
import { handleAuditLogs } from './audit-logs-route.js';
import { waitUnlessClosed } from './body-writer.js';
import type { SimContext } from './context.js';
import { handleControl } from './control-route.js';
import { handleConversations } from './conversations-route.js';
import { handleDownload } from './download-route.js';
import { handleList, handleMaxEventTime } from './list-route.js';
import { sendError } from './responses.js';

/**
 * The API origin: /v1/compliance/{workspaces|organizations}/{id}/{logs[/file_id]|max_event_time},
 * the legacy /v1/compliance/workspaces/{id}/conversations, the API Platform's
 * /v1/organization/audit_logs and, for tests, /__control/*. Each API request goes through, in order:
 *   bearer key (401/403) -> route and ids (404) -> rate limit (429) -> parameters (400/422)
 *   -> scopes (403) -> injected 5xx -> the answer.
 */

const ROUTE_RE =
  /^\/v1\/compliance\/(workspaces|organizations)\/([^/]+)\/(logs|max_event_time)(?:\/([^/]+))?\/?$/;

const CONVERSATIONS_RE = /^\/v1\/compliance\/workspaces\/([^/]+)\/conversations\/?$/;
const AUDIT_LOGS_PATH = /^\/v1\/organization\/audit_logs\/?$/;

type Endpoint = 'list' | 'download' | 'max_event_time' | 'audit_logs' | 'conversations';

export function createApiHandler(ctx: SimContext): (req: IncomingMessage, res: ServerResponse) => void {
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__control/')) {
      if (ctx.controlEnabled) return handleControl(ctx, req, res, url.pathname);
      return sendError(res, 404, 'not_found_error', 'not_found', `No route ${url.pathname}.`);
    }
    const conversations = CONVERSATIONS_RE.exec(url.pathname);
    const auditLogs = AUDIT_LOGS_PATH.test(url.pathname);
    const route = conversations || auditLogs ? null : ROUTE_RE.exec(url.pathname);
    const endpoint: Endpoint | undefined = auditLogs
      ? 'audit_logs'
      : conversations !== null
        ? 'conversations'
        : route === null
          ? undefined
          : route[3] === 'max_event_time'
            ? 'max_event_time'
            : route[4] === undefined
              ? 'list'
              : 'download';
    if (endpoint === 'list') ctx.stats.listRequests++;
    else if (endpoint === 'download') ctx.stats.downloadRequests++;
    else if (endpoint === 'max_event_time') ctx.stats.maxEventTimeRequests++;
    else if (endpoint === 'audit_logs') ctx.stats.auditLogRequests++;
    else if (endpoint === 'conversations') ctx.stats.conversationRequests++;

    const latency = ctx.faults().firstByteLatencyMs;
    if (latency > 0 && !(await waitUnlessClosed(res, latency))) return;

    const auth = ctx.keys.authenticate(req.headers.authorization);
    if (!auth.ok) {
      ctx.stats.authFailures++;
      const type = auth.status === 401 ? 'authentication_error' : 'permission_error';
      return sendError(res, auth.status, type, auth.code, auth.message);
    }
    if (endpoint === 'audit_logs' || endpoint === 'conversations') {
      const principal = conversations?.[1] ?? '';
      if (endpoint === 'conversations' && principalKindOf(principal) !== 'workspace') {
        return sendError(
          res,
          404,
          'not_found_error',
          'principal_not_found',
          `'${principal}' is not a workspace id (UUID).`,
        );
      }
      if (req.method !== 'GET') {
        return sendError(res, 405, 'invalid_request_error', 'method_not_allowed', 'Use GET.', {
          allow: 'GET',
        });
      }
      // Both use the list budget (the documented limits are per endpoint and key).
      const retryAfter = ctx.limiter.take(`${endpoint}|${auth.key.key}`, ctx.faults().rateLimit.list);
      if (retryAfter !== undefined) {
        ctx.stats.rateLimited++;
        ctx.stats.rateLimitedList++;
        return sendError(
          res,
          429,
          'rate_limit_error',
          'rate_limit_exceeded',
          `Rate limit reached for ${endpoint}; retry after ${retryAfter} s.`,
          {
            'retry-after': String(retryAfter),
          },
        );
      }
      if (endpoint === 'audit_logs') return handleAuditLogs(ctx, res, url.searchParams);
      return handleConversations(ctx, res, url.searchParams, principal);
    }
    if (
      route === null ||
      endpoint === undefined ||
      (endpoint === 'max_event_time' && route[4] !== undefined)
    ) {
      return sendError(res, 404, 'not_found_error', 'not_found', `No route ${url.pathname}.`);
    }
    const [, segment, principalId = '', , fileId] = route;
    const kind = principalKindOf(principalId);
    const expected = segment === 'workspaces' ? 'workspace' : 'organization';
    if (kind !== expected) {
      const what = expected === 'workspace' ? 'a workspace id (UUID)' : 'an organization id (org-...)';
      return sendError(
        res,
        404,
        'not_found_error',
        'principal_not_found',
        `'${principalId}' is not ${what}.`,
      );
    }
    if (req.method !== 'GET') {
      return sendError(res, 405, 'invalid_request_error', 'method_not_allowed', 'Use GET.', { allow: 'GET' });
    }
    const limits = ctx.faults().rateLimit;
    const retryAfter = ctx.limiter.take(
      `${endpoint}|${auth.key.key}`,
      endpoint === 'download' ? limits.download : limits.list,
    );
    if (retryAfter !== undefined) {
      ctx.stats.rateLimited++;
      if (endpoint === 'download') ctx.stats.rateLimitedDownload++;
      else ctx.stats.rateLimitedList++;
      return sendError(
        res,
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Rate limit reached for ${endpoint}; retry after ${retryAfter} s.`,
        { 'retry-after': String(retryAfter) },
      );
    }
    if (endpoint === 'list') return handleList(ctx, res, url.searchParams, principalId, expected, auth.key);
    if (endpoint === 'max_event_time')
      return handleMaxEventTime(ctx, res, url.searchParams, principalId, expected, auth.key);
    return handleDownload(ctx, res, principalId, fileId ?? '', auth.key);
  }

  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      sendError(res, 500, 'server_error', 'internal_error', `Simulator error: ${message}`);
    });
  };
}
