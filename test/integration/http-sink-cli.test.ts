import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventType, Simulator } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { collect, runCli, spawnCli } from '../helpers/cli.ts';
import { expectedEvents, exportCliArgs, startExportSimulator, TempDirs } from '../helpers/export-fixtures.ts';
import { startHttpReceiver } from '../infra/http-receivers.ts';
import { FAST_SOURCE, idCounts, LiveSim, readSinkLines, WINDOW_MS, waitFor } from './service-helpers.ts';

/*
 * The http sink from the command line (built CLI: npm run build first): `export --sink http`
 * per preset into its contract receiver, a credentials failure, and `run` fanning out to an
 * http sink and a file sink. Every event once; no secret on stderr.
 */
const tmp = new TempDirs();
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
let window: { after: string; before: string };
let fastConfig: string;
const TYPES: EventType[] = ['AUDIT_LOG', 'AUTH_LOG'];

before(async () => {
  ({ sim, env, workspace, window, fastConfig } = await startExportSimulator('http-sink-cli', tmp));
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

function exportArgs(state: string, sinkArgs: string[]): string[] {
  return exportCliArgs({ workspace, types: TYPES, window, state, config: fastConfig }, sinkArgs);
}

test('export --sink http --http-preset sumo, the Source URL from HTTP_URL_FILE: every event once, the URL nowhere on stderr', async () => {
  const rx = await startHttpReceiver({ kind: 'sumo' });
  try {
    const dir = await tmp.make();
    const urlFile = join(dir, 'sumo-url');
    await writeFile(urlFile, `${rx.url}\n`);
    const expected = expectedEvents(sim, workspace, TYPES, window.after, window.before);
    const r = await runCli(exportArgs(join(dir, 'state'), ['--sink', 'http', '--http-preset', 'sumo']), {
      ...env,
      HTTP_URL_FILE: urlFile,
      LOG_LEVEL: 'debug',
    });
    assert.equal(r.code, 0, r.stderr);
    const events = await rx.events();
    const ids = events.map((e) => String(e.event.event_id));
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(new Set(ids), expected.ids);
    assert.ok(events.every((e) => e.gzip && e.headers['x-sumo-category']?.startsWith('openai/compliance/')));
    assert.ok(!r.stderr.includes(rx.token), 'the Source token is never logged');
    assert.ok(!r.stderr.includes(env.COMPLIANCE_API_KEY!), 'the API key is never logged');
  } finally {
    await rx.stop();
  }
});

test('export --sink http --http-preset datadog with a wrong DD_API_KEY: exit 1, a clear message, no checkpoint, key not printed', async () => {
  const rx = await startHttpReceiver({ kind: 'datadog' });
  try {
    const dir = await tmp.make();
    const r = await runCli(
      exportArgs(join(dir, 'state'), ['--sink', 'http', '--http-preset', 'datadog', '--http-url', rx.url]),
      { ...env, DD_API_KEY: 'wrong-dd-key-0000-1111' },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /CF_ERR_SINK_AUTH/);
    assert.match(
      r.stderr,
      /Datadog Logs intake at http:\/\/127\.0\.0\.1:\d+\/api\/v2\/logs refused the request: HTTP 403/,
    );
    assert.ok(!r.stderr.includes('wrong-dd-key-0000-1111'));
    assert.deepEqual(await new CheckpointStore(join(dir, 'state')).list(), []);
  } finally {
    await rx.stop();
  }
});

test('export --sink http --http-preset datadog: every event once as a Datadog entry', async () => {
  const rx = await startHttpReceiver({ kind: 'datadog' });
  try {
    const dir = await tmp.make();
    const expected = expectedEvents(sim, workspace, TYPES, window.after, window.before);
    const r = await runCli(
      exportArgs(join(dir, 'state'), ['--sink', 'http', '--http-preset', 'datadog', '--http-url', rx.url]),
      { ...env, DD_API_KEY: rx.token },
    );
    assert.equal(r.code, 0, r.stderr);
    const events = await rx.events();
    const ids = events.map((e) => String(e.event.event_id));
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(new Set(ids), expected.ids);
    assert.ok(events.every((e) => e.attributes?.ddsource === 'openai'));
    assert.ok(!r.stderr.includes(rx.token));
  } finally {
    await rx.stop();
  }
});

test('run delivers to an http sink (ndjson, bearer) and a file sink side by side; SIGTERM exits 0', async () => {
  const live = new LiveSim('http-sink-run', 3 * WINDOW_MS);
  const info = await live.start();
  const rx = await startHttpReceiver({ kind: 'ndjson', token: 'run-bearer-token-42' });
  const children = new Set<ChildProcess>();
  try {
    const dir = await tmp.make();
    const now = live.sim.now().getTime();
    const lookback = new Date(
      Math.floor(now / WINDOW_MS) * WINDOW_MS - 6 * WINDOW_MS + WINDOW_MS / 2,
    ).toISOString();
    const config = join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        source: FAST_SOURCE,
        principals: [{ id: info.sampleWorkspaceId, eventTypes: TYPES }],
        sinks: [
          { type: 'http', preset: 'ndjson', url: rx.url, auth: { type: 'bearer' }, lingerMs: 20 },
          { type: 'file', directory: join(dir, 'out'), fsync: false, lingerMs: 20 },
        ],
        state: { dir: join(dir, 'state') },
        service: {
          pollIntervalMs: 200,
          lookback,
          httpPort: 0,
          httpHost: '127.0.0.1',
          shutdownGraceMs: 10_000,
        },
        log: { level: 'info' },
      }),
    );
    const child = spawnCli(['run', '--config', config], {
      COMPLIANCE_API_KEY: info.apiKey,
      COMPLIANCE_API_BASE: info.baseUrl,
      HTTP_AUTH_TOKEN: 'run-bearer-token-42',
    });
    children.add(child);
    const result = collect(child);
    const expected = live.expectedIds(info.sampleWorkspaceId, TYPES, lookback);
    assert.ok(expected.size > 0);
    await waitFor(
      'every event at the http receiver',
      async () => {
        const ids = new Set((await rx.events()).map((e) => String(e.event.event_id)));
        return [...expected].every((id) => ids.has(id)) ? true : undefined;
      },
      30_000,
    );
    child.kill('SIGTERM');
    const r = await result;
    assert.equal(r.code, 0, r.stderr);
    const received = (await rx.events()).map((e) => String(e.event.event_id));
    const repeats = live.upstreamRepeats(info.sampleWorkspaceId, TYPES, lookback);
    const counts = new Map<string, number>();
    for (const id of received) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.ok(
      [...counts].every(([id, n]) => n === 1 || repeats.has(id)),
      'no event twice',
    );
    const fileIds = idCounts(await readSinkLines(join(dir, 'out')));
    for (const id of expected) assert.ok(fileIds.has(id), `the file sink has ${id} too`);
    assert.ok(!r.stderr.includes('run-bearer-token-42'), 'the bearer token is never logged');
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await rx.stop();
    await live.sim.stop();
  }
});

test('bad http flags exit 2 with the usage: no URL, an unknown preset, basic auth without a user', async () => {
  const dir = await tmp.make();
  for (const [flags, message] of [
    [['--sink', 'http'], /--sink http needs --http-url URL \(or HTTP_URL \/ HTTP_URL_FILE\)/],
    [['--http-url', 'https://x.example/in', '--http-preset', 'splunk'], /Unknown --http-preset "splunk"/],
    [
      ['--http-url', 'https://x.example/in', '--http-auth', 'basic'],
      /--http-auth basic needs --http-username U/,
    ],
  ] as const) {
    const r = await runCli(exportArgs(join(dir, 'state'), [...flags]), env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});
