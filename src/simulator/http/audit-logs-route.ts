import type { ServerResponse } from 'node:http';
import {
  type AuditLogEvents,
  decodeAuditEventId,
  type SimAuditEvent,
} from '../templates/audit-log-events.js';
import type { SimContext } from './context.js';
import { sendError, sendJson } from './responses.js';

/**
 * GET /v1/organization/audit_logs: the API Platform audit log of the simulator's organization,
 * newest first, as OpenAI documents it: `effective_at[gt|gte|lt|lte]` (Unix seconds), `limit`
 * (1..100, default 20), cursors `after` (older than that id) and `before` (newer), and the filters
 * `event_types[]`, `actor_ids[]`, `actor_emails[]`, `project_ids[]`, `resource_ids[]`. Events not
 * yet visible (late ones) are not listed. Answer: `{object, data, first_id, last_id, has_more}`.
 */

interface AuditQuery {
  readonly fromSec: number;
  readonly toSec: number;
  readonly limit: number;
  readonly after: { minute: number; rank: number } | undefined;
  readonly before: { minute: number; rank: number } | undefined;
  readonly filters: ReadonlyArray<(e: SimAuditEvent) => boolean>;
}

function list(params: URLSearchParams, name: string): string[] {
  return [...params.getAll(`${name}[]`), ...params.getAll(name)].flatMap((v) => v.split(',')).filter(Boolean);
}

function parseQuery(params: URLSearchParams, nowSec: number, spanStartSec: number): AuditQuery | string {
  let fromSec = spanStartSec;
  let toSec = nowSec;
  for (const [op, apply] of [
    ['gt', (v: number) => (fromSec = Math.max(fromSec, v + 1))],
    ['gte', (v: number) => (fromSec = Math.max(fromSec, v))],
    ['lt', (v: number) => (toSec = Math.min(toSec, v - 1))],
    ['lte', (v: number) => (toSec = Math.min(toSec, v))],
  ] as const) {
    const text = params.get(`effective_at[${op}]`);
    if (text === null) continue;
    if (!/^\d{1,12}$/.test(text))
      return `effective_at[${op}] must be a Unix timestamp in seconds; got '${text}'.`;
    apply(Number(text));
  }
  const limitText = params.get('limit');
  const limit = limitText === null ? 20 : /^\d{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= 100)) return `limit must be an integer from 1 to 100; got '${limitText}'.`;
  const cursor = (name: string) => {
    const v = params.get(name);
    return v === null ? undefined : (decodeAuditEventId(v) ?? null);
  };
  const after = cursor('after');
  const before = cursor('before');
  if (after === null || before === null) return 'after and before must be ids of audit log events.';
  const filters: Array<(e: SimAuditEvent) => boolean> = [];
  const types = list(params, 'event_types');
  if (types.length > 0) filters.push((e) => types.includes(e.type));
  const actors = list(params, 'actor_ids');
  if (actors.length > 0) filters.push((e) => actors.includes(e.actorId));
  const emails = list(params, 'actor_emails');
  if (emails.length > 0) filters.push((e) => e.actorEmail !== undefined && emails.includes(e.actorEmail));
  const projects = list(params, 'project_ids');
  if (projects.length > 0) filters.push((e) => e.projectId !== undefined && projects.includes(e.projectId));
  const resources = list(params, 'resource_ids');
  if (resources.length > 0)
    filters.push((e) => e.resourceId !== undefined && resources.includes(e.resourceId));
  return { fromSec, toSec, limit, after, before, filters };
}

function olderThan(e: SimAuditEvent, c: { minute: number; rank: number }): boolean {
  return e.minute < c.minute || (e.minute === c.minute && e.rank < c.rank);
}

function newerThan(e: SimAuditEvent, c: { minute: number; rank: number }): boolean {
  return e.minute > c.minute || (e.minute === c.minute && e.rank > c.rank);
}

/** Up to limit + 1 matching events, newest first (or, with `before`, the nearest newer ones). */
function select(events: AuditLogEvents, q: AuditQuery, nowMs: number): SimAuditEvent[] {
  const matches = (e: SimAuditEvent) =>
    e.effectiveAt >= q.fromSec &&
    e.effectiveAt <= q.toSec &&
    e.visibleAtMs <= nowMs &&
    (q.after === undefined || olderThan(e, q.after)) &&
    (q.before === undefined || newerThan(e, q.before)) &&
    q.filters.every((f) => f(e));
  const out: SimAuditEvent[] = [];
  const lo = Math.floor(q.fromSec / 60);
  const hi = Math.floor(q.toSec / 60);
  if (q.before !== undefined) {
    // The nearest newer events, walking up from the cursor, then newest first.
    for (let m = Math.max(lo, q.before.minute); m <= hi && out.length <= q.limit; m++) {
      for (const e of events.minute(m)) if (matches(e) && out.length <= q.limit) out.push(e);
    }
    return out.reverse();
  }
  const top = q.after === undefined ? hi : Math.min(hi, q.after.minute);
  for (let m = top; m >= lo && out.length <= q.limit; m--) {
    const inMinute = events.minute(m);
    for (let i = inMinute.length - 1; i >= 0 && out.length <= q.limit; i--) {
      if (matches(inMinute[i]!)) out.push(inMinute[i]!);
    }
  }
  return out;
}

export function handleAuditLogs(ctx: SimContext, res: ServerResponse, params: URLSearchParams): void {
  const nowMs = ctx.clock.nowMs();
  const q = parseQuery(params, Math.floor(nowMs / 1000), Math.floor((nowMs - ctx.spanMs) / 1000));
  if (typeof q === 'string') {
    sendError(res, 400, 'invalid_request_error', 'invalid_parameter', q);
    return;
  }
  if (ctx.dice.roll('listServerErrors', ctx.faults().listServerErrors)) {
    ctx.stats.serverErrors++;
    sendError(
      res,
      503,
      'server_error',
      'service_unavailable',
      'The server is temporarily unavailable (injected fault).',
    );
    return;
  }
  const found = select(ctx.auditLogs, q, nowMs);
  // With `before`, the extra event is the farthest from the cursor, i.e. the first of the list.
  const page =
    q.before !== undefined ? found.slice(Math.max(0, found.length - q.limit)) : found.slice(0, q.limit);
  sendJson(res, 200, {
    object: 'list',
    data: page.map((e) => e.record),
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: found.length > q.limit,
  });
}
