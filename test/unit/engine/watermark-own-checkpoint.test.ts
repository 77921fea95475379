import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamWatermark, type WatermarkPosition } from '../../../src/engine/watermark.ts';

test("a file's own checkpoint replaces the ids and end time, asked only once the file is delivered", () => {
  const wm = new StreamWatermark();
  const positions: WatermarkPosition[] = [];
  wm.on('advance', (p) => positions.push(p));
  let learned = 'not read yet';
  let asked = 0;
  const a = wm.register({
    id: 'page-1',
    endTime: '2026-07-01T00:00:00Z',
    checkpoint: () => {
      asked++;
      return { endTime: '2026-07-01T00:05:00Z', ids: [learned] };
    },
  });
  const b = wm.register({ id: 'plain', endTime: '2026-07-01T00:05:00Z' });
  a.expect(1);
  learned = '300000|conv-9'; // what reading the file revealed
  a.sourceDone();
  assert.equal(asked, 0, 'not asked before its records are acknowledged');
  a.ack();
  assert.equal(asked, 1);
  assert.deepEqual(positions.at(-1), {
    endTime: '2026-07-01T00:05:00Z',
    idsAtEndTime: ['300000|conv-9'],
    filesDelivered: 1,
  });
  b.sourceDone();
  // A file without its own checkpoint keeps the usual rule: same end time, ids accumulate.
  assert.deepEqual(positions.at(-1), {
    endTime: '2026-07-01T00:05:00Z',
    idsAtEndTime: ['300000|conv-9', 'plain'],
    filesDelivered: 2,
  });
});
