import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderGeneratedDocs } from '../../../src/config/docs.ts';
import { ERROR_CODES } from '../../../src/core/errors/index.ts';

const root = new URL('../../../', import.meta.url);

test('generated reference documents are up to date (run `npm run docs`)', async () => {
  for (const [path, text] of Object.entries(renderGeneratedDocs())) {
    const onDisk = await readFile(new URL(path, root), 'utf8').catch(() => '');
    assert.ok(onDisk === text, `${path} is stale: run \`npm run docs\` and commit the result`);
  }
});

test('every error code is documented, and every code the source throws is in the table', async () => {
  const errors = await readFile(new URL('docs/errors.md', root), 'utf8');
  for (const code of Object.keys(ERROR_CODES)) assert.ok(errors.includes(`\`${code}\``), code);
  const { execFileSync } = await import('node:child_process');
  const used = execFileSync('grep', ['-rhoE', "'CF_ERR_[A-Z0-9_]+'", new URL('src/', root).pathname], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
    .map((s) => s.slice(1, -1));
  for (const code of new Set(used))
    assert.ok(code in ERROR_CODES, `${code} is thrown but not in src/core/errors/codes.ts`);
});
