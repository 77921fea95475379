import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { constants, createGzip, gunzipSync } from 'node:zlib';
import { isCfError } from '../../../src/core/errors/index.ts';
import { MemoryDeadLetter } from '../../../src/engine/dead-letter-file.ts';
import { createFileSink, fileSinkConfigSchema, recoverPartialFiles } from '../../../src/sinks/file/index.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/telemetry/metrics.ts';
import { CountingDelivery, makeRecord, sourceRef } from '../../helpers/records.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cf-file-'));
  dirs.push(d);
  return d;
}
const ctx = () => ({
  logger: silentLogger(),
  metrics: new Metrics(),
  deadLetter: new MemoryDeadLetter(),
  signal: new AbortController().signal,
});

async function readAll(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.includes('.jsonl')).sort();
  const lines: string[] = [];
  for (const n of names) {
    const raw = await readFile(join(dir, n));
    const text = n.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    lines.push(...text.split('\n').filter(Boolean));
  }
  return lines;
}

test('records land as JSON lines, rotated by size, and every record is acknowledged', async () => {
  const dir = await tempDir();
  const sink = createFileSink(
    fileSinkConfigSchema.parse({
      type: 'file',
      directory: dir,
      rotateMaxBytes: 4096,
      batchMaxBytes: 1024,
      lingerMs: 1,
    }),
    ctx(),
  );
  await sink.start();
  const delivery = new CountingDelivery();
  for (let i = 0; i < 200; i++) sink.write(makeRecord(i, delivery));
  sink.end();
  await once(sink, 'finish');
  const names = await readdir(dir);
  assert.ok(names.length > 3, `rotated into ${names.length} files`);
  assert.ok(
    names.every((n) => !n.startsWith('.')),
    'no temporary names left after a clean end',
  );
  const lines = await readAll(dir);
  assert.equal(lines.length, 200);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).event_id),
    Array.from({ length: 200 }, (_, i) => `evt-${String(i).padStart(6, '0')}`),
  );
  assert.equal(delivery.acked, 200);
});

test('gzip output decodes to the same lines; per-event-type directories never escape the output', async () => {
  const dir = await tempDir();
  const sink = createFileSink(
    fileSinkConfigSchema.parse({ type: 'file', directory: dir, gzip: true, perEventType: true, lingerMs: 1 }),
    ctx(),
  );
  await sink.start();
  const d = new CountingDelivery();
  for (let i = 0; i < 50; i++) sink.write(makeRecord(i, d));
  sink.write(makeRecord(99, d, {}, sourceRef({ eventType: '../../escape' })));
  sink.end();
  await once(sink, 'finish');
  assert.deepEqual((await readdir(dir)).sort(), ['______escape', 'AUDIT_LOG'].sort());
  assert.equal((await readAll(join(dir, 'AUDIT_LOG'))).length, 50);
  assert.equal(d.acked, 51);
});

test('files left with a temporary name by a crash are finished on start, torn last lines cut', async () => {
  const dir = await tempDir();
  await writeFile(
    join(dir, '.compliance-x-00000.jsonl.partial'),
    '{"event_id":"a"}\n{"event_id":"b"}\n{"event_',
  );
  // A gzip stream cut after a sync flush, without trailer, as a crash leaves it.
  const gz = createGzip();
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  gz.write('{"event_id":"c"}\n{"event_id":"d"}\n{"event_');
  await new Promise<void>((r) => gz.flush(constants.Z_SYNC_FLUSH, () => r()));
  await writeFile(join(dir, '.compliance-x-00001.jsonl.gz.partial'), Buffer.concat(chunks));
  const done = await recoverPartialFiles(dir);
  assert.equal(done.length, 2);
  assert.deepEqual(
    (await readAll(dir)).map((l) => JSON.parse(l).event_id),
    ['a', 'b', 'c', 'd'],
  );
});

test('a directory that cannot be written fails the sink with CF_ERR_SINK_IO and nothing is acknowledged', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'blocker'), 'x');
  const sink = createFileSink(
    fileSinkConfigSchema.parse({ type: 'file', directory: join(dir, 'blocker', 'out'), lingerMs: 1 }),
    ctx(),
  );
  await sink.start().catch(() => {});
  const d = new CountingDelivery();
  const failed = once(sink, 'error');
  sink.write(makeRecord(1, d));
  const [err] = await failed;
  assert.ok(isCfError(err) && err.code === 'CF_ERR_SINK_IO', String(err));
  assert.equal(d.acked, 0);
  void mkdir;
});
