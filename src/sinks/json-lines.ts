import { type PipelineRecord, recordBytes, writeRecordUtf8 } from '../pipeline/record.js';

/**
 * Records as JSON Lines (each line and an LF) in one buffer, for sinks that write bytes (file,
 * stdout). Each line is copied as UTF-8 straight from the bytes the record holds when it has them
 * (writeRecordUtf8): no decoding of the download, no re-encoding of a concatenated string, and no
 * UTF-16 copy of the batch.
 */
export function jsonLines(records: readonly PipelineRecord[]): Buffer {
  let size = 0;
  for (const r of records) size += recordBytes(r) + 1;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const r of records) {
    offset += writeRecordUtf8(r, out, offset);
    out[offset++] = 0x0a;
  }
  if (offset === size) return out;
  // A record whose lineBytes disagreed with its line (a stage's bug): the buffer may have cut a
  // line, so encode the text instead, which is always whole.
  let text = '';
  for (const r of records) text += `${r.line}\n`;
  return Buffer.from(text, 'utf8');
}
