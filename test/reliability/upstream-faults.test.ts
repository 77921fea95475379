import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type FaultsInput, Simulator } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { runCli } from '../helpers/cli.ts';
import { countIds, expectedEvents, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';
import { fileTarget } from './crash-targets.ts';

/*
 * Upstream faults through `export` (what users run), into the file sink. The source-level
 * behaviour of each fault is proven in test/integration/compliance-source.test.ts; here the
 * question is the end result: the export completes with every event of the window exactly as
 * often as upstream listed it, or fails with a clear exit code and a checkpoint that did not move
 * past the file it could not deliver.
 */
const tmp = new TempDirs();
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
let window: { after: string; before: string };
let config: string;

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'upstream-faults',
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  const start = Math.floor((sim.now().getTime() - 2 * 86_400_000) / 600_000) * 600_000;
  window = { after: new Date(start).toISOString(), before: new Date(start + 3 * 3_600_000).toISOString() };
  config = join(await tmp.make(), 'c.yaml');
  // Short timeouts and backoffs keep the faults fast; dedupe off so the counts are upstream's own.
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n' +
      '  bodyTimeoutMs: 700\n  initialBackoffMs: 20\n  maxAttempts: 12\nenrich:\n  dedupe:\n    enabled: false\n',
  );
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

async function exportWith(faults: FaultsInput, extra: string[] = []) {
  const dir = await tmp.make();
  sim.resetFaults();
  sim.setFaults({
    rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    ...faults,
  });
  const statsBefore = sim.stats();
  try {
    const r = await runCli(
      [
        'export',
        '--principal',
        workspace,
        '--event-type',
        'AUDIT_LOG',
        '--after',
        window.after,
        '--before',
        window.before,
        '--out',
        join(dir, 'out'),
        '--state-dir',
        join(dir, 'state'),
        '--config',
        config,
        ...extra,
      ],
      env,
    );
    return { r, dir, statsBefore, statsAfter: sim.stats() };
  } finally {
    sim.resetFaults();
  }
}

