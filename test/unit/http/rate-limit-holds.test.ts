import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RateLimiter, RateLimiterRegistry } from '../../../src/http/index.js';

test('nextSlotInMs: 0 while a start is free, the time to the window edge once spent, undefined while in flight holds it', async () => {
  const limiter = new RateLimiter(2, 60_000);
  assert.equal(limiter.nextSlotInMs(), 0);
  const slot = await limiter.acquireSlot();
  assert.equal(limiter.nextSlotInMs(), 0, 'one of two starts left');
  await limiter.acquire();
  slot.release();
  // Both spent: in flight no more, so the first ages out of the window in about a minute.
  const ms = limiter.nextSlotInMs()!;
  assert.ok(ms > 59_000 && ms <= 60_002, `${ms} ms`);
  const held = new RateLimiter(1, 60_000);
  const inFlight = await held.acquireSlot();
  assert.equal(held.nextSlotInMs(), undefined, 'waits on the answer, not on the clock');
  inFlight.release();
});

test('a Retry-After pause counts as a hold', () => {
  const limiter = new RateLimiter(10, 1000);
  limiter.pauseFor(5000);
  const ms = limiter.nextSlotInMs()!;
  assert.ok(ms > 4900 && ms <= 5001, `${ms} ms`);
});

test('the registry lists only limiters with waiters held by the clock, soonest first', async () => {
  const registry = new RateLimiterRegistry();
  const idle = registry.get('a:list', 5, 60_000);
  const busy = registry.get('a:download', 1, 60_000);
  const slow = registry.get('b:download', 1, 60_000);
  assert.deepEqual(registry.holds(), []);
  await busy.acquire();
  const controller = new AbortController();
  const waiting = busy.acquire(controller.signal).catch(() => undefined);
  slow.pauseFor(120_000);
  const alsoWaiting = slow.acquire(controller.signal).catch(() => undefined);
  const holds = registry.holds();
  assert.deepEqual(
    holds.map((h) => [h.key, h.pending]),
    [
      ['a:download', 1],
      ['b:download', 1],
    ],
  );
  assert.ok(holds[0]!.nextSlotInMs <= 60_002 && holds[1]!.nextSlotInMs > 119_000);
  assert.equal(idle.pending, 0);
  controller.abort();
  await Promise.all([waiting, alsoWaiting]);
  assert.deepEqual(registry.holds(), []);
});
