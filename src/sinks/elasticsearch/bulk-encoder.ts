import { type PipelineRecord, recordBytes } from '../../core/record.js';
import { eventTimeMs } from '../shared/event-time.js';

/** `"@timestamp":"2026-01-01T00:00:00.000Z",` at most (a six-digit year and the comma included). */
const TIMESTAMP_MAX_BYTES = '"@timestamp":"+002026-01-01T00:00:00.000Z",'.length;
/** `{"create":{"_index":` ... `,"_id":` ... `}}` and the two newlines. */
const ACTION_FIXED_BYTES = '{"create":{"_index":,"_id":}}'.length + 2;
/** Distinct event types remembered (one index name each). */
const INDEX_CACHE_MAX = 256;

/**
 * Encodes records as an Elasticsearch `_bulk` body (NDJSON, a final newline): per record a
 * `create` action naming the index and `_id` = event_id, then the document: the record's JSON
 * object with `@timestamp` (its event time) added in front. The record's line is not parsed:
 * the field is spliced after its opening brace.
 *
 *   {"create":{"_index":"logs-openai.compliance.conversation_message-default","_id":"evt_1"}}
 *   {"@timestamp":"2026-05-01T10:00:00.000Z","event_id":"evt_1",...}
 */
export class BulkEncoder {
  private readonly indexes = new Map<string, { readonly json: string; readonly bytes: number }>();

  constructor(private readonly indexTemplate: string) {}

  /** The index or data stream a record of this event type goes to. */
  indexFor(eventType: string): string {
    return this.index(eventType).json.slice(1, -1);
  }

  /** Upper bound of the record's bytes in a bulk body (action line and document). */
  sizeOf(record: PipelineRecord): number {
    const id = record.eventId === undefined ? 0 : Buffer.byteLength(JSON.stringify(record.eventId));
    return (
      recordBytes(record) +
      this.index(record.source.eventType).bytes +
      id +
      ACTION_FIXED_BYTES +
      TIMESTAMP_MAX_BYTES
    );
  }

  /** The bulk body for a run of records. */
  encodeBatch(records: readonly PipelineRecord[], ingestTimeMs: number): string {
    let body = '';
    for (const record of records) body += this.encode(record, ingestTimeMs);
    return body;
  }

  /** One record's two lines, each ending with a newline. */
  encode(record: PipelineRecord, ingestTimeMs: number): string {
    const index = this.index(record.source.eventType).json;
    const id = record.eventId === undefined ? '' : `,"_id":${JSON.stringify(record.eventId)}`;
    return `{"create":{"_index":${index}${id}}}\n${withTimestamp(record.line, isoTime(record.timestamp, ingestTimeMs))}\n`;
  }

  private index(eventType: string): { readonly json: string; readonly bytes: number } {
    let cached = this.indexes.get(eventType);
    if (cached === undefined) {
      const json = JSON.stringify(this.indexTemplate.replaceAll('{type}', eventType.toLowerCase()));
      cached = { json, bytes: Buffer.byteLength(json) };
      if (this.indexes.size >= INDEX_CACHE_MAX) this.indexes.clear();
      this.indexes.set(eventType, cached);
    }
    return cached;
  }
}

/** The record's object with `"@timestamp"` first; a line that is not an object is wrapped as `message`. */
function withTimestamp(line: string, iso: string): string {
  const start = line.search(/\S/);
  if (start < 0 || line[start] !== '{') return `{"@timestamp":"${iso}","message":${JSON.stringify(line)}}`;
  const rest = line.slice(start + 1);
  // `{}` (or `{ }`): no comma after the field.
  const empty = /^\s*\}/.test(rest);
  return `{"@timestamp":"${iso}"${empty ? '' : ','}${rest}`;
}

/**
 * `@timestamp`: the record's event time (ISO-8601, or epoch seconds/milliseconds as digits) as
 * ISO-8601 UTC with milliseconds; the ingest time when it is absent or unreadable.
 */
export function isoTime(timestamp: string | undefined, ingestTimeMs: number): string {
  const ms = eventTimeMs(timestamp);
  const date = new Date(Number.isFinite(ms) ? Math.round(ms) : ingestTimeMs);
  return Number.isFinite(date.getTime()) ? date.toISOString() : new Date(ingestTimeMs).toISOString();
}
