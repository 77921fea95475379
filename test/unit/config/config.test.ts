import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readConfigFile, validateConfig } from '../../../src/config/load.ts';
import { isCfError } from '../../../src/core/errors/index.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('defaults make a minimal config valid and frozen', () => {
  const c = validateConfig({});
  assert.equal(c.source.baseUrl, 'https://api.chatgpt.com/v1/compliance');
  assert.equal(c.pipeline.concurrency, 4);
  assert.equal(c.source.downloadsPerMinute, 50);
  assert.deepEqual(
    c.sinks.map((s) => s.type),
    ['stdout'],
  );
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.source));
});

test('every problem is listed at once, with its path, and unknown keys are errors', () => {
  try {
    validateConfig({
      source: { concurrency: 0, pageSize: 500, bogus: 1 },
      principals: [
        { id: 'not-an-id', eventTypes: ['no such type'] },
        { id: 'org-abc', eventTypes: ['AUDIT_LOG'] },
      ],
      sinks: [{ type: 'file' }, { type: 'carrier-pigeon' }],
      routes: [{ eventTypes: ['AUDIT_LOG'], sinks: ['nowhere'] }],
      typo: true,
    });
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(isCfError(err) && err.code === 'CF_ERR_CONFIG');
    const m = err.message;
    for (const needle of [
      'pipeline.concurrency',
      'source.pageSize',
      'bogus',
      'principals[0].id',
      'principals[0].eventTypes[0]',
      'principals[1].eventTypes',
      'sinks[0].directory',
      'sinks[1]',
      'routes[0].sinks[0]',
      'typo',
    ]) {
      assert.ok(m.includes(needle), `missing ${needle} in:\n${m}`);
    }
  }
});

test('config files are YAML or JSON, parsed as data only', async () => {
  const d = await mkdtemp(join(tmpdir(), 'cf-config-'));
  dirs.push(d);
  const yamlPath = join(d, 'c.yaml');
  await writeFile(
    yamlPath,
    'pipeline:\n  concurrency: 8\nsinks:\n  - type: file\n    directory: /tmp/out\nprincipals:\n  - id: org-abc\n    eventTypes: [COSTS]\n',
  );
  const c = validateConfig(await readConfigFile(yamlPath));
  assert.equal(c.pipeline.concurrency, 8);
  const evil = join(d, 'evil.yaml');
  await writeFile(evil, 'a: !!js/function "function(){ return process.exit(3) }"\n');
  await assert.rejects(readConfigFile(evil), (e: unknown) => isCfError(e) && e.code === 'CF_ERR_CONFIG');
  const dup = join(d, 'dup.yaml');
  await writeFile(dup, 'source: {}\nsource: {}\n');
  await assert.rejects(readConfigFile(dup), /not valid YAML/);
});
