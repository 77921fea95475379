import { strict as assert } from 'node:assert';

/**
 * Splits octet-counted frames (RFC 6587 `MSG-LEN SP MSG`) back into messages, failing on any
 * framing error, such as a frame cut across two chunks.
 */
export function unframe(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const length = Number(bytes.toString('latin1', at, space));
    assert.ok(Number.isInteger(length) && length > 0, `bad frame length at ${at}`);
    out.push(bytes.toString('utf8', space + 1, space + 1 + length));
    at = space + 1 + length;
  }
  assert.equal(at, bytes.length);
  return out;
}
