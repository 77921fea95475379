import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cutUtf8, MessageEncoder, TRUNCATION_MARKER } from '../../../../src/sinks/syslog/encoder.js';
import type { Formatter } from '../../../../src/sinks/syslog/format.js';
import { FrameWriter } from '../../../../src/sinks/syslog/frame-writer.js';
import type { Framing } from '../../../../src/sinks/syslog/framing.js';
import { makeRecord } from '../../../helpers/records.js';
import { unframe } from './octet-frames.js';

const fixedHead: Formatter = (record) => ({ head: '<14>1 - h a - T - ', body: record.line });
const withLine = (line: string) => ({ ...makeRecord(1), line });

/** Frames records whose message is `head` then `body`, each given as [head, body]. */
function framed(
  framing: Framing,
  messages: readonly (readonly [string, string])[],
  chunkBytes?: number,
): Buffer[] {
  const split: Formatter = (record) => {
    const [head, body] = JSON.parse(record.line) as [string, string];
    return { head, body };
  };
  const encoder = new MessageEncoder(split, { maxBytes: 64 * 1024, policy: 'fail', escapeNewlines: false });
  const writer = new FrameWriter(framing, encoder, undefined, chunkBytes);
  for (const m of messages) assert.equal(writer.add(withLine(JSON.stringify(m)), undefined).fits, true);
  return writer.finish();
}

describe('framing', () => {
  it('octet counting counts UTF-8 bytes, not characters', () => {
    const [chunk] = framed('octet-counting', [
      ['', 'é'],
      ['', '😀 x'],
      ['', 'plain'],
    ]);
    assert.equal(chunk?.toString('utf8'), '2 é6 😀 x5 plain');
  });

  it('keeps every frame whole inside one chunk, however the batch is cut', () => {
    const texts = Array.from({ length: 300 }, (_, i) => `msg ${i} ${'ü'.repeat(i % 97)}`);
    const chunks = framed(
      'octet-counting',
      texts.map((t) => [t.slice(0, 3), t.slice(3)] as const),
      1000,
    );
    assert.ok(chunks.length > 10);
    assert.deepEqual(chunks.flatMap(unframe), texts);
  });

  it('newline framing ends each message with LF; UDP sends one datagram each', () => {
    const lines = framed('newline', [
      ['', 'a'],
      ['b', ''],
    ]);
    assert.deepEqual(lines.map(String), ['a\nb\n']);
    const datagrams = framed('datagram', [
      ['a', ''],
      ['b', 'é'],
    ]);
    assert.deepEqual(datagrams.map(String), ['a', 'bé']);
  });
});

describe('size policy', () => {
  it('reports a message over the limit without truncating under dead-letter and fail', () => {
    for (const policy of ['dead-letter', 'fail'] as const) {
      const encoder = new MessageEncoder(fixedHead, { maxBytes: 500, policy, escapeNewlines: false });
      const line = JSON.stringify({ event_id: 'x', pad: 'y'.repeat(600) });
      assert.deepEqual(encoder.encode(withLine(line)), { fits: false, bytes: 18 + line.length });
      const small = encoder.encode(withLine('{"a":1}'));
      assert.deepEqual(small, { fits: true, head: '<14>1 - h a - T - ', body: '{"a":1}', bytes: 25 });
    }
  });

  it('truncates within the limit, ends with the marker and never splits a character', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.integer({ min: 40, max: 300 }),
        (s, max) => {
          const encoder = new MessageEncoder(fixedHead, {
            maxBytes: max,
            policy: 'truncate',
            escapeNewlines: false,
          });
          const encoded = encoder.encode(withLine(s));
          assert.ok(encoded.fits);
          const text = encoded.head + encoded.body;
          assert.equal(encoded.bytes, Buffer.byteLength(text));
          assert.ok(encoded.bytes <= max);
          assert.ok(!text.includes('\uFFFD') || s.includes('\uFFFD'));
          if (encoded.truncatedFrom !== undefined) {
            assert.ok(encoded.body.endsWith(TRUNCATION_MARKER));
            assert.ok(s.startsWith(encoded.body.slice(0, -TRUNCATION_MARKER.length)));
            assert.equal(encoded.truncatedFrom, 18 + Buffer.byteLength(s));
          } else {
            assert.equal(text, `<14>1 - h a - T - ${s}`);
          }
        },
      ),
    );
  });

  it('cannot truncate when the header alone is over the limit', () => {
    const hugeHead: Formatter = (record) => ({ head: 'h'.repeat(600), body: record.line });
    const encoder = new MessageEncoder(hugeHead, {
      maxBytes: 500,
      policy: 'truncate',
      escapeNewlines: false,
    });
    assert.equal(encoder.encode(withLine('{}')).fits, false);
  });

  it('escapes embedded newlines for newline framing, and counts the escaped size', () => {
    const encoder = new MessageEncoder(fixedHead, {
      maxBytes: 500,
      policy: 'dead-letter',
      escapeNewlines: true,
    });
    const encoded = encoder.encode(withLine('{"a":\n1}'));
    assert.ok(encoded.fits);
    assert.equal(encoded.head + encoded.body, '<14>1 - h a - T - {"a":\\n1}');
    assert.equal(encoded.bytes, Buffer.byteLength(encoded.head + encoded.body));
  });

  it('cuts UTF-8 on character boundaries', () => {
    assert.equal(cutUtf8('aé😀', 1), 'a');
    assert.equal(cutUtf8('aé😀', 2), 'a');
    assert.equal(cutUtf8('aé😀', 3), 'aé');
    assert.equal(cutUtf8('aé😀', 6), 'aé');
    assert.equal(cutUtf8('aé😀', 7), 'aé😀');
  });
});
