import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamWatermark, type WatermarkPosition } from '../../../src/engine/watermark.ts';

function watch(w: StreamWatermark): WatermarkPosition[] {
  const seen: WatermarkPosition[] = [];
  w.on('advance', (p) => seen.push(p));
  return seen;
}

test('the watermark advances in list order although files finish out of order', () => {
  const w = new StreamWatermark();
  const seen = watch(w);
  const a = w.register({ id: 'a', endTime: '2026-01-01T00:10:00Z' });
  const b = w.register({ id: 'b', endTime: '2026-01-01T00:20:00Z' });
  const c = w.register({ id: 'c', endTime: '2026-01-01T00:30:00Z' });
  for (const t of [a, b, c]) t.expect(1);
  c.ack();
  c.sourceDone();
  b.ack();
  b.sourceDone();
  assert.equal(seen.length, 0, 'nothing advances while the first file is pending');
  a.sourceDone();
  assert.equal(seen.length, 0, 'a file is not done before its acks');
  a.ack();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.endTime, '2026-01-01T00:30:00Z');
  assert.equal(seen[0]!.filesDelivered, 3);
  assert.equal(w.inFlight, 0);
});

test('files sharing an end time are remembered by id, across resumes', () => {
  const w = new StreamWatermark({ endTime: '2026-01-01T00:10:00Z', idsAtEndTime: ['x'], filesDelivered: 5 });
  const seen = watch(w);
  const a = w.register({ id: 'y', endTime: '2026-01-01T00:10:00.000Z' });
  a.sourceDone();
  assert.deepEqual(seen.at(-1)?.idsAtEndTime, ['x', 'y']);
  const b = w.register({ id: 'z', endTime: '2026-01-01T00:20:00Z' });
  b.sourceDone();
  assert.deepEqual(seen.at(-1)?.idsAtEndTime, ['z']);
  assert.equal(seen.at(-1)?.filesDelivered, 7);
});

test('a failed file freezes the watermark for good', () => {
  const w = new StreamWatermark();
  const seen = watch(w);
  const failures: string[] = [];
  w.on('failed', (e) => failures.push(e.code));
  const a = w.register({ id: 'a', endTime: '2026-01-01T00:10:00Z' });
  const b = w.register({ id: 'b', endTime: '2026-01-01T00:20:00Z' });
  a.expect(1);
  a.fail(new Error('sink said no'));
  b.sourceDone();
  a.ack();
  a.sourceDone();
  assert.equal(seen.length, 0);
  assert.deepEqual(failures, ['CF_ERR_INTERNAL']);
  assert.ok(w.failed);
});

test('an ack beyond what was sent is a failure, not an advance', () => {
  const w = new StreamWatermark();
  const a = w.register({ id: 'a', endTime: '2026-01-01T00:10:00Z' });
  a.expect(1);
  a.ack();
  a.ack();
  a.sourceDone();
  assert.ok(w.failed);
  assert.equal(w.current, undefined);
});

test('files listed before a failed one are still checkpointed once acknowledged, so a retry does not resend them', () => {
  const w = new StreamWatermark();
  const seen = watch(w);
  const a = w.register({ id: 'a', endTime: '2026-01-01T00:10:00Z' });
  const b = w.register({ id: 'b', endTime: '2026-01-01T00:10:00Z' });
  const c = w.register({ id: 'c', endTime: '2026-01-01T00:20:00Z' });
  for (const t of [a, c]) {
    t.expect(1);
    t.sourceDone();
  }
  b.fail(new Error('download failed'));
  assert.equal(w.inFlightBeforeFailure, 1, 'a, listed before the failure, is still awaited');
  c.ack();
  a.ack();
  assert.deepEqual(seen.at(-1), { endTime: '2026-01-01T00:10:00Z', idsAtEndTime: ['a'], filesDelivered: 1 });
  assert.equal(w.inFlightBeforeFailure, 0);
  assert.equal(w.inFlight, 2, 'the failed file and the one after it are never passed');
});

test('an earlier file failing after a later one shortens the wait and is announced', () => {
  const w = new StreamWatermark();
  let announced = 0;
  w.on('failed', () => announced++);
  const a = w.register({ id: 'a', endTime: '2026-01-01T00:10:00Z' });
  const b = w.register({ id: 'b', endTime: '2026-01-01T00:20:00Z' });
  b.fail(new Error('late file failed'));
  assert.equal(w.inFlightBeforeFailure, 1);
  a.fail(new Error('early file failed'));
  assert.equal(w.inFlightBeforeFailure, 0);
  assert.equal(announced, 2);
});
