import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventType } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { collect, runCli, spawnCli } from '../helpers/cli.ts';
import { expectedEvents, exportCliArgs, TempDirs } from '../helpers/export-fixtures.ts';
import { type EsReceiver, startEsReceiver } from '../infra/es-receiver.ts';
import { FAST_SOURCE, idCounts, LiveSim, readSinkLines, WINDOW_MS, waitFor } from './service-helpers.ts';

/*
 * The elasticsearch sink from the command line: `export --sink elasticsearch --es-url` and `run`
 * with a config file fanning out to elasticsearch and a file sink, against the _bulk contract
 * receiver. Every event lands once, the key comes from the environment and is never printed.
 */
const tmp = new TempDirs();
const live = new LiveSim('elasticsearch-cli', 3 * WINDOW_MS);
const TYPES: EventType[] = ['AUDIT_LOG', 'AUTH_LOG'];
let es: EsReceiver;
let env: Record<string, string>;
let workspace: string;
let fastConfig: string;
const children = new Set<ChildProcess>();

before(async () => {
  const info = await live.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  es = await startEsReceiver();
  fastConfig = join(await tmp.make(), 'fast.json');
  await writeFile(fastConfig, JSON.stringify({ source: FAST_SOURCE }));
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await es?.stop();
  await live.sim.stop();
  await tmp.cleanup();
});

function window(): { after: string; before: string } {
  const now = live.sim.now().getTime();
  const end = Math.floor(now / WINDOW_MS) * WINDOW_MS - 2 * WINDOW_MS;
  return { after: new Date(end - 6 * WINDOW_MS).toISOString(), before: new Date(end).toISOString() };
}

function exportArgs(state: string, w: { after: string; before: string }, sinkArgs: string[]): string[] {
  return exportCliArgs({ workspace, types: TYPES, window: w, state, config: fastConfig }, sinkArgs);
}

test('export --sink elasticsearch delivers every event once, a data stream per type; a second export adds nothing', async () => {
  await es.clearDocs();
  const dir = await tmp.make();
  const w = window();
  const expected = expectedEvents(live.sim, workspace, TYPES, w.after, w.before);
  assert.ok(expected.ids.size > 10, `the window holds events (${expected.ids.size})`);
  const r = await runCli(exportArgs(join(dir, 'state'), w, ['--sink', 'elasticsearch', '--es-url', es.url]), {
    ...env,
    ES_API_KEY: es.apiKey!,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes(es.apiKey!), 'the API key is never logged');
  const docs = await es.docs();
  assert.equal(docs.length, expected.ids.size, 'no event twice');
  assert.deepEqual(new Set(docs.map((d) => d.id)), expected.ids);
  for (const d of docs) {
    assert.equal(d.id, d.source.event_id);
    assert.equal(d.index, `logs-openai.compliance.${String(d.source.type).toLowerCase()}-default`);
  }
  // A fresh state directory sends the whole window again: 409s, counted as delivered.
  const again = await runCli(exportArgs(join(await tmp.make(), 'state'), w, ['--es-url', es.url]), {
    ...env,
    ES_API_KEY_FILE: await keyFile(),
  });
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await es.docs()).length, expected.ids.size, 'the index still holds each event once');
});

async function keyFile(): Promise<string> {
  const path = join(await tmp.make(), 'es-api-key');
  await writeFile(path, `${es.apiKey}\n`);
  return path;
}

test('a wrong API key fails before any download, exit 1, no checkpoint, key not printed', async () => {
  const dir = await tmp.make();
  const before = live.sim.stats().downloadRequests;
  const wrong = Buffer.from('id:wrong-key-0000-1111').toString('base64');
  const r = await runCli(exportArgs(join(dir, 'state'), window(), ['--es-url', es.url]), {
    ...env,
    ES_API_KEY: wrong,
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ES_API_KEY/);
  assert.ok(!r.stderr.includes(wrong));
  assert.equal(live.sim.stats().downloadRequests, before, 'nothing was downloaded');
  assert.deepEqual(await new CheckpointStore(join(dir, 'state')).list(), []);
});

test('run with a config file fans out to elasticsearch and a file sink; both get every event once', async () => {
  await es.clearDocs();
  const dir = await tmp.make();
  const lookback = window().after;
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      source: FAST_SOURCE,
      principals: [{ id: workspace, eventTypes: TYPES }],
      sinks: [
        { type: 'elasticsearch', url: es.url, apiKey: { env: 'ES_API_KEY' }, lingerMs: 20 },
        { type: 'file', directory: join(dir, 'out'), fsync: false, lingerMs: 20 },
      ],
      state: { dir: join(dir, 'state') },
      service: { pollIntervalMs: 200, lookback, httpPort: 0, httpHost: '127.0.0.1' },
      log: { level: 'info' },
    }),
  );
  const expected = live.expectedIds(workspace, TYPES, lookback);
  assert.ok(expected.size > 10, `the lookback holds events (${expected.size})`);
  const child = spawnCli(['run', '--config', config], { ...env, ES_API_KEY: es.apiKey! });
  children.add(child);
  const result = collect(child).finally(() => children.delete(child));
  await waitFor('every event in Elasticsearch', async () => {
    const ids = new Set((await es.docs()).map((d) => d.id));
    return [...expected].every((id) => ids.has(id)) ? true : undefined;
  });
  child.kill('SIGTERM');
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes(es.apiKey!), 'the API key is never logged');
  const docs = await es.docs();
  assert.equal(docs.length, new Set(docs.map((d) => d.id)).size, 'no event twice in the index');
  const fileCounts = idCounts(await readSinkLines(join(dir, 'out')));
  for (const id of expected) assert.ok(fileCounts.has(id), `the file sink has ${id} too`);
});
