import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { type RsyslogReceiver, startRsyslog } from '../infra/rsyslog.ts';
import { countEventIds } from './crash-harness.ts';
import { startCrashSimulator } from './crash-targets.ts';
import {
  type FaultSim,
  idsCoveredByCheckpoints,
  lossReport,
  startExport,
  waitFor,
} from './sink-fault-harness.ts';

/*
 * rsyslog restarted (stopped, down for DOWN_MS, started on the same port) in the middle of an
 * `export` over TCP. Promised: the sink reconnects, re-sends its recent window, and the export
 * completes with every event_id of the window in rsyslog's output; duplicates (the re-sent window)
 * are allowed and counted.
 */
const DOWN_MS = 3000;
const tmp = new TempDirs();
let sim: FaultSim;
let rsyslog: RsyslogReceiver;

before(async () => {
  sim = await startCrashSimulator('sink-faults-syslog', 6);
  rsyslog = await startRsyslog();
});
after(async () => {
  await rsyslog?.close();
  await sim?.stop();
  await tmp.cleanup();
});

async function receivedIds(): Promise<Map<string, number>> {
  return countEventIds((await rsyslog.settledMessages()).map((m) => m.msg)).counts;
}

test(`rsyslog restarted mid-export (down ${DOWN_MS / 1000} s): every event arrives, repeats counted`, async (t) => {
  const run = await startExport(
    sim,
    await tmp.make(),
    [
      'sinks:',
      '  - type: syslog',
      `    url: "${rsyslog.url('tcp')}"`,
      '    retryInitialDelayMs: 100',
      '    retryMaxDelayMs: 1000',
      '    retryMaxAttempts: 30',
      '',
    ].join('\n'),
  );
  await waitFor('a first checkpoint', async () => (await idsCoveredByCheckpoints(sim, run.state)).size > 0);
  await rsyslog.stop();
  const stoppedWhileRunning = run.child.exitCode === null;
  await new Promise((r) => setTimeout(r, DOWN_MS));
  await rsyslog.start();
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const report = await lossReport(sim, run.state, await receivedIds());
  t.diagnostic(
    `delivered ${report.delivered}/${report.expected}, duplicates ${report.duplicates}, dead-lettered ${report.deadLettered}`,
  );
  assert.ok(stoppedWhileRunning, 'rsyslog went down mid-export');
  assert.deepEqual(report.silentlyLost, [], 'every event arrived or was dead-lettered');
  assert.equal(report.delivered, report.expected);
  assert.equal(report.unexpected, 0);
});
