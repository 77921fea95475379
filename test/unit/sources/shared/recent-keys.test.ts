import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentKeys } from '../../../../src/sources/shared/index.ts';

test('keeps the keys within the window behind the latest time, and round-trips through a checkpoint', () => {
  const recent = new RecentKeys(120_000, 100);
  recent.add(1_000_000, 'a');
  recent.add(1_050_000, 'b');
  recent.add(1_130_000, 'c'); // a is now 130 s old: forgotten
  assert.equal(recent.has('a'), false);
  assert.equal(recent.has('b'), true);
  assert.deepEqual(recent.snapshot(), ['1050000|b', '1130000|c']);
  const resumed = new RecentKeys(120_000, 100, recent.snapshot());
  assert.equal(resumed.has('b'), true);
  assert.equal(resumed.latestMs, 1_130_000);
  resumed.advanceTo(1_200_000); // the listing reached this time with nothing newer
  assert.deepEqual(resumed.snapshot(), ['1130000|c']);
});

test('keeps at most maxKeys, forgetting the oldest; ignores ids that are not its own', () => {
  const recent = new RecentKeys(10_000_000, 3, ['not-a-key', '5|x|with|bars']);
  assert.equal(recent.has('x|with|bars'), true, 'keys may contain the separator');
  for (let i = 0; i < 5; i++) recent.add(10 + i, `k${i}`);
  assert.equal(recent.size, 3);
  assert.deepEqual(recent.snapshot(), ['12|k2', '13|k3', '14|k4']);
});
