import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';

const tmp = new TempDirs();
after(() => tmp.cleanup());

async function configFile(text: string, name = 'config.yaml'): Promise<string> {
  const path = join(await tmp.make(), name);
  await writeFile(path, text);
  return path;
}

test('validate summarises a good config: principals, other sources and sinks', async () => {
  const path = await configFile(`
principals:
  - id: org-abc123
    eventTypes: [APP_LOG]
sources:
  - type: audit-logs
    organizationId: org-abc123
  - type: files
    paths: ['/var/archive/**/*.jsonl.gz']
sinks:
  - type: stdout
`);
  const r = await runCli(['validate', '--config', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `${path} is valid: 1 principals, 2 other sources (audit-logs, files), 1 sinks (stdout)\n`,
  );
});

test('validate lists every problem of a bad config at once and exits 1', async () => {
  const path = await configFile(`
principals:
  - id: not-a-principal
    eventTypes: [app logs]
sources:
  - type: audit-logs
sinks:
  - type: kafka
`);
  const r = await runCli(['validate', '--config', path]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  for (const where of ['principals[0].id', 'principals[0].eventTypes', 'sources[0]', 'sinks[0]']) {
    assert.ok(r.stderr.includes(where), `names ${where}:\n${r.stderr}`);
  }
});

test('validate accepts event types the API added since, and lists them', async () => {
  const path = await configFile(`
principals:
  - id: 11111111-2222-4333-8444-555555555555
    eventTypes: [AUTH_LOG, BRAND_NEW_LOG]
sinks:
  - type: stdout
routes:
  - eventTypes: [BRAND_NEW_LOG]
    sinks: [stdout]
`);
  const r = await runCli(['validate', '--config', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /is valid: 1 principals/);
  assert.match(r.stdout, /Event types outside the built-in list .*: BRAND_NEW_LOG\n/);
});

test('validate without --config is a usage error (exit 2)', async () => {
  const r = await runCli(['validate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--config is required/);
});
