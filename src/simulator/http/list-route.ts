import type { ServerResponse } from 'node:http';
import type { CatalogFile } from '../catalog.js';
import { type EventType, eventTypeIndex, type PrincipalKind } from '../event-types.js';
import { type ApiKey, KeyRing } from './auth.js';
import type { SimContext } from './context.js';
import { parseEventTypes, parseListQuery, type QueryResult } from './list-query.js';
import { sendError, sendJson } from './responses.js';

/** The six fields of a listed file, exactly as the API returns them. */
export interface LogFileItem {
  id: string;
  event_type: EventType;
  end_time: string;
  file_name: string;
  file_size: number;
  file_sha256: string;
}

export interface ListPage {
  data: LogFileItem[];
  has_more: boolean;
  last_end_time: string | null;
}

function rejectQuery(res: ServerResponse, result: QueryResult<unknown> & { ok: false }): void {
  sendError(res, result.status, 'invalid_request_error', result.code, result.message);
}

/** 403 naming the first requested type the key may not read; undefined when all are allowed. */
function checkScopes(
  ctx: SimContext,
  res: ServerResponse,
  key: ApiKey,
  types: readonly EventType[],
): boolean {
  const denied = types.find((t) => !KeyRing.isScoped(key, t));
  if (denied === undefined) return true;
  ctx.stats.authFailures++;
  sendError(
    res,
    403,
    'permission_error',
    'insufficient_scope',
    `The API key is not authorized for event_type ${denied}.`,
  );
  return false;
}

function serverErrorRoll(ctx: SimContext, res: ServerResponse): boolean {
  if (!ctx.dice.roll('listServerErrors', ctx.faults().listServerErrors)) return false;
  ctx.stats.serverErrors++;
  sendError(
    res,
    503,
    'server_error',
    'service_unavailable',
    'The server is temporarily unavailable (injected fault).',
  );
  return true;
}

/** Files of every requested type merged in the API's order: end_time, then type, then part. */
function pageOfFiles(
  ctx: SimContext,
  principalId: string,
  types: readonly EventType[],
  range: { afterMs: number; beforeMs: number },
  limit: number,
): CatalogFile[] {
  const nowMs = ctx.clock.nowMs();
  const all = types.flatMap((t) => ctx.catalog.list(principalId, t, { ...range, nowMs }, limit + 1));
  all.sort(
    (a, b) =>
      a.endMs - b.endMs || eventTypeIndex(a.eventType) - eventTypeIndex(b.eventType) || a.part - b.part,
  );
  return all.slice(0, limit + 1);
}

export async function handleList(
  ctx: SimContext,
  res: ServerResponse,
  params: URLSearchParams,
  principalId: string,
  kind: PrincipalKind,
  key: ApiKey,
): Promise<void> {
  const query = parseListQuery(params, kind);
  if (!query.ok) return rejectQuery(res, query);
  if (!checkScopes(ctx, res, key, query.value.types)) return;
  if (serverErrorRoll(ctx, res)) return;
  const { types, afterMs, beforeMs, limit } = query.value;
  const files = pageOfFiles(ctx, principalId, types, { afterMs, beforeMs }, limit);
  const page = files.slice(0, limit);
  const faults = ctx.faults();
  const data: LogFileItem[] = [];
  for (const file of page) {
    // One file at a time: digests of big files are CPU-heavy and other requests must interleave.
    const facts = await ctx.files.facts(file, faults);
    data.push({
      id: file.id,
      event_type: file.eventType,
      end_time: file.endTime,
      file_name: file.fileName,
      file_size: facts.sizeBytes,
      file_sha256: facts.sha256,
    });
  }
  const body: ListPage = {
    data,
    has_more: files.length > limit,
    last_end_time: page.at(-1)?.endTime ?? null,
  };
  sendJson(res, 200, body);
}

/** `{"max_event_time": {"T": ISO-8601 or null}}` for each requested type. */
export function handleMaxEventTime(
  ctx: SimContext,
  res: ServerResponse,
  params: URLSearchParams,
  principalId: string,
  kind: PrincipalKind,
  key: ApiKey,
): void {
  const types = parseEventTypes(params, kind);
  if (!types.ok) {
    rejectQuery(res, types);
    return;
  }
  if (!checkScopes(ctx, res, key, types.value)) return;
  if (serverErrorRoll(ctx, res)) return;
  const nowMs = ctx.clock.nowMs();
  const out: Record<string, string | null> = {};
  for (const t of types.value) {
    const ms = ctx.files.maxEventTime(ctx.catalog.latestFiles(principalId, t, nowMs));
    out[t] = ms === undefined ? null : new Date(ms).toISOString();
  }
  sendJson(res, 200, { max_event_time: out });
}
