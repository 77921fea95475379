import { CfError } from '../../core/errors/index.js';
import type { Secret } from '../../core/secret.js';
import { readBodyText } from '../../http/index.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { type ApiClientOptions, BearerApi, bearerApiOptions } from '../shared/index.js';
import { type AuditLogPage, parseAuditLogPage } from './page.js';

/** Filters the API applies; empty lists filter nothing. */
export interface AuditLogFilters {
  readonly eventTypes?: readonly string[];
  readonly actorIds?: readonly string[];
  readonly actorEmails?: readonly string[];
  readonly projectIds?: readonly string[];
  readonly resourceIds?: readonly string[];
}

export interface AuditLogQuery extends AuditLogFilters {
  /** Unix seconds, inclusive. */
  readonly effectiveAtGte: number;
  /** Unix seconds, exclusive. */
  readonly effectiveAtLt: number;
  /** 1..100. */
  readonly limit: number;
  /** Cursor: the previous page's `last_id` (older events). */
  readonly after?: string;
}

export interface AuditLogsClientOptions extends ApiClientOptions {
  /** e.g. https://api.openai.com/v1 (OPENAI_API_BASE). */
  readonly baseUrl: string;
  readonly adminKey: Secret;
}

/** 100 events of a few KB each; anything near this is not a page. */
const PAGE_BODY_MAX_BYTES = 16 * 1024 * 1024;

const FILTER_PARAMS: ReadonlyArray<[keyof AuditLogFilters, string]> = [
  ['eventTypes', 'event_types[]'],
  ['actorIds', 'actor_ids[]'],
  ['actorEmails', 'actor_emails[]'],
  ['projectIds', 'project_ids[]'],
  ['resourceIds', 'resource_ids[]'],
];

/**
 * Client of `GET /organization/audit_logs` (API Platform, Admin API key). The key goes only to the
 * API origin. Pages are rate-limited, retried in place (429 after Retry-After, 5xx, sockets,
 * unexpected shapes) and validated; what still fails is a non-retriable CfError for the caller.
 * Lifecycle: construct, use, `close()`.
 */
export class AuditLogsClient {
  readonly #api: BearerApi;
  readonly metrics: Metrics | undefined;
  /** Where the stream logs its pages (debug); never given the key or a URL. */
  readonly logger: Logger;

  constructor(opts: AuditLogsClientOptions) {
    this.metrics = opts.metrics;
    this.logger = opts.logger ?? silentLogger();
    this.#api = new BearerApi(
      bearerApiOptions(opts, {
        baseUrl: opts.baseUrl,
        apiKey: opts.adminKey,
        endpoint: 'audit_logs',
        defaultRequestsPerMinute: 60,
        authHint:
          'the admin key is wrong or revoked, is not an Admin API key (organization owners create them under Admin keys), or audit logging is not enabled for the organization',
      }),
    );
  }

  /** One page, newest first. Bad arguments fail before any request (CF_ERR_CONFIG). */
  async listPage(q: AuditLogQuery, signal?: AbortSignal): Promise<AuditLogPage & { bytes: number }> {
    const url = this.#url(q);
    return this.#api.getWithRetry(
      url,
      'The audit log list',
      async (res) => {
        const text = await readBodyText(res.body, PAGE_BODY_MAX_BYTES, 'The audit log list');
        return { ...parseAuditLogPage(text), bytes: Buffer.byteLength(text) };
      },
      signal,
      { effectiveAtGte: q.effectiveAtGte, effectiveAtLt: q.effectiveAtLt },
    );
  }

  close(): Promise<void> {
    return this.#api.close();
  }

  #url(q: AuditLogQuery): URL {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 100) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `The audit log page size must be an integer from 1 to 100, got ${q.limit}.`,
      );
    }
    if (!Number.isSafeInteger(q.effectiveAtGte) || !Number.isSafeInteger(q.effectiveAtLt)) {
      throw new CfError('CF_ERR_INTERNAL', 'Audit log time bounds must be whole Unix seconds.');
    }
    const url = this.#api.url('/organization/audit_logs');
    const p = url.searchParams;
    p.set('effective_at[gte]', String(q.effectiveAtGte));
    p.set('effective_at[lt]', String(q.effectiveAtLt));
    p.set('limit', String(q.limit));
    if (q.after !== undefined) p.set('after', q.after);
    for (const [option, param] of FILTER_PARAMS) for (const v of q[option] ?? []) p.append(param, v);
    return url;
  }
}
