import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventType } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { type CliResult, collect, runCli, spawnCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import {
  FAST_SOURCE,
  httpGet,
  idCounts,
  LiveSim,
  metricValue,
  readSinkLines,
  WINDOW_MS,
  waitFor,
} from './service-helpers.ts';

const tmp = new TempDirs();
const live = new LiveSim('service-process-test', 3 * WINDOW_MS);
const TYPES: EventType[] = ['AUDIT_LOG', 'AUTH_LOG', 'APP_LOG'];
const GRACE_MS = 15_000;
let workspace: string;
let lookback: string;
let env: Record<string, string>;
const children = new Set<ChildProcess>();

before(async () => {
  const info = await live.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  const now = live.sim.now().getTime();
  lookback = new Date(Math.floor(now / WINDOW_MS) * WINDOW_MS - 8 * WINDOW_MS + WINDOW_MS / 2).toISOString();
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await live.sim.stop();
  await tmp.cleanup();
});

/** A config file for `run`: the key and base URL come from the environment, as in Kubernetes. */
async function writeConfig(dir: string): Promise<string> {
  const path = join(dir, 'config.json');
  await writeFile(
    path,
    JSON.stringify({
      source: FAST_SOURCE,
      pipeline: { concurrency: 3 },
      principals: [{ id: workspace, eventTypes: TYPES }],
      sinks: [{ type: 'file', directory: join(dir, 'out'), fsync: false, lingerMs: 20 }],
      state: { dir: join(dir, 'state') },
      service: {
        pollIntervalMs: 200,
        lookback,
        httpPort: 0,
        httpHost: '127.0.0.1',
        shutdownGraceMs: GRACE_MS,
      },
      log: { level: 'info' },
    }),
  );
  return path;
}

/** Starts `run` and resolves once its HTTP server is up (the port comes from its start log). */
async function startRun(
  config: string,
): Promise<{ child: ChildProcess; port: number; result: Promise<CliResult>; log: () => string }> {
  const child = spawnCli(['run', '--config', config], env);
  children.add(child);
  const result = collect(child).finally(() => children.delete(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer | string) => {
    stderr += d.toString();
  });
  const port = await waitFor('the service to start', () => {
    const m = /"httpPort":(\d+)[^\n]*"msg":"Service started\."/.exec(stderr);
    if (m === null && child.exitCode !== null) throw new Error(`run exited early:\n${stderr}`);
    return m === null ? undefined : Number(m[1]);
  });
  return { child, port, result, log: () => stderr };
}

test('SIGTERM mid-run lets files in flight finish and exits 0; a restart continues with nothing lost or repeated', async () => {
  const dir = await tmp.make();
  const config = await writeConfig(dir);
  // Slow downloads, so files are in flight when the signal comes.
  live.sim.setFaults({ bandwidthBytesPerSecond: 3000 });
  try {
    const first = await startRun(config);
    await waitFor('files in flight', async () => {
      const m = (await httpGet(first.port, '/metrics')).body;
      return metricValue(m, 'compliance_forwarder_files_in_flight') > 0 &&
        metricValue(m, 'compliance_forwarder_files_downloaded_total') > 0
        ? true
        : undefined;
    });
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const r = await first.result;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - signalledAt < GRACE_MS + 5_000, 'exited within the grace period');
    assert.match(r.stderr, /Stopping: no new polls or files/);
    assert.doesNotMatch(r.stderr, /grace period ran out/, 'the files in flight finished');
    assert.ok(!r.stderr.includes(env.COMPLIANCE_API_KEY!), 'the key never reaches the log');
  } finally {
    live.sim.resetFaults();
  }
  const all = live.expectedIds(workspace, TYPES, lookback);
  const partial = idCounts(await readSinkLines(join(dir, 'out')));
  assert.ok(
    partial.size > 0 && partial.size < all.size,
    `stopped mid-run (${partial.size} of ${all.size} events)`,
  );
  // Every file up to each checkpoint is completely delivered.
  const store = new CheckpointStore(join(dir, 'state'));
  for (const t of TYPES) {
    const cp = await store.load(`workspace/${workspace}/${t}`);
    if (cp === undefined) continue;
    for (const f of live.sim.listFiles(workspace, t, lookback, cp.endTime)) {
      for (const id of live.sim.eventIds(workspace, t, f.id))
        assert.ok(partial.has(id), `${t} ${f.id} delivered`);
    }
  }

  // New windows close while it is down; the restart delivers the rest and the new files.
  live.advance(2 * WINDOW_MS);
  const everything = live.expectedIds(workspace, TYPES, lookback);
  const second = await startRun(config);
  await waitFor('every event after the restart', async () => {
    const ids = idCounts(await readSinkLines(join(dir, 'out')));
    return [...everything].every((id) => ids.has(id));
  });
  second.child.kill('SIGTERM');
  const r2 = await second.result;
  assert.equal(r2.code, 0, r2.stderr);
  const counts = idCounts(await readSinkLines(join(dir, 'out')));
  // The simulator's clock runs on while the test waits, so windows that closed since `everything`
  // was taken may have been delivered too: each delivered id must be one the simulator serves now.
  const servedNow = live.expectedIds(workspace, TYPES, lookback);
  assert.deepEqual(
    [...counts.keys()].filter((id) => !servedNow.has(id)),
    [],
    'only events the simulator served',
  );
  const repeats = live.upstreamRepeats(workspace, TYPES, lookback);
  assert.deepEqual(
    [...counts].filter(([id, n]) => n > 1 && !repeats.has(id)),
    [],
    "a graceful stop leaves nothing to send twice but the upstream's own repeats",
  );
});

