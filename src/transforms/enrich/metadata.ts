import type { SourceRef } from '../../core/record.js';

/**
 * The metadata object added to every record, as JSON. Only `line_number` changes from one record of a
 * file to the next, so everything before it is built once per file and the record's text is extended
 * by string concatenation instead of a parse and stringify:
 *   {"event_id":"e1",...}  ->  {"event_id":"e1",...,"_forwarder":{"principal_id":...,"line_number":7}}
 */
export interface MetadataFields {
  readonly principal_id: string;
  readonly principal_type: string;
  readonly event_type: string;
  readonly file_id: string;
  readonly file_name: string;
  /** The file's `end_time`, the checkpoint unit. */
  readonly file_end_time: string;
  /** When the forwarder received the file (ISO-8601). */
  readonly ingest_time: string;
  readonly forwarder_version: string;
  readonly forwarder_host: string;
  readonly line_number: number;
  /**
   * The record's event time (ISO-8601) when the forwarder read it from elsewhere than a top-level
   * `timestamp` (e.g. an audit event's `effective_at`): a replay of the archive finds it here.
   */
  readonly event_time?: string;
}

/** `"<key>":{...,"line_number":` — append the line number and `}` to complete the member. */
export function metadataMemberPrefix(
  key: string,
  source: SourceRef,
  ingestTime: Date,
  forwarder: { version: string; host: string },
): string {
  const constant: Omit<MetadataFields, 'line_number'> = {
    principal_id: source.principalId,
    principal_type: source.principalType,
    event_type: source.eventType,
    file_id: source.fileId,
    file_name: source.fileName,
    file_end_time: source.endTime,
    ingest_time: ingestTime.toISOString(),
    forwarder_version: forwarder.version,
    forwarder_host: forwarder.host,
  };
  const json = JSON.stringify(constant);
  return `${JSON.stringify(key)}:${json.slice(0, -1)},"line_number":`;
}

/** `"k":v,...` members for splicing (empty string when there are none). */
export function jsonMembers(fields: ReadonlyArray<{ quotedKey: string; value: unknown }>): string {
  return fields.map((f) => `${f.quotedKey}:${JSON.stringify(f.value) ?? 'null'}`).join(',');
}

/**
 * `text` (one JSON object) with `members` (`"k":v,...`, non-empty) added before its closing brace.
 * An empty object takes them without a leading comma.
 */
export function appendMembers(text: string, members: string): string {
  let close = text.length - 1;
  if (text.charCodeAt(close) !== 0x7d) close = text.lastIndexOf('}');
  return text.slice(0, close) + (isEmptyObject(text, close) ? '' : ',') + members + text.slice(close);
}

/** True when nothing but JSON whitespace sits between the opening brace and `close`. */
function isEmptyObject(text: string, close: number): boolean {
  for (let i = text.indexOf('{') + 1; i < close; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}
