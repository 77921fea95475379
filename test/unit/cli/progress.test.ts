import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ProgressReporter } from '../../../src/cli/progress.ts';
import type { RateLimitHold } from '../../../src/http/index.ts';

function reporter(): ProgressReporter {
  return new ProgressReporter(new PassThrough(), false, 0, undefined, 1);
}
const hold = (nextSlotInMs: number): RateLimitHold => ({ key: 'k:download', pending: 3, nextSlotInMs });

test('the live line says so while the rate limiter holds requests back, with the next slot', () => {
  const p = reporter();
  let holds: RateLimitHold[] = [hold(12_300)];
  p.watchRateLimits(() => holds);
  assert.match(p.liveLine(), /^0 files, 0 events, .*; waiting for the rate limit \(next slot in 13 s\)$/);
  holds = [hold(1_000), hold(40_000)];
  assert.match(p.liveLine(), /next slot in 1 s\)$/, 'the soonest slot counts');
  holds = [];
  assert.doesNotMatch(p.liveLine(), /waiting/);
});

test('holds under a second are not shown (every file waits about that at 50 a minute)', () => {
  const p = reporter();
  p.watchRateLimits(() => [hold(600), hold(30_000)]);
  assert.doesNotMatch(p.liveLine(), /waiting/);
});

test('without a probe the line is the counters alone', () => {
  assert.doesNotMatch(reporter().liveLine(), /waiting/);
});

test('the summary line never carries the waiting state', () => {
  const out = new PassThrough();
  const p = new ProgressReporter(out, false, 0, undefined, 1);
  p.watchRateLimits(() => [hold(20_000)]);
  p.finish('done');
  assert.doesNotMatch(String(out.read()), /waiting/);
});
