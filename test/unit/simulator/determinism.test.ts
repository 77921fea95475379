import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { download, listPage, startSim, WORKSPACE } from './sim-http.js';

const QUERY = { event_type: 'CONVERSATION_MESSAGE,AUDIT_LOG', after: '2026-07-09T12:25:00Z', limit: '4' };

test('the same seed serves the same catalog and byte-identical files; another seed does not', async (t) => {
  const a = await startSim(t, { seed: 'alpha' });
  const b = await startSim(t, { seed: 'alpha' });
  const c = await startSim(t, { seed: 'beta' });
  const pageA = await listPage(a.info, WORKSPACE, QUERY);
  const pageB = await listPage(b.info, WORKSPACE, QUERY);
  const pageC = await listPage(c.info, WORKSPACE, QUERY);
  assert.deepEqual(pageA, pageB);
  assert.equal(pageA.data.length, 4);
  const idsC = new Set(pageC.data.map((f) => f.id));
  assert.ok(
    pageA.data.every((f) => !idsC.has(f.id)),
    'file ids depend on the seed',
  );
  for (const item of pageA.data) {
    const bytesA = await download(a.info, WORKSPACE, item.id);
    const bytesB = await download(b.info, WORKSPACE, item.id);
    assert.ok(bytesA.equals(bytesB), `file ${item.id} is byte-identical`);
  }
  const first = pageA.data[0]!;
  const twin = pageC.data.find((f) => f.event_type === first.event_type && f.end_time === first.end_time);
  if (twin !== undefined) {
    assert.notEqual(twin.file_sha256, first.file_sha256);
  }
  const bytesC = await download(c.info, WORKSPACE, pageC.data[0]!.id);
  assert.ok(!bytesC.equals(await download(a.info, WORKSPACE, first.id)));
});

test('a file keeps its bytes when the clock moves on (files are immutable)', async (t) => {
  const early = await startSim(t, { seed: 'alpha', clock: () => new Date('2026-07-09T13:05:00Z') });
  const late = await startSim(t, { seed: 'alpha', clock: () => new Date('2026-07-11T08:00:00Z') });
  const file = early.sim.listFiles(WORKSPACE, 'CONVERSATION_MESSAGE', '2026-07-09T12:55:00Z')[0]!;
  assert.deepEqual(
    await late.sim.fileFacts(WORKSPACE, file.id),
    await early.sim.fileFacts(WORKSPACE, file.id),
  );
  assert.ok(late.sim.listFiles(WORKSPACE, 'CONVERSATION_MESSAGE').some((f) => f.id === file.id));
});
