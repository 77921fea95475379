import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { runCli } from '../helpers/cli.ts';
import { countIds, expectedEvents, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';

const tmp = new TempDirs();
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
// A fixed window of the simulator's week: 12 hours, a few hundred files over three types.
let after_: string;
let before_: string;
/** Test pace: the simulator allows 1000 calls a second and retries back off briefly. */
const FAST =
  'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n  initialBackoffMs: 10\n  maxBackoffMs: 100\n  maxAttempts: 3\n';
let fastConfig: string;

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'export-test',
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  const now = sim.now().getTime();
  after_ = new Date(Math.floor((now - 3 * 86_400_000) / 600_000) * 600_000).toISOString();
  before_ = new Date(Date.parse(after_) + 12 * 3_600_000).toISOString();
  fastConfig = join(await tmp.make(), 'fast.yaml');
  await writeFile(fastConfig, FAST);
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

function exportArgs(out: string, state: string, types = 'AUDIT_LOG,CONVERSATION_MESSAGE'): string[] {
  return [
    'export',
    '--principal',
    workspace,
    '--event-type',
    types,
    '--after',
    after_,
    '--before',
    before_,
    '--sink',
    'file',
    '--out',
    out,
    '--state-dir',
    state,
    '--config',
    fastConfig,
  ];
}

test('export delivers every event of the window exactly once, with metadata, and checkpoints the last file', async () => {
  const dir = await tmp.make();
  const expected = expectedEvents(sim, workspace, ['AUDIT_LOG', 'CONVERSATION_MESSAGE'], after_, before_);
  assert.ok(expected.files > 50, `window has ${expected.files} files`);
  const statsBefore = sim.stats();
  const r = await runCli(exportArgs(join(dir, 'out'), join(dir, 'state')), env);
  assert.equal(r.code, 0, r.stderr);
  const lines = await readOutputLines(join(dir, 'out'));
  const counts = countIds(lines);
  assert.deepEqual(new Set(counts.keys()), expected.ids, 'the same event ids as the simulator served');
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    'no event twice (upstream repeats de-duplicated)',
  );
  const first = JSON.parse(lines[0]!) as { _forwarder: Record<string, unknown> };
  assert.equal(first._forwarder.principal_id, workspace);
  assert.equal(typeof first._forwarder.file_id, 'string');
  assert.equal(typeof first._forwarder.line_number, 'number');
  const store = new CheckpointStore(join(dir, 'state'));
  for (const t of ['AUDIT_LOG', 'CONVERSATION_MESSAGE'] as const) {
    const files = sim.listFiles(workspace, t, after_, before_);
    const cp = await store.load(`workspace/${workspace}/${t}`);
    assert.equal(
      Date.parse(cp!.endTime),
      Date.parse(files.at(-1)!.endTime),
      `${t} checkpoint at its last file`,
    );
  }
  assert.equal(
    sim.stats().authHeadersOnSigned - statsBefore.authHeadersOnSigned,
    0,
    'the key never reached the signed-URL origin',
  );

  // A second run with the same state finds nothing new.
  const again = await runCli(exportArgs(join(dir, 'out2'), join(dir, 'state')), env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await readOutputLines(join(dir, 'out2'))).length, 0);
});

test('small pages that split files sharing an end_time lose none and repeat none', async () => {
  const dir = await tmp.make();
  const config = join(dir, 'c.yaml');
  await writeFile(
    config,
    `${FAST.replace('source:\n', 'source:\n  pageSize: 2\n')}enrich:\n  dedupe:\n    enabled: false\n`,
  );
  const files = sim.listFiles(workspace, 'CONVERSATION_MESSAGE', after_, before_);
  const shared = files.filter((f, i) => files.findIndex((g) => g.endTime === f.endTime) !== i).length;
  assert.ok(shared > 0, 'the window has files sharing an end_time');
  const r = await runCli(
    [...exportArgs(join(dir, 'out'), join(dir, 'state'), 'CONVERSATION_MESSAGE').slice(0, -1), config],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const seenFiles = new Set(
    (await readOutputLines(join(dir, 'out'))).map((l) => JSON.parse(l)._forwarder.file_id),
  );
  assert.deepEqual(seenFiles, new Set(files.map((f) => f.id)));
});

test('a body that does not match its digest fails the export loudly and the checkpoint stays before it', async () => {
  const dir = await tmp.make();
  sim.setFaults({ truncatedBody: 1 });
  try {
    const r = await runCli(exportArgs(join(dir, 'out'), join(dir, 'state'), 'AUDIT_LOG'), {
      ...env,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CF_ERR_INTEGRITY|CF_ERR_RETRIES_EXHAUSTED/);
    const cp = await new CheckpointStore(join(dir, 'state')).load(`workspace/${workspace}/AUDIT_LOG`);
    assert.equal(cp, undefined, 'no file was delivered, so there is no checkpoint');
  } finally {
    sim.resetFaults();
  }
});

test('missing key and bad arguments exit 2 with a message', async () => {
  const noKey = await runCli(['fetch', workspace, 'AUDIT_LOG', '10', after_], {});
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /COMPLIANCE_API_KEY/);
  const bad = await runCli(['export', '--principal', workspace, '--after', 'yesterday'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--event-type is required/);
  assert.match(bad.stderr, /"yesterday"/);
  assert.match(bad.stderr, /Usage: compliance-forwarder export/);
  const unknown = await runCli(['export', '--bogus'], env);
  assert.equal(unknown.code, 2);
  void readFile;
});
