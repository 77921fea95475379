import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createLz4Codec, createZstdCodec } from '../../../../src/sinks/kafka/codecs.js';
import { zstdAvailable } from '../../../../src/sinks/kafka/zstd.js';

describe('kafka codecs', () => {
  it('lz4 writes standard LZ4 frames that round-trip', async () => {
    const codec = createLz4Codec();
    const sample = Buffer.from('{"event_id":"e1","text":"hello hello hello"}\n'.repeat(200));
    const frame = await codec.compress({ buffer: sample });
    assert.equal(frame.readUInt32LE(0), 0x184d2204, 'LZ4 frame magic');
    assert.ok(frame.length < sample.length / 4);
    assert.deepEqual(await codec.decompress(frame), sample);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), async (bytes) => {
        const buf = Buffer.from(bytes);
        assert.deepEqual(await codec.decompress(await codec.compress({ buffer: buf })), buf);
      }),
      { numRuns: 50 },
    );
  });

  it('zstd round-trips where node:zlib has it', {
    skip: !zstdAvailable() && `no zstd in ${process.version}`,
  }, async () => {
    const codec = createZstdCodec();
    const sample = Buffer.from('abc'.repeat(10_000));
    const frame = await codec.compress({ buffer: sample });
    assert.equal(frame.readUInt32LE(0), 0xfd2fb528, 'zstd frame magic');
    assert.deepEqual(await codec.decompress(frame), sample);
  });
});
