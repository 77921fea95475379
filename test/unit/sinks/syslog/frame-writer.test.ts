import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PipelineRecord } from '../../../../src/core/record.js';
import { ChunkPool } from '../../../../src/sinks/syslog/chunk-pool.js';
import {
  MessageEncoder,
  type OversizePolicy,
  TRUNCATION_MARKER,
} from '../../../../src/sinks/syslog/encoder.js';
import { FrameWriter } from '../../../../src/sinks/syslog/frame-writer.js';
import type { Framing } from '../../../../src/sinks/syslog/framing.js';
import { rfc5424Formatter } from '../../../../src/sinks/syslog/rfc5424.js';
import { makeRecord } from '../../../helpers/records.js';
import { headerOptions } from './header-options.js';
import { unframe } from './octet-frames.js';

const header = headerOptions({ bom: true });

function encoderFor(framing: Framing, maxBytes = 64 * 1024, policy: OversizePolicy = 'dead-letter') {
  return new MessageEncoder(rfc5424Formatter(header), {
    maxBytes,
    policy,
    escapeNewlines: framing === 'newline',
  });
}

/**
 * A record holding its line as UTF-8 bytes, as the pipeline's splitter hands them over. Reading
 * `line` throws unless allowed: the byte path must copy the bytes without decoding them.
 */
function bytesRecord(n: number, text: string, options: { decodable?: boolean; claim?: number } = {}) {
  const base = makeRecord(n, undefined, { text });
  const utf8 = Buffer.from(base.line, 'utf8');
  const record: PipelineRecord = {
    eventId: base.eventId,
    timestamp: base.timestamp,
    lineNumber: base.lineNumber,
    source: base.source,
    delivery: base.delivery,
    lineBytes: options.claim ?? utf8.length,
    get line(): string {
      if (options.decodable !== true) throw new Error('the line was decoded');
      return base.line;
    },
    writeUtf8: (target, offset) => utf8.copy(target, offset),
  };
  return { record, text: base.line, textRecord: base };
}

/**
 * The reference output: each record as the text path encodes it (MessageEncoder.encode), framed
 * by hand as RFC 6587 (octet counting, LF) and RFC 5426 (one datagram each) describe.
 */
function reference(framing: Framing, records: readonly PipelineRecord[]): Buffer {
  const encoder = encoderFor(framing);
  return Buffer.concat(
    records.map((record) => {
      const encoded = encoder.encode(record);
      assert.ok(encoded.fits);
      const message = `${encoded.head}${encoded.body}`;
      assert.equal(Buffer.byteLength(message), encoded.bytes);
      if (framing === 'octet-counting') return Buffer.from(`${encoded.bytes} ${message}`);
      return Buffer.from(framing === 'newline' ? `${message}\n` : message);
    }),
  );
}

