import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isCfError } from '../../../src/core/errors/index.ts';
import { CheckpointStore } from '../../../src/state/index.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cf-state-'));
  dirs.push(d);
  return d;
}

const STREAM = 'workspace/11111111-2222-4333-8444-555555555555/AUDIT_LOG';

test('a saved checkpoint loads back with its version, and no temp file is left', async () => {
  const store = new CheckpointStore(await tempDir());
  assert.equal(await store.load(STREAM), undefined);
  await store.save({
    stream: STREAM,
    endTime: '2026-11-20T10:00:00Z',
    idsAtEndTime: ['a', 'b'],
    filesDelivered: 7,
  });
  const cp = await store.load(STREAM);
  assert.equal(cp?.version, 1);
  assert.equal(cp?.endTime, '2026-11-20T10:00:00Z');
  assert.deepEqual(cp?.idsAtEndTime, ['a', 'b']);
  const files = await readdir(join(store.stateDir, 'checkpoints'));
  assert.equal(files.length, 1);
  assert.ok(files[0]!.endsWith('.json') && !files[0]!.includes('.tmp-'));
});

test('each stream has its own file; hostile stream keys stay inside the directory', async () => {
  const store = new CheckpointStore(await tempDir());
  await store.save({ stream: STREAM, endTime: '2026-11-20T10:00:00Z', idsAtEndTime: [], filesDelivered: 1 });
  await store.save({
    stream: '../../etc/passwd',
    endTime: '2026-11-20T11:00:00Z',
    idsAtEndTime: [],
    filesDelivered: 1,
  });
  const files = await readdir(join(store.stateDir, 'checkpoints'));
  assert.equal(files.length, 2);
  assert.ok(files.every((f) => !f.includes('/')));
  assert.equal((await store.load('../../etc/passwd'))?.endTime, '2026-11-20T11:00:00Z');
});

test('a corrupt or unknown-version checkpoint is an error that names the file, never a silent restart', async () => {
  const store = new CheckpointStore(await tempDir());
  await store.save({ stream: STREAM, endTime: '2026-11-20T10:00:00Z', idsAtEndTime: [], filesDelivered: 1 });
  const path = store.pathFor(STREAM);
  await writeFile(path, '{"version":1,"stream":');
  await assert.rejects(
    store.load(STREAM),
    (e: unknown) => isCfError(e) && e.code === 'CF_ERR_STATE_CORRUPT' && e.message.includes(path),
  );
  await writeFile(path, JSON.stringify({ version: 99, stream: STREAM, endTime: 'x', idsAtEndTime: [] }));
  await assert.rejects(store.load(STREAM), /unknown version \(99\)/);
  const listed = await store.list();
  assert.ok('error' in listed[0]!);
});

test('reset removes one stream or all', async () => {
  const store = new CheckpointStore(await tempDir());
  await store.save({ stream: STREAM, endTime: '2026-11-20T10:00:00Z', idsAtEndTime: [], filesDelivered: 1 });
  await store.save({
    stream: `${STREAM}2`,
    endTime: '2026-11-20T10:00:00Z',
    idsAtEndTime: [],
    filesDelivered: 1,
  });
  assert.equal(await store.reset(STREAM), 1);
  assert.equal(await store.load(STREAM), undefined);
  assert.ok(await store.load(`${STREAM}2`));
  assert.equal(await store.reset(), 1);
  assert.deepEqual(await store.list(), []);
});

test('an unwritable state directory fails with CF_ERR_STATE_IO', async () => {
  const d = await tempDir();
  await writeFile(join(d, 'file'), 'x');
  const store = new CheckpointStore(join(d, 'file'));
  await assert.rejects(store.ensureWritable(), (e: unknown) => isCfError(e) && e.code === 'CF_ERR_STATE_IO');
  void readFile;
});
