import { type PipelineRecord, recordBytes, type SourceRef } from '../../core/record.js';
import { eventTimeMs } from '../shared/event-time.js';

/** What goes around every record (the HEC "event" envelope), besides the time. */
export interface EnvelopeOptions {
  readonly host: string;
  readonly source: string;
  /** Fixed sourcetype; absent: openai:compliance:<event type in lower case>. */
  readonly sourcetype: string | undefined;
  /** Index for event types without their own; absent: the token's default index. */
  readonly index: string | undefined;
  readonly indexByEventType: Readonly<Record<string, string>>;
}

/** Longest `time` we render ("9999999999.999" and a sign to spare), for the size bound. */
const TIME_MAX_CHARS = 16;
/** `{"time":` + time + prefix + line + `}` + the newline between envelopes. */
const FIXED_CHARS = '{"time":'.length + 1 + 1;
/** Distinct prefixes remembered; one per (file, event type, principal) in practice. */
const PREFIX_CACHE_MAX = 1024;

/**
 * Encodes records as HEC event envelopes:
 *   {"time":<epoch s.mmm>,"host":..,"source":..,"sourcetype":..,"index":..,
 *    "fields":{"principal_id":..,"principal_type":..,"event_type":..,"file_id":..},"event":<record>}
 * The record's line is embedded as is (it is a JSON object), so a record is never parsed or
 * re-serialised here. Everything after `time` depends only on the record's source, so it is
 * built once per file and cached.
 */
export class HecEnvelopeEncoder {
  private readonly prefixes = new Map<string, { readonly text: string; readonly bytes: number }>();

  constructor(private readonly options: EnvelopeOptions) {}

  /** The envelope of one record, without a trailing newline. */
  encode(record: PipelineRecord, ingestTimeMs: number): string {
    return `{"time":${hecTime(record.timestamp, ingestTimeMs)}${this.prefix(record.source).text}${record.line}}`;
  }

  /**
   * Upper bound of the UTF-8 size the record takes in a request body (envelope and separator
   * included), so that batchMaxBytes bounds the body before compression.
   */
  sizeOf(record: PipelineRecord): number {
    return recordBytes(record) + this.prefix(record.source).bytes + FIXED_CHARS + TIME_MAX_CHARS;
  }

  /** The request body for a run of records: envelopes separated by newlines. */
  encodeBatch(records: readonly PipelineRecord[], ingestTimeMs: number): string {
    let body = '';
    for (let i = 0; i < records.length; i++) {
      if (i > 0) body += '\n';
      body += this.encode(records[i]!, ingestTimeMs);
    }
    return body;
  }

  /** The index a record of this event type goes to (undefined: the token's default). */
  indexFor(eventType: string): string | undefined {
    // hasOwn: an event type named like an Object.prototype member ("constructor") is data.
    const map = this.options.indexByEventType;
    return Object.hasOwn(map, eventType) ? map[eventType] : this.options.index;
  }

  private prefix(source: SourceRef): { readonly text: string; readonly bytes: number } {
    const key = `${source.eventType}\u0000${source.principalId}\u0000${source.principalType}\u0000${source.fileId}`;
    let cached = this.prefixes.get(key);
    if (cached === undefined) {
      const text = this.buildPrefix(source);
      cached = { text, bytes: Buffer.byteLength(text, 'utf8') };
      if (this.prefixes.size >= PREFIX_CACHE_MAX) this.prefixes.clear();
      this.prefixes.set(key, cached);
    }
    return cached;
  }

  private buildPrefix(source: SourceRef): string {
    const o = this.options;
    const sourcetype = o.sourcetype ?? `openai:compliance:${source.eventType.toLowerCase()}`;
    const index = this.indexFor(source.eventType);
    // Indexed fields must be flat strings; they let searches filter without parsing the event.
    const fields = {
      principal_id: source.principalId,
      principal_type: source.principalType,
      event_type: source.eventType,
      file_id: source.fileId,
    };
    return (
      `,"host":${JSON.stringify(o.host)},"source":${JSON.stringify(o.source)}` +
      `,"sourcetype":${JSON.stringify(sourcetype)}` +
      (index === undefined ? '' : `,"index":${JSON.stringify(index)}`) +
      `,"fields":${JSON.stringify(fields)},"event":`
    );
  }
}

/**
 * HEC `time`: epoch seconds with milliseconds, from the record's timestamp (ISO-8601, or epoch
 * seconds/milliseconds as digits); the ingest time when it is absent or unreadable.
 */
export function hecTime(timestamp: string | undefined, ingestTimeMs: number): string {
  let ms = eventTimeMs(timestamp);
  if (!Number.isFinite(ms)) ms = ingestTimeMs;
  return (Math.round(ms) / 1000).toFixed(3);
}
