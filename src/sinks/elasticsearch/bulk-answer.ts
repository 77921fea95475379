import { CfError } from '../../core/errors/index.js';
import {
  answerExcerpt,
  type DeliveryVerdict,
  type HttpAnswer,
  type ItemVerdict,
  type Rejection,
  retryableStatus,
} from '../shared/http-delivery/index.js';

/** One item of a bulk answer, reduced to what the sink decides on. */
interface BulkItem {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly reason: string | undefined;
  readonly index: string | undefined;
}

const REASON_MAX_CHARS = 500;

/**
 * What the sink does with Elasticsearch's answer to POST /_bulk (create actions). The whole
 * Elasticsearch retry policy is this table (docs/sinks/elasticsearch.md, "Errors"):
 *
 *   2xx, errors: false            accepted
 *   2xx, errors: true             per item, in order:
 *       2xx                         accepted
 *       409 (version conflict)      accepted: the _id is in the index already (a resend)
 *       429, 5xx but 501            sent again with the other retried items, after a backoff
 *       403, 404                    fatal: no privilege on, or no such, index/data stream (a
 *                                   config error: it stops instead of dead-lettering a type)
 *       other 4xx (400 mapping or   dead-lettered with the error type and reason
 *       parse errors)
 *   413                           too large: split; a document alone is dead-lettered
 *   400 (whole request)           one document broke the request: bisect, dead-letter it alone
 *   401, 403                      fatal CF_ERR_SINK_AUTH: credentials refused or lacking rights
 *   408, 429, 5xx but 501         retry with capped backoff, honouring Retry-After
 *   anything else                 fatal CF_ERR_SINK_FATAL with the answer
 *
 * Bulk semantics: https://www.elastic.co/guide/en/elasticsearch/reference/8.14/docs-bulk.html
 */
export function bulkVerdict(answer: HttpAnswer, records: number): DeliveryVerdict {
  const { status } = answer;
  if (status >= 200 && status < 300) return itemsVerdict(answer, records);
  if (status === 413) {
    return {
      kind: 'too-large',
      rejection: rejection(
        'CF_ERR_RECORD_TOO_LARGE',
        `Elasticsearch answered 413 to this document alone: it is larger than the cluster accepts (http.max_content_length, 100mb by default).`,
        answer,
        'es_too_large',
      ),
    };
  }
  if (status === 401 || status === 403) return { kind: 'fatal', error: authError(answer) };
  if (retryableStatus(status)) return { kind: 'retry', error: busyError(answer) };
  if (status === 400) {
    return {
      kind: 'rejected',
      index: undefined,
      rejection: rejection(
        'CF_ERR_RECORD_REJECTED',
        `Elasticsearch refused a bulk request holding only this document (${describe(answer)}).`,
        answer,
        'es_rejected',
      ),
    };
  }
  return { kind: 'fatal', error: unexpectedAnswer(answer) };
}

