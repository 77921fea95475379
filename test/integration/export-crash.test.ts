import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { collect, spawnCli } from '../helpers/cli.ts';
import { readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';

/*
 * Crash consistency of `export` into the file sink: kill -9 at random moments, run again with
 * the same state, and check with an independent reader (the output files) that every line of
 * every file in the window arrived, that repeats come only from files in flight at a kill, and
 * that the checkpoint was readable after every kill.
 */
const KILLS = 3;
const CONCURRENCY = 4;
const tmp = new TempDirs();
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
let window: { after: string; before: string };

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'crash-test',
    // Slow first bytes spread the run over a few seconds, so kills land mid-export.
    faults: {
      firstByteLatencyMs: 40,
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  const start = Math.floor((sim.now().getTime() - 2 * 86_400_000) / 600_000) * 600_000;
  window = { after: new Date(start).toISOString(), before: new Date(start + 16 * 3_600_000).toISOString() };
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function* delays(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield 300 + (x % 2500);
  }
}

test(`SIGKILL at ${KILLS} random moments, then a full run: every line arrives, repeats only from files in flight`, async () => {
  const dir = await tmp.make();
  const config = join(dir, 'c.yaml');
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n' +
      `pipeline:\n  concurrency: ${CONCURRENCY}\nenrich:\n  dedupe:\n    enabled: false\n`,
  );
  const args = [
    'export',
    '--principal',
    workspace,
    '--event-type',
    'CONVERSATION_MESSAGE,AUDIT_LOG',
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
  ];
  const store = new CheckpointStore(join(dir, 'state'));
  const wait = delays(Number(process.env.CF_CRASH_SEED ?? 7));
  let killed = 0;
  for (let i = 0; i < KILLS; i++) {
    const child = spawnCli(args, env);
    const done = collect(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), wait.next().value!);
    const r = await done;
    clearTimeout(timer);
    if (r.signal === 'SIGKILL') killed++;
    else assert.equal(r.code, 0, r.stderr);
    // Whatever the moment, every checkpoint on disk parses.
    for (const c of await store.list()) assert.ok(!('error' in c), JSON.stringify(c));
  }
  assert.ok(killed >= 1, 'at least one run was killed mid-export');
  const final = await collect(spawnCli(args, env));
  assert.equal(final.code, 0, final.stderr);

  // Independent check: (file id, line number) pairs in the output against the simulator's files.
  const seen = new Map<string, number>();
  for (const line of await readOutputLines(join(dir, 'out'))) {
    const meta = (JSON.parse(line) as { _forwarder: { file_id: string; line_number: number } })._forwarder;
    const key = `${meta.file_id}#${meta.line_number}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const repeatedFiles = new Set<string>();
  let expectedLines = 0;
  for (const t of ['CONVERSATION_MESSAGE', 'AUDIT_LOG'] as const) {
    for (const f of sim.listFiles(workspace, t, window.after, window.before)) {
      const n = sim.eventIds(workspace, t, f.id).length;
      expectedLines += n;
      for (let line = 1; line <= n; line++) {
        const count = seen.get(`${f.id}#${line}`) ?? 0;
        assert.ok(count >= 1, `line ${line} of file ${f.id} (${t}) is missing`);
        if (count > 1) repeatedFiles.add(f.id);
      }
    }
  }
  assert.ok(expectedLines > 1000);
  // Per kill, at most the files in flight (the concurrency) plus those delivered but not yet
  // checkpointed (at most as many again) can be sent twice.
  assert.ok(
    repeatedFiles.size <= killed * CONCURRENCY * 2,
    `${repeatedFiles.size} files repeated after ${killed} kills`,
  );
});