test('a second signal exits at once and the checkpoints stay consistent', async () => {
  const dir = await tmp.make();
  const config = await writeConfig(dir);
  live.sim.setFaults({ bandwidthBytesPerSecond: 200 });
  try {
    const run = await startRun(config);
    await waitFor('files in flight', async () => {
      const m = (await httpGet(run.port, '/metrics')).body;
      return metricValue(m, 'compliance_forwarder_files_in_flight') > 0 ? true : undefined;
    });
    run.child.kill('SIGTERM');
    await waitFor('the drain to start', () => /Stopping: no new polls/.test(run.log()));
    run.child.kill('SIGTERM');
    const r = await run.result;
    assert.equal(r.code, 143, r.stderr);
  } finally {
    live.sim.resetFaults();
  }
  const store = new CheckpointStore(join(dir, 'state'));
  for (const t of TYPES) await store.load(`workspace/${workspace}/${t}`); // parses, or throws
  const again = await startRun(config);
  const everything = live.expectedIds(workspace, TYPES, lookback);
  await waitFor('every event after the restart', async () => {
    const ids = idCounts(await readSinkLines(join(dir, 'out')));
    return [...everything].every((id) => ids.has(id));
  });
  again.child.kill('SIGTERM');
  assert.equal((await again.result).code, 0);
});

test('an error that will not heal (a revoked key) stops the service with a clear message and exit 1', async () => {
  const dir = await tmp.make();
  const config = await writeConfig(dir);
  const r = await runCli(['run', '--config', config], {
    ...env,
    COMPLIANCE_API_KEY: 'sk-not-a-valid-key-1234',
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /compliance-forwarder run: CF_ERR_HTTP_AUTH: /);
  assert.ok(!r.stderr.includes('sk-not-a-valid-key-1234'), 'the key is not printed');
});

test('bad service settings are refused before anything starts (exit 2)', async () => {
  const dir = await tmp.make();
  const config = await writeConfig(dir);
  const r = await runCli(['run', '--config', config, '--shard', '2/2'], env);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /shard index 2 is outside 0\.\.1/);
  const noConfig = await runCli(['run'], env);
  assert.equal(noConfig.code, 2);
  assert.match(noConfig.stderr, /--config is required/);
});
