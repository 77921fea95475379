import { type EventType, eventTypesFor, isEventType, type PrincipalKind } from '../event-types.js';

export interface ListQuery {
  readonly types: readonly EventType[];
  readonly afterMs: number;
  readonly beforeMs: number;
  readonly limit: number;
}

export type QueryResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: 400 | 422; readonly code: string; readonly message: string };

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * ISO-8601 date-times with or without fractional seconds, `Z` or an offset. Stricter than
 * Date.parse, which rolls 2026-02-30 over into March instead of refusing it.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_RE.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const fraction = (m[7] ?? '').slice(0, 4).padEnd(4, '0').slice(1) || '000';
  const zone = m[8] === 'Z' ? 'Z' : `${m[8]!.slice(0, 3)}:${m[8]!.slice(-2)}`;
  const ms = Date.parse(`${text.slice(0, 19)}.${fraction}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseEventTypes(params: URLSearchParams, kind: PrincipalKind): QueryResult<EventType[]> {
  const requested = params
    .getAll('event_type')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (requested.length === 0) {
    return { ok: false, status: 400, code: 'missing_event_type', message: 'event_type is required.' };
  }
  const allowed = eventTypesFor(kind);
  const types: EventType[] = [];
  for (const t of requested) {
    if (!isEventType(t) || !allowed.includes(t)) {
      return {
        ok: false,
        status: 400,
        code: 'invalid_event_type',
        message: `Unknown event_type '${t}' for ${kind === 'workspace' ? 'workspaces' : 'organizations'}; expected one of ${allowed.join(', ')}.`,
      };
    }
    if (!types.includes(t)) types.push(t);
  }
  return { ok: true, value: types };
}

function badTime(name: string, value: string): QueryResult<never> {
  return {
    ok: false,
    status: 400,
    code: 'invalid_timestamp',
    message: `${name} must be an ISO-8601 date-time such as 2026-07-09T13:00:00Z; got '${value}'.`,
  };
}

/** List parameters: event_type (repeated or comma-separated), after (required), before, limit. */
export function parseListQuery(params: URLSearchParams, kind: PrincipalKind): QueryResult<ListQuery> {
  const types = parseEventTypes(params, kind);
  if (!types.ok) return types;
  const after = params.get('after');
  if (after === null || after === '') {
    return { ok: false, status: 400, code: 'missing_after', message: 'after is required (ISO-8601).' };
  }
  const afterMs = parseIsoTime(after);
  if (afterMs === undefined) return badTime('after', after);
  const before = params.get('before');
  let beforeMs = Number.POSITIVE_INFINITY;
  if (before !== null) {
    const parsed = parseIsoTime(before);
    if (parsed === undefined) return badTime('before', before);
    beforeMs = parsed;
  }
  const limitText = params.get('limit');
  let limit = 100;
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= 100)) {
      return {
        ok: false,
        status: 422,
        code: 'invalid_limit',
        message: `limit must be an integer from 1 to 100; got '${limitText}'.`,
      };
    }
  }
  return { ok: true, value: { types: types.value, afterMs, beforeMs, limit } };
}
