import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { RateLimiter, RateLimiterRegistry } from '../../../src/http/index.js';

// Timestamps are taken in the resolution callback, a few microtasks after the limiter records
// the start; on a loaded 2-core machine the process can be descheduled (or collect garbage) in
// between (this test failed once here, run beside a CI run). The tolerance only absorbs that: it is
// far below any real violation (a burst starts a whole window, 100-200 ms, early).
const MEASURE_TOLERANCE_MS = 15;

describe('RateLimiter', () => {
  it('never lets more than N start in any window, under concurrent acquirers, in FIFO order', async () => {
    const limiter = new RateLimiter(5, 200);
    const starts: { n: number; at: number }[] = [];
    await Promise.all(
      Array.from({ length: 16 }, (_, n) =>
        limiter.acquire().then(() => starts.push({ n, at: performance.now() })),
      ),
    );
    assert.deepEqual(
      starts.map((s) => s.n),
      Array.from({ length: 16 }, (_, n) => n),
      'served in the order they asked',
    );
    const at = starts.map((s) => s.at);
    for (let i = 0; i + 5 < at.length; i++) {
      const gap = (at[i + 5] as number) - (at[i] as number);
      assert.ok(gap >= 200 - MEASURE_TOLERANCE_MS, `starts ${i} and ${i + 5} are only ${gap} ms apart`);
    }
    // A correctness lower bound, not a speed assertion: the 11th start needs two full windows.
    assert.ok((at[10] as number) - (at[0] as number) >= 400 - MEASURE_TOLERANCE_MS);
  });

  it('lets the first N through at once (no artificial spacing inside the budget)', async () => {
    const limiter = new RateLimiter(4, 60_000);
    let started = 0;
    const all = Array.from({ length: 4 }, () => limiter.acquire().then(() => started++));
    await Promise.all(all);
    assert.equal(started, 4);
    assert.equal(limiter.pending, 0);
    const fifth = limiter.acquire(AbortSignal.timeout(50));
    await assert.rejects(fifth, { name: 'TimeoutError' }, 'the fifth must wait for the window');
  });

  it('an aborted waiter leaves the queue and consumes no slot', async () => {
    const limiter = new RateLimiter(1, 100);
    await limiter.acquire();
    const ac = new AbortController();
    const order: string[] = [];
    const aborted = limiter.acquire(ac.signal).then(
      () => order.push('aborted-one-started'),
      (err: unknown) => order.push(`rejected:${(err as Error).name}`),
    );
    const next = limiter.acquire().then(() => order.push('next-started'));
    ac.abort();
    await Promise.all([aborted, next]);
    assert.deepEqual(order, ['rejected:AbortError', 'next-started']);
    assert.equal(limiter.pending, 0);
  });

  it('pauseFor holds queued and new acquisitions until the pause ends', async () => {
    const limiter = new RateLimiter(100, 1000);
    await limiter.acquire();
    const pausedAt = performance.now();
    limiter.pauseFor(150);
    const times = await Promise.all([1, 2, 3].map(() => limiter.acquire().then(() => performance.now())));
    for (const t of times)
      assert.ok(t - pausedAt >= 150 - MEASURE_TOLERANCE_MS, `started ${t - pausedAt} ms in`);
  });

  it('counts a slot from its release: in-flight requests hold their place, however slow', async () => {
    const limiter = new RateLimiter(2, 100);
    const first = await limiter.acquireSlot();
    const second = await limiter.acquireSlot();
    let thirdAt = 0;
    const third = limiter.acquireSlot().then((slot) => {
      thirdAt = performance.now();
      return slot;
    });
    await new Promise((resolve) => setTimeout(resolve, 150)); // a whole window, both still in flight
    assert.equal(thirdAt, 0, 'a third request started while two were in flight in a window of 2');
    const releasedAt = performance.now();
    first.release();
    first.release(); // idempotent: does not move the stamp
    (await third).release();
    second.release();
    assert.ok(thirdAt - releasedAt >= 100 - MEASURE_TOLERANCE_MS, `started ${thirdAt - releasedAt} ms after`);
  });

  it('rejects a nonsensical configuration', () => {
    assert.throws(() => new RateLimiter(0, 1000), { code: 'CF_ERR_CONFIG' });
    assert.throws(() => new RateLimiter(5, 0), { code: 'CF_ERR_CONFIG' });
  });
});

describe('RateLimiterRegistry', () => {
  it('shares one limiter per key and refuses a second budget for the same key', () => {
    const registry = new RateLimiterRegistry();
    const a = registry.get('key-1:download', 50, 60_000);
    assert.equal(registry.get('key-1:download', 50, 60_000), a);
    assert.notEqual(registry.get('key-2:download', 50, 60_000), a);
    assert.throws(() => registry.get('key-1:download', 10, 60_000), { code: 'CF_ERR_INTERNAL' });
  });
});