function itemsVerdict(answer: HttpAnswer, records: number): DeliveryVerdict {
  // Most answers say errors:false; then the items need not be read (nor the whole answer kept).
  if (/^\s*\{[^[]*"errors"\s*:\s*false/.test(answer.text)) return { kind: 'accepted' };
  const items = parseItems(answer.text);
  if (items === undefined || items.length !== records) {
    return {
      kind: 'retry',
      error: new CfError(
        'CF_ERR_BAD_RESPONSE',
        `Elasticsearch answered the bulk request with ${items === undefined ? 'no readable items' : `${items.length} items for ${records} documents`} (${describe(answer)}).`,
      ),
    };
  }
  const verdicts: ItemVerdict[] = [];
  for (const item of items) {
    if ((item.status >= 200 && item.status < 300) || item.status === 409) {
      verdicts.push({ kind: 'accepted' });
    } else if (retryableStatus(item.status)) {
      verdicts.push({
        kind: 'retry',
        error: new CfError(
          'CF_ERR_SINK_RETRIABLE',
          `Elasticsearch asked to retry a document (item ${describeItem(item)}).`,
          answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs },
        ),
      });
    } else if (item.status === 403 || item.status === 404) {
      return { kind: 'fatal', error: indexError(item) };
    } else {
      verdicts.push({
        kind: 'rejected',
        rejection: {
          code: 'CF_ERR_RECORD_REJECTED',
          reason: `Elasticsearch rejected this document (${describeItem(item)}).`,
          detail: itemDetails(item),
          metric: 'es_rejected',
        },
      });
    }
  }
  return { kind: 'items', items: verdicts };
}

function parseItems(text: string): BulkItem[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const items = (parsed as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return undefined;
  const out: BulkItem[] = [];
  for (const entry of items) {
    // Each item is { "<action>": { status, error?, _index, ... } }.
    const result =
      typeof entry === 'object' && entry !== null
        ? (Object.values(entry)[0] as Record<string, unknown>)
        : undefined;
    const status = result?.status;
    if (typeof status !== 'number') return undefined;
    const error = result?.error;
    const e = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
    out.push({
      status,
      errorType: typeof e?.type === 'string' ? e.type : typeof error === 'string' ? error : undefined,
      reason: typeof e?.reason === 'string' ? e.reason.slice(0, REASON_MAX_CHARS) : undefined,
      index: typeof result?._index === 'string' ? result._index : undefined,
    });
  }
  return out;
}

/** `409 version_conflict_engine_exception: [evt_1]: version conflict...`. */
function describeItem(item: BulkItem): string {
  const type = item.errorType === undefined ? '' : ` ${item.errorType}`;
  const reason = item.reason === undefined ? '' : `: ${item.reason}`;
  return `${item.status}${type}${reason}`;
}

function itemDetails(item: BulkItem): Record<string, unknown> {
  return {
    status: item.status,
    ...(item.errorType === undefined ? {} : { errorType: item.errorType }),
    ...(item.reason === undefined ? {} : { errorReason: item.reason }),
    ...(item.index === undefined ? {} : { index: item.index }),
  };
}

/** "HTTP 429, "...text..."": how an answer is described in messages and logs. */
function describe(answer: HttpAnswer): string {
  const text = answerExcerpt(answer.text);
  return text === undefined ? `HTTP ${answer.status}` : `HTTP ${answer.status}, ${JSON.stringify(text)}`;
}

function answerDetails(answer: HttpAnswer): Record<string, unknown> {
  const text = answerExcerpt(answer.text);
  return { status: answer.status, ...(text === undefined ? {} : { answer: text }) };
}

function rejection(code: Rejection['code'], reason: string, answer: HttpAnswer, metric: string): Rejection {
  return { code, reason, detail: answerDetails(answer), metric };
}

export function authError(answer: HttpAnswer): CfError {
  const why =
    answer.status === 401
      ? 'the credentials are wrong, expired or missing'
      : 'the credentials lack a privilege (create_doc on the target, auto_configure to create a data stream)';
  return new CfError(
    'CF_ERR_SINK_AUTH',
    `Elasticsearch refused the request (${describe(answer)}): ${why}. Check the API key (apiKey, ES_API_KEY or ES_API_KEY_FILE) or username/password (ES_USERNAME, ES_PASSWORD).`,
    { details: answerDetails(answer) },
  );
}

function indexError(item: BulkItem): CfError {
  return new CfError(
    'CF_ERR_SINK_FATAL',
    `Elasticsearch cannot write to ${item.index ?? 'the target'} (item ${describeItem(item)}): the index or data stream does not exist and cannot be created (no matching index template, or auto-creation off), or the credentials may not write to it; check index.`,
    { details: itemDetails(item) },
  );
}

function busyError(answer: HttpAnswer): CfError {
  return new CfError('CF_ERR_SINK_RETRIABLE', `Elasticsearch is unavailable or busy (${describe(answer)}).`, {
    ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    details: answerDetails(answer),
  });
}

export function unexpectedAnswer(answer: HttpAnswer): CfError {
  const hint = answer.status === 404 ? ': is the URL the cluster’s (usually https://<host>:9200)?' : '.';
  return new CfError('CF_ERR_SINK_FATAL', `Elasticsearch answered ${describe(answer)}${hint}`, {
    details: answerDetails(answer),
  });
}

/**
 * Verdict on GET / at start: reachable and the credentials accepted, busy (retry), or fatal.
 * 403 passes: the credentials authenticated, and a key limited to writing documents (create_doc)
 * may lack the `monitor` cluster privilege GET / needs.
 */
export function rootVerdict(
  answer: HttpAnswer,
): { readonly kind: 'ok' } | { readonly kind: 'retry' | 'fatal'; readonly error: CfError } {
  if ((answer.status >= 200 && answer.status < 300) || answer.status === 403) return { kind: 'ok' };
  if (answer.status === 401) return { kind: 'fatal', error: authError(answer) };
  if (retryableStatus(answer.status)) return { kind: 'retry', error: busyError(answer) };
  return { kind: 'fatal', error: unexpectedAnswer(answer) };
}
