import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChunkPool } from '../../../../src/sinks/syslog/chunk-pool.js';
import { ResendWindow } from '../../../../src/sinks/syslog/resend-window.js';

const chunk = (tag: string, size = 10) => Buffer.from(tag.padEnd(size, '.'));

function addWatched(window: ResendWindow, count: number): Array<WeakRef<Buffer>> {
  const refs: Array<WeakRef<Buffer>> = [];
  for (let i = 0; i < count; i++) {
    const c = Buffer.alloc(64 * 1024);
    refs.push(new WeakRef(c));
    window.add(c);
  }
  return refs;
}

describe('resend window', () => {
  it('returns the chunks written within the age limit before the break, oldest first', () => {
    let now = 1000;
    const window = new ResendWindow(1000, 500, () => now);
    window.add(chunk('a'));
    now = 1400;
    window.add(chunk('b'));
    now = 1600;
    window.add(chunk('c'));
    assert.deepEqual(window.takeRecent(1700).map(String), ['b.........', 'c.........']);
    assert.equal(window.bytes, 0);
    assert.deepEqual(window.takeRecent(1700), []);
  });

  it('keeps only the most recent bytes within maxBytes', () => {
    const window = new ResendWindow(25, 60_000);
    for (const tag of ['a', 'b', 'c', 'd']) window.add(chunk(tag));
    assert.equal(window.bytes, 20);
    assert.deepEqual(
      window.takeRecent().map((b) => b.toString()[0]),
      ['c', 'd'],
    );
  });

  it('releases old chunks when pruned while idle, and never holds a chunk over maxBytes', () => {
    let now = 0;
    const window = new ResendWindow(100, 50, () => now);
    window.add(chunk('a'));
    window.add(chunk('big', 200));
    assert.equal(window.bytes, 10);
    now = 100;
    window.prune();
    assert.equal(window.bytes, 0);
  });

  it('lets an evicted chunk be collected at once, not at the next compaction', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let now = 0;
    // The pool's free list is full: the window is the last holder of the chunks it evicts.
    const window = new ResendWindow(1 << 20, 100, () => now);
    // Made in a function of its own: a suspended async frame can keep its last local alive.
    const evicted = addWatched(window, 10);
    now = 1000;
    window.add(chunk('recent'));
    assert.equal(window.bytes, 10);
    await new Promise((r) => setImmediate(r));
    gc();
    assert.deepEqual(
      evicted.flatMap((r, i) => (r.deref() === undefined ? [] : [i])),
      [],
      'no evicted chunk is kept alive',
    );
    assert.deepEqual(
      window.takeRecent().map((b) => b.toString()),
      ['recent....'],
    );
  });

  it('holds nothing when disabled', () => {
    const window = new ResendWindow(0, 5000);
    window.add(chunk('a'));
    assert.deepEqual(window.takeRecent(), []);
  });
});

describe('chunk pool', () => {
  it('reuses a buffer only after it was given back, and never one of another size', () => {
    const pool = new ChunkPool(2);
    const a = pool.take(1000);
    const b = pool.take(70_000);
    assert.notEqual(a.buffer, b.buffer);
    pool.give(a);
    const c = pool.take(500);
    assert.equal(c.buffer, a.buffer, 'recycled');
    assert.equal(c.length, 500);
    const big = pool.take(ChunkPool.SLAB_BYTES + 1);
    pool.give(big);
    assert.notEqual(pool.take(10).buffer, big.buffer, 'oversized buffers are not pooled');
  });

  it('lets go of the slabs a burst left once the flow no longer needs them', () => {
    const pool = new ChunkPool(32);
    const burst = Array.from({ length: 20 }, () => pool.take(1000));
    for (const c of burst) pool.give(c);
    assert.equal(pool.freeSlabs, 20, 'kept for reuse after the burst');
    pool.trim();
    // A steady flow of 3 slabs at a time until the next trim.
    const steady = [pool.take(10), pool.take(10), pool.take(10)];
    for (const c of steady) pool.give(c);
    pool.trim();
    assert.equal(pool.freeSlabs, 3, 'the 17 slabs nothing took since the last trim are released');
    const again = [pool.take(10), pool.take(10), pool.take(10)];
    assert.ok(
      again.every((c) => steady.some((s) => s.buffer === c.buffer)),
      'the flow still reuses its slabs',
    );
    pool.trim();
    assert.equal(pool.freeSlabs, 0);
  });

  it('gets back every chunk the window drops, and none it hands out for resending', () => {
    const dropped: string[] = [];
    let now = 0;
    const window = new ResendWindow(
      25,
      100,
      () => now,
      (c) => dropped.push(c.toString()[0]!),
    );
    for (const tag of ['a', 'b', 'c']) window.add(chunk(tag));
    assert.deepEqual(dropped, ['a'], 'evicted by size');
    now = 50;
    window.add(chunk('d'));
    assert.deepEqual(dropped, ['a', 'b']);
    now = 140;
    assert.deepEqual(
      window.takeRecent().map((b) => b.toString()[0]),
      ['d'],
    );
    assert.deepEqual(dropped, ['a', 'b', 'c'], 'too old to resend');
  });
});
