import { type PipelineRecord, recordBytes, type SourceRef, writeRecordUtf8 } from '../../core/record.js';
import { compileTemplate, finalizeTopicName, readsEachRecord, sanitizeTopicPart } from './template.js';

/**
 * One record as it goes to Kafka. The value is the record's line exactly as the pipeline emits
 * it; the headers carry the file's coordinates so consumers can route without parsing.
 */
export interface KafkaMessage {
  readonly topic: string;
  /** Null when the key template renders empty: the partitioner then spreads records. */
  readonly key: string | null;
  /**
   * The line as UTF-8 bytes when the record holds it as bytes (copied, never decoded), else as
   * text; a value the sink rewrote (truncation) is text.
   */
  readonly value: string | Buffer;
  /** Shared by every record of a file (treat as immutable) unless extra headers were added. */
  readonly headers: Readonly<Record<string, string>>;
  /** Estimated size on the wire, uncompressed: what maxRecordBytes and batchMaxBytes bound. */
  readonly bytes: number;
  /**
   * The record's event time in epoch milliseconds (the Kafka record timestamp); undefined when it
   * has none, and the producer stamps the send time as before.
   */
  readonly timestamp: number | undefined;
}

/**
 * Per-record framing in a v2 record batch (length, attributes, timestamp and offset deltas,
 * key/value/header lengths as varints) plus the record batch header (61 bytes), counted once
 * per record so that a record exactly at the broker's limit is still caught.
 */
export const RECORD_OVERHEAD_BYTES = 21 + 61;

export const HEADER_NAMES = {
  eventType: 'event_type',
  principalId: 'principal_id',
  fileId: 'file_id',
  source: 'source',
  /** Set on records the truncate policy shortened: the original size in bytes. */
  truncatedFrom: 'truncated_from_bytes',
} as const;

export interface EncoderOptions {
  readonly topic: string;
  readonly key: string;
  /** The record timestamp: the event time (default) or always the send time. */
  readonly timestamp?: 'event' | 'produce';
}

/** A file's headers and their size, made once per file rather than once per record. */
interface SourceHeaders {
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: number;
}

/** Turns PipelineRecords into KafkaMessages; templates are compiled once. */
export class RecordEncoder {
  private readonly topicOf: (record: PipelineRecord) => string;
  private readonly keyOf: (record: PipelineRecord) => string;
  private readonly eventTimestamps: boolean;
  /** Every record of a file shares its SourceRef, so its headers are built on its first record. */
  private readonly headersBySource = new WeakMap<SourceRef, SourceHeaders>();
  /**
   * The topic of a file's records, rendered on its first record, unless the template reads
   * each record (`{event_id}`): one string per file rather than a new one per record, which
   * the partition grouping and the client then hash and copy.
   */
  private readonly topicBySource: WeakMap<SourceRef, string> | undefined;

  constructor(options: EncoderOptions) {
    const topicOf = compileTemplate(options.topic, sanitizeTopicPart);
    this.topicOf = (record) => finalizeTopicName(topicOf(record));
    this.topicBySource = readsEachRecord(options.topic) ? undefined : new WeakMap();
    this.keyOf = compileTemplate(options.key);
    this.eventTimestamps = options.timestamp !== 'produce';
  }

  /** The record's size as encode() would measure it, without making its value. */
  sizeOf(record: PipelineRecord): number {
    const key = this.keyOf(record);
    return (
      RECORD_OVERHEAD_BYTES +
      Buffer.byteLength(key, 'utf8') +
      recordBytes(record) +
      this.sourceHeaders(record).bytes
    );
  }

  encode(record: PipelineRecord, rewritten?: string, extraHeaders?: Record<string, string>): KafkaMessage {
    const key = this.keyOf(record);
    const { headers, bytes: headerBytes } =
      extraHeaders === undefined
        ? this.sourceHeaders(record)
        : measuredHeaders({ ...this.sourceHeaders(record).headers, ...extraHeaders });
    let value: string | Buffer;
    let valueBytes: number;
    if (rewritten !== undefined) {
      value = rewritten;
      valueBytes = Buffer.byteLength(rewritten, 'utf8');
    } else {
      // The line's size is known from the splitter; bytes held as bytes are copied, not decoded.
      valueBytes = recordBytes(record);
      if (record.writeUtf8 === undefined) value = record.line;
      else {
        value = Buffer.allocUnsafe(valueBytes);
        writeRecordUtf8(record, value, 0);
      }
    }
    return {
      topic: this.topic(record),
      key: key === '' ? null : key,
      value,
      headers,
      bytes: RECORD_OVERHEAD_BYTES + Buffer.byteLength(key, 'utf8') + valueBytes + headerBytes,
      timestamp: this.eventTimestamps ? recordTimeMs(record) : undefined,
    };
  }

  private topic(record: PipelineRecord): string {
    const cache = this.topicBySource;
    if (cache === undefined) return this.topicOf(record);
    let topic = cache.get(record.source);
    if (topic === undefined) {
      topic = this.topicOf(record);
      cache.set(record.source, topic);
    }
    return topic;
  }

  private sourceHeaders(record: PipelineRecord): SourceHeaders {
    let made = this.headersBySource.get(record.source);
    if (made === undefined) {
      made = measuredHeaders({
        [HEADER_NAMES.eventType]: record.source.eventType,
        [HEADER_NAMES.principalId]: record.source.principalId,
        [HEADER_NAMES.fileId]: record.source.fileId,
        [HEADER_NAMES.source]: record.source.source,
      });
      this.headersBySource.set(record.source, made);
    }
    return made;
  }
}

function measuredHeaders(headers: Readonly<Record<string, string>>): SourceHeaders {
  let bytes = 0;
  for (const [name, v] of Object.entries(headers)) {
    // Each header adds two varint lengths (at most 5 bytes each for our sizes).
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(v, 'utf8') + 4;
  }
  // Frozen: shared by a file's records, and the record encoder caches a frozen object's bytes.
  return { headers: Object.freeze(headers), bytes };
}

/** The record's event time (ISO-8601, see PipelineRecord.timestamp) in epoch ms, when readable. */
export function recordTimeMs(record: PipelineRecord): number | undefined {
  const t = record.timestamp;
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
