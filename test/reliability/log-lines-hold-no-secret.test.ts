import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';

/*
 * The per-page (debug) and per-file (info) log lines name streams, ids, sizes and durations:
 * never the API key, and never a signed download URL (its path carries the download token).
 */
const API_KEY = 'sk-cf-secret-loglines-3c9e1f0a7b';
const tmp = new TempDirs();
let sim: Simulator;
let info: Awaited<ReturnType<Simulator['start']>>;

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'log-lines',
    apiKey: API_KEY,
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  info = await sim.start();
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

type LogLine = Record<string, unknown> & { msg: string; level: number };
const logLines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

function assertNoSecret(stderr: string): void {
  assert.ok(!stderr.includes(API_KEY), 'the API key is never logged');
  assert.ok(!stderr.includes(info.downloadOrigin), 'no signed download URL is logged');
  assert.ok(!stderr.includes('/signed/'), 'no signed download path is logged');
}

test('export logs each listed page (debug) and each file (info) with ids, sizes and durations, never a key or signed URL', async () => {
  const dir = await tmp.make();
  const start = Math.floor((sim.now().getTime() - 86_400_000) / 600_000) * 600_000;
  const r = await runCli(
    [
      'export',
      '--principal',
      info.sampleWorkspaceId,
      '--event-type',
      'AUTH_LOG',
      '--after',
      new Date(start).toISOString(),
      '--before',
      new Date(start + 3_600_000).toISOString(),
      '--out',
      join(dir, 'out'),
      '--log-level',
      'debug',
      '--no-progress',
    ],
    { COMPLIANCE_API_KEY: API_KEY, COMPLIANCE_API_BASE: info.baseUrl },
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = logLines(r.stderr);
  const pages = lines.filter((l) => l.msg === 'Listed a page.');
  assert.ok(pages.length >= 1);
  for (const p of pages) {
    assert.equal(p.level, 20, 'debug');
    assert.match(String(p.stream), /AUTH_LOG$/);
    assert.equal(typeof p.page, 'number');
    assert.equal(typeof p.files, 'number');
    assert.equal(typeof p.hasMore, 'boolean');
    assert.equal(typeof p.durationMs, 'number');
  }
  const files = lines.filter((l) => l.msg === 'File read.');
  assert.ok(files.length >= 2, `${files.length} file lines`);
  for (const f of files) {
    assert.equal(f.level, 30, 'info');
    assert.equal(typeof f.fileId, 'string');
    assert.equal(typeof f.sizeBytes, 'number');
    assert.equal(typeof f.bytes, 'number');
    assert.equal(typeof f.records, 'number');
    assert.equal(typeof f.durationMs, 'number');
  }
  assert.ok(sim.stats().filesServed >= files.length, 'the files went through signed URLs');
  assertNoSecret(r.stderr);
});

test('export --source audit-logs logs its pages with the slice they list, never the admin key', async () => {
  const dir = await tmp.make();
  const r = await runCli(
    [
      'export',
      '--source',
      'audit-logs',
      '--principal',
      info.sampleOrgId,
      '--after',
      '-3h',
      '--out',
      join(dir, 'out'),
      '--log-level',
      'debug',
      '--no-progress',
    ],
    { OPENAI_ADMIN_KEY: API_KEY, OPENAI_API_BASE: info.apiBase },
  );
  assert.equal(r.code, 0, r.stderr);
  const pages = logLines(r.stderr).filter((l) => l.msg === 'Listed an audit log page.');
  assert.ok(pages.length >= 3, 'three hour-long slices at least');
  for (const p of pages) assert.match(String(p.slice), /^\d{4}-\d\d-\d\dT[\d:]+Z\.\.\d{4}-/);
  assert.ok(logLines(r.stderr).some((l) => l.msg === 'File read.'));
  assertNoSecret(r.stderr);
});