/** event_id -> times upstream lists it in the window (some ids are in two files on purpose). */
function upstreamCounts(skipFiles: ReadonlySet<string> = new Set()): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [file, ids] of expectedEvents(sim, workspace, ['AUDIT_LOG'], window.after, window.before)
    .byFile) {
    if (skipFiles.has(file)) continue;
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

type Stats = ReturnType<Simulator['stats']>;
/** Each fault, and the simulator counter that proves it was injected. */
const retried: Array<[string, FaultsInput, keyof Stats]> = [
  // The client is told 1000/min, the server allows 6/s: a storm of 429s, each with Retry-After.
  [
    'a 429 storm (Retry-After) on downloads',
    { rateLimit: { download: { limit: 6, windowMs: 1000 } } },
    'rateLimitedDownload',
  ],
  [
    '5xx bursts on list and download',
    { listServerErrors: { ratio: 0.4, count: 4 }, downloadServerErrors: { ratio: 0.5, count: 8 } },
    'serverErrors',
  ],
  ['connection resets mid-body', { resetMidBody: { ratio: 0.4, count: 6 } }, 'resets'],
  ['truncated bodies (digest mismatch)', { truncatedBody: { ratio: 0.4, count: 6 } }, 'truncations'],
  ['slow bodies', { slowBody: { bytesPerSecond: 400_000, ratio: 0.5 } }, 'bytesServed'],
  ['a stall without closing (body timeout)', { stall: { ratio: 0.3, count: 3 } }, 'stalls'],
];

for (const [name, faults, counter] of retried) {
  test(`${name}: retried, every event delivered as listed, exit 0`, async (t) => {
    const { r, dir, statsBefore, statsAfter } = await exportWith(faults);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const seen = countIds(await readOutputLines(join(dir, 'out')));
    assert.deepEqual(seen, upstreamCounts(), 'every event exactly as often as upstream listed it');
    const injected = Number(statsAfter[counter]) - Number(statsBefore[counter]);
    assert.ok(injected > 0, `the fault was injected (${counter})`);
    t.diagnostic(
      `${seen.size} events; ${counter} +${injected}; downloads ${statsAfter.downloadRequests - statsBefore.downloadRequests}`,
    );
  });
}

test('a 404 on download without --skip-expired: exit 1 naming it, checkpoint not past the file', async () => {
  const files = sim.listFiles(workspace, 'AUDIT_LOG', window.after, window.before);
  const victim = files[Math.floor(files.length / 2)]!;
  const { r, dir } = await exportWith({ expiredFiles: { fileIds: [victim.id] } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /CF_ERR_FILE_EXPIRED|expired|404/i);
  const cp = await new CheckpointStore(join(dir, 'state')).load(`workspace/${workspace}/AUDIT_LOG`);
  // Files listed before the victim are checkpointed once delivered, and one may share its
  // end_time: the checkpoint may then stand at that end_time, but must not list the victim as done.
  if (cp !== undefined)
    assert.ok(
      Date.parse(cp.endTime) < Date.parse(victim.endTime) ||
        (Date.parse(cp.endTime) === Date.parse(victim.endTime) && !cp.idsAtEndTime.includes(victim.id)),
      `checkpoint past the expired file ${victim.id} (end ${victim.endTime}): ${JSON.stringify(cp)}`,
    );
});

test('a 404 on download with --skip-expired: one dead-letter record naming the file, the rest delivered, exit 0', async () => {
  const files = sim.listFiles(workspace, 'AUDIT_LOG', window.after, window.before);
  const victim = files[Math.floor(files.length / 2)]!;
  const { r, dir } = await exportWith({ expiredFiles: { fileIds: [victim.id] } }, ['--skip-expired']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 dead-letter record/);
  const deadLetters = (await readFile(join(dir, 'state', 'dead-letter.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(deadLetters.length, 1, 'exactly one dead-letter record');
  assert.ok(deadLetters[0]!.includes(victim.id), 'it names the expired file');
  const seen = countIds(await readOutputLines(join(dir, 'out')));
  assert.deepEqual(seen, upstreamCounts(new Set([victim.id])), 'every other event, none invented');
});

test('signed URLs that expire before use: each retry asks for a fresh URL, then exit 1 naming it, no checkpoint past an undelivered file', async (t) => {
  // A 1 ms TTL: every URL is stale by the time the signed origin sees it (a deterministic stand-in
  // for a slow client; a TTL that only sometimes expires would make a flaky test).
  const shortLived = new Simulator({
    port: 0,
    seed: 'upstream-faults',
    signedUrlTtlMs: 1,
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await shortLived.start();
  t.after(() => shortLived.stop());
  const dir = await tmp.make();
  const fewAttempts = join(dir, 'c.yaml');
  await writeFile(
    fewAttempts,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n  initialBackoffMs: 10\n  maxAttempts: 3\n',
  );
  const r = await runCli(
    [
      'export',
      '--principal',
      info.sampleWorkspaceId,
      '--event-type',
      'AUDIT_LOG',
      '--after',
      window.after,
      '--before',
      window.before,
      '--out',
      join(dir, 'out'),
      '--state-dir',
      join(dir, 'state'),
      '--config',
      fewAttempts,
    ],
    { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl },
  );
  const refused = shortLived.stats().signedUrlsRefused;
  t.diagnostic(`exit ${r.code}; signed URLs refused as expired: ${refused}`);
  assert.equal(r.code, 1, r.stderr.slice(-2000));
  assert.match(r.stderr, /expired|new download URL/i);
  assert.ok(refused >= 3, 'every attempt got a fresh URL, and each was refused');
  const cp = await new CheckpointStore(join(dir, 'state')).load(
    `workspace/${info.sampleWorkspaceId}/AUDIT_LOG`,
  );
  // A URL used within its millisecond is still valid, so a file may now and then get through; the
  // checkpoint may pass such a file, but only files whose every event was delivered.
  if (cp !== undefined) {
    // After a failed run the acknowledged lines sit in the file sink's `.partial` file (finished
    // by the next start), so read them the way the crash tests do.
    const delivered = await fileTarget(dir).readDelivered();
    const covered = shortLived
      .listFiles(info.sampleWorkspaceId, 'AUDIT_LOG', window.after, window.before)
      .filter((f) => f.endTime < cp.endTime || (f.endTime === cp.endTime && cp.idsAtEndTime.includes(f.id)));
    for (const f of covered) {
      const missing = shortLived
        .eventIds(info.sampleWorkspaceId, 'AUDIT_LOG', f.id)
        .filter((id) => !delivered.has(id));
      assert.deepEqual(
        missing,
        [],
        `the checkpoint passed file ${f.id}, whose events were not all delivered`,
      );
    }
  }
});
