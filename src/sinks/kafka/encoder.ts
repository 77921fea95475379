import { type PipelineRecord, recordBytes } from '../../pipeline/record.js';
import { compileTemplate, finalizeTopicName, sanitizeTopicPart } from './template.js';

/**
 * One record as it goes to Kafka. The value is the record's line exactly as the pipeline emits
 * it; the headers carry the file's coordinates so consumers can route without parsing.
 */
export interface KafkaMessage {
  readonly topic: string;
  /** Null when the key template renders empty: the partitioner then spreads records. */
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Estimated size on the wire, uncompressed: what maxRecordBytes and batchMaxBytes bound. */
  readonly bytes: number;
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
}

/** Turns PipelineRecords into KafkaMessages; templates are compiled once. */
export class RecordEncoder {
  private readonly topicOf: (record: PipelineRecord) => string;
  private readonly keyOf: (record: PipelineRecord) => string;

  constructor(options: EncoderOptions) {
    this.topicOf = compileTemplate(options.topic, sanitizeTopicPart);
    this.keyOf = compileTemplate(options.key);
  }

  encode(
    record: PipelineRecord,
    value: string = record.line,
    extraHeaders?: Record<string, string>,
  ): KafkaMessage {
    const key = this.keyOf(record);
    const headers: Record<string, string> = {
      [HEADER_NAMES.eventType]: record.source.eventType,
      [HEADER_NAMES.principalId]: record.source.principalId,
      [HEADER_NAMES.fileId]: record.source.fileId,
      [HEADER_NAMES.source]: record.source.source,
      ...extraHeaders,
    };
    return {
      topic: finalizeTopicName(this.topicOf(record)),
      key: key === '' ? null : key,
      value,
      headers,
      // The line's size is known from the splitter; only a replaced value is measured.
      bytes: messageBytes(key, value, headers, value === record.line ? recordBytes(record) : undefined),
    };
  }
}

export function messageBytes(
  key: string,
  value: string,
  headers: Readonly<Record<string, string>>,
  valueBytes: number = Buffer.byteLength(value, 'utf8'),
): number {
  let n = RECORD_OVERHEAD_BYTES + Buffer.byteLength(key, 'utf8') + valueBytes;
  for (const [name, v] of Object.entries(headers)) {
    // Each header adds two varint lengths (at most 5 bytes each for our sizes).
    n += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(v, 'utf8') + 4;
  }
  return n;
}
