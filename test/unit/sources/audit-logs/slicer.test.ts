import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveSlicer } from '../../../../src/sources/audit-logs/slicer.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sizing = { minSliceMs: HOUR, maxSliceMs: 7 * DAY, pageSize: 100, shrinkAbovePages: 10 };

test('the first slice is the minimum length', () => {
  const s = new AdaptiveSlicer(sizing);
  assert.equal(s.lengthMs, HOUR);
  assert.equal(s.next(0, 10 * DAY), HOUR);
});

test('sparse slices double the length up to the maximum', () => {
  const s = new AdaptiveSlicer(sizing);
  const lengths: number[] = [];
  for (let i = 0; i < 10; i++) {
    s.record({ pages: 1, events: 3 });
    lengths.push(s.lengthMs / HOUR);
  }
  assert.deepEqual(lengths, [2, 4, 8, 16, 32, 64, 128, 168, 168, 168]);
});

test('an empty slice grows too; more than half a page, or a second page, does not', () => {
  const s = new AdaptiveSlicer(sizing);
  s.record({ pages: 1, events: 0 });
  assert.equal(s.lengthMs, 2 * HOUR);
  s.record({ pages: 1, events: 51 });
  assert.equal(s.lengthMs, 2 * HOUR, 'more than half a page: doubling would likely spill into a second');
  s.record({ pages: 1, events: 50 });
  assert.equal(s.lengthMs, 4 * HOUR);
  s.record({ pages: 2, events: 20 });
  assert.equal(s.lengthMs, 4 * HOUR, 'a second page (even a short one) keeps the length');
  s.record({ pages: 10, events: 1000 });
  assert.equal(s.lengthMs, 4 * HOUR, 'up to shrinkAbovePages pages keeps the length');
});

test('a slice of many pages halves the next one, down to the minimum', () => {
  const s = new AdaptiveSlicer(sizing);
  for (let i = 0; i < 5; i++) s.record({ pages: 1, events: 0 });
  assert.equal(s.lengthMs, 32 * HOUR);
  const lengths: number[] = [];
  for (let i = 0; i < 7; i++) {
    s.record({ pages: 11, events: 1100 });
    lengths.push(s.lengthMs / HOUR);
  }
  assert.deepEqual(lengths, [16, 8, 4, 2, 1, 1, 1]);
});

test("a slice never passes the window's end", () => {
  const s = new AdaptiveSlicer(sizing);
  for (let i = 0; i < 3; i++) s.record({ pages: 1, events: 0 });
  assert.equal(s.next(1000, 1000 + 5 * HOUR), 1000 + 5 * HOUR);
  assert.equal(s.next(1000, 1000 + 9 * HOUR), 1000 + 8 * HOUR);
});

test('min equal to max keeps a fixed length (the behaviour before adaptive slices)', () => {
  const s = new AdaptiveSlicer({ ...sizing, maxSliceMs: HOUR });
  s.record({ pages: 1, events: 0 });
  assert.equal(s.lengthMs, HOUR);
  s.record({ pages: 50, events: 5000 });
  assert.equal(s.lengthMs, HOUR);
});

test('bad bounds are refused', () => {
  assert.throws(() => new AdaptiveSlicer({ ...sizing, minSliceMs: 0 }), RangeError);
  assert.throws(() => new AdaptiveSlicer({ ...sizing, maxSliceMs: HOUR - 1 }), RangeError);
});
