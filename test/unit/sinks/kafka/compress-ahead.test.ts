import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createGzipCodec } from '../../../../src/sinks/kafka/codecs.js';
import {
  compressAhead,
  type KafkaCodec,
  pendingAhead,
  withCompressAhead,
} from '../../../../src/sinks/kafka/compress-ahead.js';

/** The real gzip codec, counting the compressions it actually does. */
function countingGzip(): KafkaCodec & { compressions: number; failNext: boolean } {
  const gzip = createGzipCodec();
  const codec = {
    compressions: 0,
    failNext: false,
    compress(encoder: { buffer: Buffer }) {
      codec.compressions++;
      if (codec.failNext) {
        codec.failNext = false;
        return Promise.reject(new Error('zlib failed'));
      }
      return gzip.compress(encoder);
    },
    decompress: (buffer: Buffer) => gzip.decompress(buffer),
  };
  return codec;
}

const records = (seed: string) => Buffer.from(`{"event_id":"${seed}","text":"quarterly report"}`.repeat(500));

describe('compressing record batches ahead of their send', () => {
  it('answers a send with the batch compressed ahead when its bytes match, and only then', async () => {
    const inner = countingGzip();
    const codec = withCompressAhead(inner);
    const release = compressAhead(inner, records('a'));
    assert.equal(inner.compressions, 1);
    // kafkajs builds its own copy of the same bytes at send time.
    const sent = await codec.compress({ buffer: Buffer.from(records('a')) });
    assert.equal(inner.compressions, 1, 'not compressed a second time');
    assert.deepEqual(gunzipSync(sent), records('a'));
    // A retry of the same request finds it again.
    await codec.compress({ buffer: records('a') });
    assert.equal(inner.compressions, 1);
    // Same length, other bytes: compressed on the spot.
    const other = await codec.compress({ buffer: records('b') });
    assert.equal(inner.compressions, 2);
    assert.deepEqual(gunzipSync(other), records('b'));
    release();
    release();
    assert.equal(pendingAhead(), 0, 'released once the send settled');
    await codec.compress({ buffer: records('a') });
    assert.equal(inner.compressions, 3);
  });

  it('drops a compression that failed, so that the send compresses again and succeeds', async () => {
    const inner = countingGzip();
    const codec = withCompressAhead(inner);
    inner.failNext = true;
    const release = compressAhead(inner, records('c'));
    await new Promise((r) => setImmediate(r));
    assert.equal(pendingAhead(), 0);
    const sent = await codec.compress({ buffer: records('c') });
    assert.deepEqual(gunzipSync(sent), records('c'));
    release();
  });
});
