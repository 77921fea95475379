import type { PipelineRecord, SourceRef } from '../../core/record.js';

/** RFC 5424 section 6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(/["\\\]]/g, '\\$&');
}

/**
 * Builds the metadata element: `[sdId event_id="…" event_type="…" principal_type="…"
 * principal_id="…" file_id="…"]`. Parameters without a value are left out; NILVALUE when none is
 * left. Everything but the event id comes from the record's SourceRef, which all records of a file
 * share, so that part is built once per file.
 */
export function metadataElementBuilder(sdId: string): (record: PipelineRecord) => string {
  const tails = new WeakMap<SourceRef, string>();
  const tailOf = (source: SourceRef) => {
    let tail = tails.get(source);
    if (tail === undefined) {
      tail =
        param('event_type', source.eventType) +
        param('principal_type', source.principalType) +
        param('principal_id', source.principalId) +
        param('file_id', source.fileId);
      tails.set(source, tail);
    }
    return tail;
  };
  return (record) => {
    const params = param('event_id', record.eventId) + tailOf(record.source);
    return params === '' ? '-' : `[${sdId}${params}]`;
  };
}

function param(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : ` ${name}="${escapeSdValue(value)}"`;
}