describe('frame writer', () => {
  for (const framing of ['octet-counting', 'newline', 'datagram'] as const) {
    it(`${framing}: byte-backed records give the same bytes as the text path, never decoding the line`, () => {
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 200 }), { maxLength: 30 }), (texts) => {
          const made = texts.map((t, i) => bytesRecord(i, t));
          const writer = new FrameWriter(framing, encoderFor(framing), new ChunkPool(), 1000);
          for (const { record } of made)
            assert.deepEqual(writer.add(record, record.lineBytes), { fits: true });
          const out = writer.finish();
          const expected = reference(
            framing,
            made.map((m) => m.textRecord),
          );
          assert.deepEqual(Buffer.concat(out), expected);
          if (framing === 'datagram') assert.equal(out.length, texts.length, 'one datagram per message');
          if (framing === 'octet-counting') for (const chunk of out) unframe(chunk);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('a small batch holds a buffer of its own size, its 128 KiB slab back in the pool', () => {
    const pool = new ChunkPool();
    const writer = new FrameWriter('octet-counting', encoderFor('octet-counting'), pool);
    const made = [bytesRecord(1, 'one'), bytesRecord(2, 'two')];
    for (const { record } of made) writer.add(record, record.lineBytes);
    const [chunk, ...rest] = writer.finish();
    assert.equal(rest.length, 0);
    assert.deepEqual(
      chunk,
      reference(
        'octet-counting',
        made.map((m) => m.textRecord),
      ),
    );
    // What the resend window then keeps for seconds is the chunk's bytes, not a whole slab.
    assert.equal(chunk?.buffer.byteLength, chunk?.length);
    assert.equal(pool.freeSlabs, 1, 'the slab is free for the next batch');
  });

  it('a full chunk is handed over without a copy', () => {
    const pool = new ChunkPool();
    const writer = new FrameWriter('octet-counting', encoderFor('octet-counting'), pool);
    for (let i = 0; i < 700; i++) {
      const { record } = bytesRecord(i, 'x'.repeat(100));
      writer.add(record, record.lineBytes);
    }
    const out = writer.finish();
    assert.ok(out.length > 1);
    assert.ok((out[0]?.length ?? 0) >= 64 * 1024);
    assert.equal(out[0]?.buffer.byteLength, ChunkPool.SLAB_BYTES, 'a chunk of 64 KiB stays in its slab');
  });

  it('text-backed records (no writeUtf8, or no known size) take the text path with the same result', () => {
    const records = [makeRecord(1, undefined, { text: 'é 😀' }), makeRecord(2, undefined, { text: 'plain' })];
    const writer = new FrameWriter('octet-counting', encoderFor('octet-counting'));
    writer.add(records[0]!, Buffer.byteLength(records[0]!.line));
    writer.add(records[1]!, undefined);
    const expected = reference('octet-counting', records);
    assert.deepEqual(Buffer.concat(writer.finish()), expected);
  });

  it('newline framing: an LF inside a line is escaped, as the text path does', () => {
    const { record } = bytesRecord(1, 'x', { decodable: true });
    const withLf: PipelineRecord = {
      ...record,
      line: '{"a":\n1}',
      lineBytes: 8,
      writeUtf8: (target, offset) => target.write('{"a":\n1}', offset, 'utf8'),
    };
    const writer = new FrameWriter('newline', encoderFor('newline'));
    writer.add(withLf, withLf.lineBytes);
    const [chunk] = writer.finish();
    assert.ok(chunk?.toString('utf8').endsWith(' \uFEFF{"a":\\n1}\n'));
    assert.equal(chunk?.toString('utf8').split('\n').length, 2, 'one message, one LF');
  });

  it('a record whose bytes are not the size it claims is written from its text', () => {
    const { record, text } = bytesRecord(1, 'ünïcode', { decodable: true, claim: 5 });
    const writer = new FrameWriter('octet-counting', encoderFor('octet-counting'));
    writer.add(record, Buffer.byteLength(text));
    const [message] = unframe(Buffer.concat(writer.finish()));
    assert.ok(message?.endsWith(text));
  });

  it('over the limit: refused with its size and nothing written, or cut with the marker', () => {
    const { record, text } = bytesRecord(1, 'x'.repeat(500), { decodable: true });
    const refusing = new FrameWriter('octet-counting', encoderFor('octet-counting', 300));
    const refused = refusing.add(record, record.lineBytes);
    assert.equal(refused.fits, false);
    assert.ok(!refused.fits && refused.bytes > 500);
    assert.deepEqual(refusing.finish(), []);

    const cutting = new FrameWriter('octet-counting', encoderFor('octet-counting', 300, 'truncate'));
    const cut = cutting.add(record, record.lineBytes);
    assert.ok(cut.fits && cut.truncatedFrom !== undefined && cut.truncatedFrom > 500);
    const [message] = unframe(Buffer.concat(cutting.finish()));
    assert.equal(Buffer.byteLength(message!), 300);
    assert.ok(message!.endsWith(TRUNCATION_MARKER));
    assert.ok(text.startsWith(message!.slice(message!.indexOf('{'), -TRUNCATION_MARKER.length)));
  });

  it('a message bigger than a pooled buffer gets a chunk of its own, between whole chunks', () => {
    const small = bytesRecord(1, 'small');
    const big = bytesRecord(2, 'ü'.repeat(100_000));
    const writer = new FrameWriter('octet-counting', encoderFor('octet-counting', 1024 * 1024));
    for (const { record } of [small, big, small]) writer.add(record, record.lineBytes);
    const chunks = writer.finish();
    assert.equal(chunks.length, 3);
    assert.deepEqual(
      chunks.flatMap(unframe).map((m) => m.slice(m.indexOf('{'))),
      [small.text, big.text, small.text],
    );
  });
});
