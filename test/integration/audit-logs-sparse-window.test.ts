import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { auditLogsExport, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';

/*
 * A quiet organization: ~250 audit events over 37 days, exported through the built CLI against
 * the simulator with its DEFAULT rate limits. Hour-long slices took ~900 list requests (15
 * minutes at 60 a minute); adaptive slices grow while they are sparse, so the window takes a
 * dozen or so. The assertion is on requests, not on wall-clock time.
 */
const DAY = 86_400_000;
const tmp = new TempDirs();
let sim: Simulator;
let info: Awaited<ReturnType<Simulator['start']>>;

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'sparse-org',
    spanMs: 38 * DAY,
    // One event in about one minute of 213: ~7 a day.
    auditLogs: { eventsPerMinute: { min: 1, max: 1 }, activeMinuteRatio: 0.0047 },
  });
  info = await sim.start();
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

test('export --source audit-logs lists a sparse 37-day window in few requests, each event once, oldest first', async () => {
  const dir = await tmp.make();
  const nowSec = Math.floor(sim.now().getTime() / 1000);
  const afterSec = nowSec - 37 * 86_400;
  const expected = sim.auditLogEvents(afterSec, nowSec + 1);
  assert.ok(expected.length >= 200 && expected.length <= 300, `the window holds ${expected.length} events`);
  const requestsBefore = sim.stats().auditLogRequests;
  const cmd = auditLogsExport(info, new Date(afterSec * 1000).toISOString(), [
    '--out',
    join(dir, 'out'),
    '--state-dir',
    join(dir, 'state'),
  ]);
  const r = await runCli(cmd.args, cmd.env);
  assert.equal(r.code, 0, r.stderr);
  const requests = sim.stats().auditLogRequests - requestsBefore;
  // 1 h, 2 h, ... 128 h, then 7-day slices: 8 + 4 slices of one page each (a few more if a slice
  // spills into a second page). Fixed hour slices would be 888.
  assert.ok(requests <= 20, `${requests} list requests`);
  assert.equal(sim.stats().rateLimitedList, 0, 'never ran into the rate limit');
  const lines = (await readOutputLines(join(dir, 'out'))).map(
    (l) => JSON.parse(l) as { id: string; effective_at: number },
  );
  assert.deepEqual(
    lines.map((l) => l.id),
    expected.map((e) => e.id),
    'every event once, oldest first',
  );
});
