import { CfError } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { HEADER_NAMES, type KafkaMessage, type RecordEncoder } from './encoder.js';

/**
 * What happens to a record larger than the broker takes. Sending it would fail its whole
 * produce request with MESSAGE_TOO_LARGE and, retried, stall the partition; so it is settled
 * here, before the send: dead-lettered (default), fatal, or shortened by cutting one field.
 */
export type OversizePolicy = 'dead-letter' | 'fail' | 'truncate';

export interface SizeLimit {
  readonly maxRecordBytes: number;
  readonly policy: OversizePolicy;
  /** Dotted path of the string field the truncate policy cuts. */
  readonly truncateField?: string | undefined;
}

export type SizeVerdict =
  | { readonly kind: 'send'; readonly message: KafkaMessage; readonly truncatedFrom?: number }
  | { readonly kind: 'dead-letter'; readonly reason: string }
  | { readonly kind: 'fatal'; readonly error: CfError };

/** Appended to a truncated field so that readers see the value is not whole. */
export const TRUNCATION_MARKER = '...[truncated]';

/** Decides the fate of one encoded record against the limit. Never throws. */
export function applySizeLimit(
  record: PipelineRecord,
  message: KafkaMessage,
  encoder: RecordEncoder,
  limit: SizeLimit,
): SizeVerdict {
  if (message.bytes <= limit.maxRecordBytes) return { kind: 'send', message };
  const what = `Record of ${message.bytes} bytes exceeds the Kafka sink's maxRecordBytes (${limit.maxRecordBytes})`;
  switch (limit.policy) {
    case 'dead-letter':
      return { kind: 'dead-letter', reason: `${what}.` };
    case 'fail':
      return {
        kind: 'fatal',
        error: new CfError(
          'CF_ERR_RECORD_TOO_LARGE',
          `${what} (event ${record.eventId ?? '?'}, file ${record.source.fileId}, line ${record.lineNumber}); oversizePolicy is "fail".`,
          { details: { topic: message.topic, bytes: message.bytes, maxRecordBytes: limit.maxRecordBytes } },
        ),
      };
    case 'truncate': {
      const field = limit.truncateField ?? '';
      const cut = truncateToFit(record, message, encoder, limit.maxRecordBytes, field);
      if (typeof cut === 'string')
        return { kind: 'dead-letter', reason: `${what}; cannot truncate ${field}: ${cut}.` };
      return { kind: 'send', message: cut, truncatedFrom: message.bytes };
    }
  }
}

/** Cuts the string at `field` so the record fits; returns a sentence when it cannot. */
function truncateToFit(
  record: PipelineRecord,
  message: KafkaMessage,
  encoder: RecordEncoder,
  maxRecordBytes: number,
  field: string,
): KafkaMessage | string {
  let root: unknown;
  try {
    root = JSON.parse(record.line);
  } catch {
    return 'the record is not JSON';
  }
  const path = field.split('.');
  const leaf = path.pop() ?? '';
  let parent: unknown = root;
  for (const step of path) {
    parent = isObject(parent) ? parent[step] : undefined;
  }
  if (!isObject(parent) || typeof parent[leaf] !== 'string') return 'the field is absent or not a string';
  const original = parent[leaf] as string;
  const extra = { [HEADER_NAMES.truncatedFrom]: String(message.bytes) };
  // Cutting n raw bytes shrinks the JSON text by at least n (escapes only ever grow), so the
  // first pass usually fits; the slack covers the marker and the header added on the way.
  let keepBytes =
    Buffer.byteLength(original, 'utf8') -
    (message.bytes - maxRecordBytes) -
    Buffer.byteLength(TRUNCATION_MARKER, 'utf8') -
    64;
  for (let pass = 0; pass < 4; pass++) {
    if (keepBytes <= 0) return 'cutting the field whole is not enough';
    parent[leaf] = utf8Prefix(original, keepBytes) + TRUNCATION_MARKER;
    const candidate = encoder.encode(record, JSON.stringify(root), extra);
    if (candidate.bytes <= maxRecordBytes) return candidate;
    keepBytes -= candidate.bytes - maxRecordBytes + 64;
  }
  return 'the record still does not fit';
}

/** The longest prefix of `text` whose UTF-8 encoding has at most `maxBytes` bytes. */
export function utf8Prefix(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
