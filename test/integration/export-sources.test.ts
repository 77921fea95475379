import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { auditLogsExport, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';

/* `export --source` drives every other source end to end through the built CLI. */
const tmp = new TempDirs();
let sim: Simulator;
let info: Awaited<ReturnType<Simulator['start']>>;

before(async () => {
  sim = new Simulator({ port: 0, seed: 'export-sources', spanMs: 86_400_000 });
  info = await sim.start();
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

test('export --source audit-logs delivers the window oldest first, each event once', async () => {
  const dir = await tmp.make();
  const afterSec = Math.floor(sim.now().getTime() / 1000) - 3 * 3600;
  const cmd = auditLogsExport(info, new Date(afterSec * 1000).toISOString(), [
    '--out',
    join(dir, 'out'),
    '--state-dir',
    join(dir, 'state'),
  ]);
  const r = await runCli(cmd.args, cmd.env);
  assert.equal(r.code, 0, r.stderr);
  const lines = (await readOutputLines(join(dir, 'out'))).map(
    (l) => JSON.parse(l) as { id: string; effective_at: number },
  );
  const expected = sim.auditLogEvents(afterSec, Math.floor(sim.now().getTime() / 1000) + 1);
  assert.ok(expected.length > 10);
  assert.deepEqual(new Set(lines.map((l) => l.id)), new Set(expected.map((e) => e.id)));
  assert.equal(new Set(lines.map((l) => l.id)).size, lines.length);
  for (let i = 1; i < lines.length; i++)
    assert.ok(lines[i]!.effective_at >= lines[i - 1]!.effective_at, 'oldest first');
});

test('export --source conversations delivers every conversation of the workspace once', async () => {
  const dir = await tmp.make();
  const r = await runCli(
    [
      'export',
      '--source',
      'conversations',
      '--principal',
      info.sampleWorkspaceId,
      '--after',
      '-2d',
      '--out',
      join(dir, 'out'),
    ],
    { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl },
  );
  assert.equal(r.code, 0, r.stderr);
  const ids = (await readOutputLines(join(dir, 'out'))).map((l) => (JSON.parse(l) as { id: string }).id);
  const expected = sim.legacyConversations(info.sampleWorkspaceId).map((c) => c.id);
  assert.ok(expected.length > 0);
  assert.deepEqual(new Set(ids), new Set(expected));
});

test('export --source files replays a local archive into the sinks', async () => {
  const dir = await tmp.make();
  const archive = join(dir, 'a.jsonl');
  await writeFile(
    archive,
    Array.from({ length: 500 }, (_, i) => JSON.stringify({ event_id: `e${i}`, n: i })).join('\n'),
  );
  const r = await runCli(
    [
      'export',
      '--source',
      'files',
      '--path',
      archive,
      '--out',
      join(dir, 'out'),
      '--state-dir',
      join(dir, 'state'),
    ],
    {},
  );
  assert.equal(r.code, 0, r.stderr);
  const ids = (await readOutputLines(join(dir, 'out'))).map(
    (l) => (JSON.parse(l) as { event_id: string }).event_id,
  );
  assert.equal(ids.length, 500);
  assert.equal(new Set(ids).size, 500);
  const again = await runCli(
    [
      'export',
      '--source',
      'files',
      '--path',
      archive,
      '--out',
      join(dir, 'out2'),
      '--state-dir',
      join(dir, 'state'),
    ],
    {},
  );
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await readOutputLines(join(dir, 'out2'))).length, 0, 'a finished replay resumes at its end');
});
