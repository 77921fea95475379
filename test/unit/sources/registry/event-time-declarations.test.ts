import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createFilesStreams, filesSourceConfigSchema } from '../../../../src/sources/files/index.js';
import { SOURCES } from '../../../../src/sources/index.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('every source declares where its event time is', () => {
  for (const source of SOURCES) {
    const spec = source.eventTime({ perMessage: false } as never);
    assert.ok(spec.length > 0, source.type);
  }
});

test('files: each record its own type unless eventType forces one; eventTime overrides', async () => {
  const d = await mkdtemp(join(tmpdir(), 'cf-et-'));
  dirs.push(d);
  const path = join(d, 'a.jsonl');
  await writeFile(path, '{"type":"AUTH_LOG"}\n');
  const [own] = await createFilesStreams(filesSourceConfigSchema.parse({ type: 'files', paths: [path] }));
  assert.equal(own!.eventType, 'ARCHIVE');
  assert.deepEqual(own!.eventTypeFrom, ['_forwarder.event_type', 'type']);
  assert.equal(own!.eventTime?.[0]?.path, 'timestamp');
  const [forced] = await createFilesStreams(
    filesSourceConfigSchema.parse({
      type: 'files',
      paths: [path],
      eventType: 'AUDIT_LOG',
      eventTime: { path: 'at', format: 'epoch-millis' },
    }),
  );
  assert.equal(forced!.eventType, 'AUDIT_LOG');
  assert.equal(forced!.eventTypeFrom, undefined);
  assert.deepEqual(forced!.eventTime, [{ path: 'at', format: 'epoch-millis' }]);
});

test('an eventTime override must be a plain path and a known format', () => {
  const bad = (eventTime: unknown) =>
    filesSourceConfigSchema.safeParse({ type: 'files', paths: ['x'], eventTime }).success;
  assert.equal(bad({ path: 'a[*].b', format: 'iso8601' }), false);
  assert.equal(bad({ path: 'a.b', format: 'rfc2822' }), false);
  assert.equal(bad({ path: 'a.b', format: 'epoch-seconds' }), true);
});
