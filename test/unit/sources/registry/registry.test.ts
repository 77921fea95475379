import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExportArgs } from '../../../../src/cli/export.ts';
import { SOURCE_FLAGS_USAGE, sourceEntryFromFlags } from '../../../../src/cli/export-source.ts';
import { isCfError } from '../../../../src/core/errors/index.ts';
import { type AnySourceDescriptor, SOURCE_TYPES, SOURCES, sourceOf } from '../../../../src/sources/index.ts';

/* The registry: every source is one descriptor, and the CLI and config know sources only through it. */

test('each source is registered once, with its own flags, and the usage lists them all', () => {
  assert.equal(new Set(SOURCE_TYPES).size, SOURCE_TYPES.length);
  const flags = (SOURCES as readonly AnySourceDescriptor[]).flatMap((s) => Object.keys(s.cli.flags ?? {}));
  assert.equal(new Set(flags).size, flags.length, 'no two sources declare the same flag');
  for (const type of SOURCE_TYPES) {
    assert.equal(sourceOf(type)?.type, type);
    assert.ok(SOURCE_FLAGS_USAGE.includes(type), `usage names ${type}`);
  }
  for (const flag of flags) assert.ok(SOURCE_FLAGS_USAGE.includes(`--${flag}`), `usage lists --${flag}`);
  assert.equal(sourceOf('carrier-pigeon'), undefined);
});

test('export --source: flags and environment make a validated sources entry', () => {
  const env = { OPENAI_ADMIN_KEY_FILE: '/run/secrets/admin', OPENAI_API_BASE: 'http://127.0.0.1:9/v1' };
  const entry = sourceEntryFromFlags(
    { source: 'audit-logs', principal: 'org-abc123' },
    ['login.failed'],
    env,
  );
  assert.ok(entry?.type === 'audit-logs');
  assert.deepEqual(entry.adminKey, { file: '/run/secrets/admin' });
  assert.equal(entry.baseUrl, 'http://127.0.0.1:9/v1');
  assert.deepEqual(entry.eventTypes, ['login.failed']);
  assert.equal(sourceEntryFromFlags({}, ['AUDIT_LOG'], {}), undefined, 'the default reads the config');
  assert.throws(
    () => sourceEntryFromFlags({ source: 'carrier-pigeon' }, [], {}),
    (e: unknown) =>
      isCfError(e) && e.code === 'CF_ERR_USAGE' && /Unknown source "carrier-pigeon"/.test(e.message),
  );
});

test('export --concurrency and --skip-expired set the pipeline section', async () => {
  const args = await parseExportArgs(
    ['--source', 'files', '--path', '/tmp/x.jsonl', '--concurrency', '7', '--skip-expired'],
    {},
  );
  assert.deepEqual(args.config.pipeline, { concurrency: 7, skipExpiredFiles: true });
  assert.equal(args.window.source?.type, 'files');
  await assert.rejects(
    parseExportArgs(['--source', 'files'], {}),
    (e: unknown) => isCfError(e) && /--source files needs --path/.test(e.message),
  );
});
