import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { bearer, downloadUrl, get, json, listPage, startSim, WORKSPACE } from './sim-http.js';

const T0 = Date.parse('2026-07-09T13:05:00Z');
const MINUTE = 60_000;

test('in live mode new files appear as windows close', async (t) => {
  let now = T0;
  const { sim, info } = await startSim(t, { live: true, clock: () => new Date(now) });
  const query = { event_type: 'AUTH_LOG', after: '2026-07-09T12:55:00Z' };
  const before = await listPage(info, WORKSPACE, query);
  assert.deepEqual(
    before.data.map((f) => f.end_time),
    ['2026-07-09T13:00:00Z'],
  );
  now = T0 + 4 * MINUTE;
  assert.equal((await listPage(info, WORKSPACE, query)).data.length, 1, 'the 13:10 window is still open');
  now = T0 + 5 * MINUTE;
  const after = await listPage(info, WORKSPACE, query);
  assert.deepEqual(
    after.data.map((f) => f.end_time),
    ['2026-07-09T13:00:00Z', '2026-07-09T13:10:00Z'],
  );
  assert.equal(after.data[0]!.file_sha256, before.data[0]!.file_sha256, 'closed files never change');
  assert.equal(sim.now().getTime(), now);
});

test('in live mode files leave the span and then answer 404', async (t) => {
  let now = T0;
  const { sim, info } = await startSim(t, { live: true, clock: () => new Date(now), spanMs: 60 * MINUTE });
  const oldest = sim.listFiles(WORKSPACE, 'AUTH_LOG')[0]!;
  assert.equal((await get(downloadUrl(info, WORKSPACE, oldest.id), bearer(info.apiKey))).status, 307);
  now = T0 + 20 * MINUTE;
  assert.ok(!sim.listFiles(WORKSPACE, 'AUTH_LOG').some((f) => f.id === oldest.id));
  const gone = await get(downloadUrl(info, WORKSPACE, oldest.id), bearer(info.apiKey));
  assert.equal(gone.status, 404);
  assert.equal(json<{ error: { code: string } }>(gone).error.code, 'file_expired');
});

test('a speed factor runs simulated time faster than the clock', async (t) => {
  let now = T0;
  const { sim } = await startSim(t, { live: { speed: 600 }, clock: () => new Date(now) });
  now = T0 + 1000;
  assert.equal(sim.now().getTime(), T0 + 600_000);
});

test('without live mode the catalog is frozen at start', async (t) => {
  let now = T0;
  const { sim } = await startSim(t, { clock: () => new Date(now) });
  const files = sim.listFiles(WORKSPACE, 'AUTH_LOG').length;
  now = T0 + 60 * MINUTE;
  assert.equal(sim.listFiles(WORKSPACE, 'AUTH_LOG').length, files);
  assert.equal(sim.now().getTime(), T0);
});
