import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.ts';
import { startCrashSimulator } from './crash-targets.ts';
import {
  countHecIds,
  type FaultSim,
  filesCoveredByCheckpoints,
  idsCoveredByCheckpoints,
  lossReport,
  repeatsOfCovered,
  startExport,
  waitFor,
} from './sink-fault-harness.ts';

/*
 * Splunk HEC faults in the middle of a real `export` into the HEC contract receiver: 503 bursts,
 * acknowledgements that never come, and the token revoked. Each fault is injected once the first
 * checkpoint exists (mid-export). Promised: 503 retried and ack timeouts re-sent with every event
 * delivered (re-sends are the documented duplicates, counted); a revoked token is fatal with a
 * message naming the token problem (never the token), and the checkpoint covers only events HEC
 * acknowledged — a re-run with a good token then delivers the rest.
 */
const TOKEN = '5c0ffee0-cf-sink-faults-token-77';
const tmp = new TempDirs();
let sim: FaultSim;
const receivers: HecReceiver[] = [];

before(async () => {
  sim = await startCrashSimulator('sink-faults-hec', 4);
});
after(async () => {
  for (const r of receivers) await r.stop();
  await sim?.stop();
  await tmp.cleanup();
});

async function receiver(ack: boolean): Promise<HecReceiver> {
  const r = await startHecReceiver({ ack, token: TOKEN });
  receivers.push(r);
  return r;
}

/** Fast polls and retries, so a re-send after a lost ack comes within a second. */
function hecYaml(url: string, ack: boolean): string {
  return [
    'sinks:',
    '  - type: splunk-hec',
    `    url: "${url}"`,
    `    useAck: ${ack}`,
    '    ackPollIntervalMs: 100',
    '    ackMaxPolls: 5',
    '    lingerMs: 50',
    '    batchMaxCount: 200',
    '    retryInitialDelayMs: 50',
    '    retryMaxDelayMs: 500',
    '',
  ].join('\n');
}

const mid = (state: string) => async () => (await idsCoveredByCheckpoints(sim, state)).size > 0;

test('503 bursts (code 9) mid-export are retried; every event is delivered', async (t) => {
  const hec = await receiver(false);
  const run = await startExport(sim, await tmp.make(), hecYaml(hec.url, false), { HEC_TOKEN: TOKEN });
  await waitFor('a first checkpoint', mid(run.state));
  // Two bursts of 6 busy answers, the second once the first was served.
  await hec.fault({ status: 503, code: 9, text: 'Server is busy', count: 6 });
  await waitFor(
    'the first burst served',
    async () => ((await hec.stats()).statuses['503'] ?? 0) >= 6 || run.child.exitCode !== null,
  );
  await hec.fault({ status: 503, code: 9, text: 'Server is busy', count: 6 });
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const stats = await hec.stats();
  const report = await lossReport(sim, run.state, countHecIds(await hec.events()));
  t.diagnostic(
    `503 answers ${stats.statuses['503'] ?? 0}; delivered ${report.delivered}/${report.expected}, duplicates ${report.duplicates}, dead-lettered ${report.deadLettered}`,
  );
  assert.equal(stats.statuses['503'], 12, 'both bursts reached the sink');
  assert.deepEqual(report.silentlyLost, []);
  assert.equal(report.delivered, report.expected);
  assert.equal(report.duplicates, 0, 'a 503 indexes nothing, so its retry duplicates nothing');
  assert.equal(report.unexpected, 0);
});

test('acknowledgements that never come: the batches are sent again, every event delivered, duplicates only from them', async (t) => {
  const hec = await receiver(true);
  const run = await startExport(sim, await tmp.make(), hecYaml(hec.url, true), { HEC_TOKEN: TOKEN });
  await waitFor('a first checkpoint', mid(run.state));
  // The next 3 ack ids issued never become true.
  await hec.configure({ loseAcks: 3 });
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const report = await lossReport(sim, run.state, countHecIds(await hec.events()));
  const resends = r.stderr.match(/did not report records indexed in time/g)?.length ?? 0;
  t.diagnostic(
    `3 acks lost; ${resends} re-send warnings; delivered ${report.delivered}/${report.expected}, duplicates ${report.duplicates}`,
  );
  assert.equal(resends, 3, 'each lost ack led to one re-send, logged');
  assert.ok(report.duplicates > 0, 'the re-sent batches arrived twice (the documented duplicate)');
  assert.ok(report.duplicates <= 3 * 200, 'duplicates come only from the three re-sent batches');
  assert.deepEqual(report.silentlyLost, []);
  assert.equal(report.delivered, report.expected);
  assert.equal(report.unexpected, 0);
});

/** Code 1: the token disabled in Splunk; code 4: the token deleted (no longer known). */
const revocations = [
  { how: 'disabled (403 code 1)', revoke: { disabledTokens: [TOKEN] }, restore: { disabledTokens: [] } },
  { how: 'deleted (403 code 4)', revoke: { tokens: ['another-token'] }, restore: { tokens: [TOKEN] } },
] as const;

for (const { how, revoke, restore } of revocations)
  test(`token ${how} mid-export: fatal, says so without the token, checkpoint behind what HEC acknowledged; a re-run delivers the rest`, async (t) => {
    const hec = await receiver(true);
    const dir = await tmp.make();
    const yaml = hecYaml(hec.url, true);
    const run = await startExport(sim, dir, yaml, { HEC_TOKEN: TOKEN });
    await waitFor('a first checkpoint', mid(run.state));
    await hec.configure(revoke);
    const r = await run.done;
    const acknowledged = countHecIds(await hec.events());
    const coveredFiles = await filesCoveredByCheckpoints(sim, run.state);
    const covered = new Set([...coveredFiles.values()].flat());
    const report = await lossReport(sim, run.state, acknowledged);
    const ahead = [...covered].filter((id) => !acknowledged.has(id));
    t.diagnostic(
      `exit ${r.code}; ${r.stderr
        .split('\n')
        .find((l) => l.includes('CF_ERR'))
        ?.slice(0, 200)}; ` +
        `HEC holds ${report.delivered}/${report.expected}, checkpoint covers ${covered.size}`,
    );
    assert.equal(r.code, 1, 'a revoked token is fatal');
    assert.match(r.stderr, /CF_ERR_SINK_AUTH/);
    assert.match(r.stderr, /token is (wrong or )?disabled/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN), 'the token itself is never printed');
    assert.deepEqual(ahead, [], 'the checkpoint covers only events HEC acknowledged');
    assert.ok(report.delivered < report.expected, 'the token was revoked mid-export');

    // The operator fixes the token; the same state resumes and nothing is missing.
    await hec.configure(restore);
    const again = await startExport(sim, dir, yaml, { HEC_TOKEN: TOKEN });
    const r2 = await again.done;
    assert.equal(r2.code, 0, r2.stderr.slice(-3000));
    const finalIds = countHecIds(await hec.events());
    const final = await lossReport(sim, run.state, finalIds);
    t.diagnostic(`after the re-run: ${final.delivered}/${final.expected}, duplicates ${final.duplicates}`);
    assert.deepEqual(final.silentlyLost, []);
    assert.equal(final.delivered, final.expected);
    // Repeats only of files in flight when the run failed, none of a file the checkpoint covered.
    assert.deepEqual(repeatsOfCovered(sim, coveredFiles, acknowledged, finalIds), []);
  });
