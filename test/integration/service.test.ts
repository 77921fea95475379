import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningService, startService, WHOLE } from '../../src/app/service/index.ts';
import type { EventType } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import {
  httpGet,
  idCounts,
  LiveSim,
  metricValue,
  readSinkLines,
  serviceConfig,
  WINDOW_MS,
  waitFor,
} from './service-helpers.ts';

const tmp = new TempDirs();
const live = new LiveSim('service-test');
let workspace: string;
/** Mid-window, so no file sits on the boundary. */
let lookback: string;
const TYPES: EventType[] = ['AUDIT_LOG', 'AUTH_LOG'];
const running: Array<{ svc: RunningService; stop: AbortController }> = [];

before(async () => {
  const info = await live.start();
  workspace = info.sampleWorkspaceId;
  const now = live.sim.now().getTime();
  lookback = new Date(Math.floor(now / WINDOW_MS) * WINDOW_MS - 6 * WINDOW_MS + WINDOW_MS / 2).toISOString();
});
after(async () => {
  for (const r of running) r.stop.abort();
  await Promise.all(running.map((r) => r.svc.done));
  await live.sim.stop();
  await tmp.cleanup();
});

async function start(config: Parameters<typeof startService>[0], metrics = new Metrics()) {
  const stop = new AbortController();
  const svc = await startService(config, {
    logger: silentLogger(),
    metrics,
    signal: stop.signal,
    shard: WHOLE,
  });
  running.push({ svc, stop });
  return { svc, stop, metrics };
}

test('new files are forwarded as they appear, counted in /metrics, with a small checkpoint lag', async () => {
  const out = await tmp.make();
  const state = await tmp.make();
  const config = serviceConfig(live.info, { state, out }, [{ id: workspace, eventTypes: TYPES }], {
    service: { lookback },
  });
  const { svc, stop } = await start(config);

  const initial = live.expectedIds(workspace, TYPES, lookback);
  assert.ok(initial.size > 10, `the window has ${initial.size} events`);
  await waitFor('the files already listed', async () => {
    const ids = idCounts(await readSinkLines(out));
    return [...initial].every((id) => ids.has(id));
  });

  // Three more windows close: their files must follow without a restart.
  live.advance(3 * WINDOW_MS);
  const all = live.expectedIds(workspace, TYPES, lookback);
  assert.ok(all.size > initial.size, 'new files appeared upstream');
  await waitFor('the new files', async () => {
    const ids = idCounts(await readSinkLines(out));
    return [...all].every((id) => ids.has(id));
  });
  // Files are acknowledged (and checkpointed) just after their lines are written.
  const store = new CheckpointStore(state);
  await waitFor('the checkpoints at the newest files', async () => {
    for (const t of TYPES) {
      const cp = await store.load(`workspace/${workspace}/${t}`);
      const newest = live.sim.listFiles(workspace, t).at(-1)!.endTime;
      if (cp === undefined || Date.parse(cp.endTime) !== Date.parse(newest)) return false;
    }
    return true;
  });
  const counts = idCounts(await readSinkLines(out));
  // The simulator's clock runs on in real time, so a window may close while the test waits: the
  // sink must hold everything of `all` and nothing the simulator does not serve now.
  const servedNow = live.expectedIds(workspace, TYPES, lookback);
  assert.ok(
    [...all].every((id) => counts.has(id)),
    'every event upstream had',
  );
  assert.deepEqual(
    [...counts.keys()].filter((id) => !servedNow.has(id)),
    [],
    'only events upstream has',
  );
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    'no event twice',
  );

  const files = TYPES.flatMap((t) => live.sim.listFiles(workspace, t, lookback));
  const metrics = await httpGet(svc.httpPort, '/metrics');
  assert.equal(metrics.status, 200);
  const m = metrics.body;
  assert.equal(metricValue(m, 'compliance_forwarder_files_downloaded_total'), files.length);
  assert.equal(metricValue(m, 'compliance_forwarder_files_listed_total'), files.length);
  assert.equal(
    metricValue(m, 'compliance_forwarder_component_sent_events_total', { component: 'file' }),
    all.size,
  );
  assert.ok(metricValue(m, 'compliance_forwarder_downloaded_bytes_total') > 0);
  assert.ok(metricValue(m, 'compliance_forwarder_http_request_duration_seconds_count') > 0);
  for (const t of TYPES) {
    const stream = `workspace/${workspace}/${t}`;
    const lag = metricValue(m, 'compliance_forwarder_checkpoint_lag_seconds', { stream });
    const newest = live.sim.listFiles(workspace, t).at(-1)!.endTime;
    const expected = (Date.now() - Date.parse(newest)) / 1000;
    // The checkpoint sits at the newest file: the lag is how far that file is behind now.
    assert.ok(Math.abs(lag - expected) < 30, `${t} lag ${lag} s, newest file ${expected} s old`);
    assert.ok(lag < 10 * 60, `${t} lag ${lag} s stays small`);
    assert.equal(metricValue(m, 'compliance_forwarder_stream_failing', { stream }), 0);
  }
  assert.equal((await httpGet(svc.httpPort, '/healthz')).status, 200);
  const ready = await httpGet(svc.httpPort, '/readyz');
  assert.equal(ready.status, 200, ready.body);
  assert.equal(JSON.parse(ready.body).ready, true);
  assert.equal((await httpGet(svc.httpPort, '/nope')).status, 404);

  stop.abort();
  const result = await svc.done;
  assert.equal(result.error, undefined);
  assert.equal(result.cutShort, false);
});

test('a stream whose polls fail backs off and recovers while the other streams go on; health and metrics show it', async () => {
  const out = await tmp.make();
  const state = await tmp.make();
  const types: EventType[] = ['AUDIT_LOG', 'AUTH_LOG', 'APP_LOG'];
  const config = serviceConfig(live.info, { state, out }, [{ id: workspace, eventTypes: types }], {
    service: { lookback, failingThresholdMs: 0, failureBackoffInitialMs: 600, failureBackoffMaxMs: 600 },
  });
  // The first list calls fail with 500 until the budget is spent: with 2 attempts per call, at
  // least one stream's poll fails after its retries.
  live.sim.setFaults({ listServerErrors: { ratio: 1, count: 4 } });
  try {
    const { svc, metrics } = await start(config);
    const failing = await waitFor('a stream failing in /readyz', async () => {
      const r = await httpGet(svc.httpPort, '/readyz');
      const report = JSON.parse(r.body) as { streams: { failing: Array<{ stream: string; code: string }> } };
      return r.status === 503 && report.streams.failing.length > 0 ? report.streams.failing : undefined;
    });
    assert.equal(failing[0]!.code, 'CF_ERR_HTTP_SERVER');
    const text = await metrics.text();
    assert.equal(metricValue(text, 'compliance_forwarder_stream_failing', { stream: failing[0]!.stream }), 1);

    // Every stream, the failed one included, delivers everything once the upstream heals.
    const all = live.expectedIds(workspace, types, lookback);
    await waitFor('every event', async () => {
      const ids = idCounts(await readSinkLines(out));
      return [...all].every((id) => ids.has(id));
    });
    await waitFor('ready again', async () => (await httpGet(svc.httpPort, '/readyz')).status === 200);
    const after = await metrics.text();
    assert.ok(metricValue(after, 'compliance_forwarder_stream_polls_total', { outcome: 'failed' }) >= 1);
    assert.equal(metricValue(after, 'compliance_forwarder_stream_failing'), 0);
  } finally {
    live.sim.resetFaults();
  }
});

test('a checkpoint older than the lookback wins: a service down for longer skips nothing', async () => {
  const out = await tmp.make();
  const state = await tmp.make();
  const stream = `workspace/${workspace}/AUTH_LOG`;
  const before = live.sim.listFiles(workspace, 'AUTH_LOG', undefined, lookback);
  const checkpointed = before.at(-3)!;
  await new CheckpointStore(state).save({
    stream,
    endTime: checkpointed.endTime,
    idsAtEndTime: [checkpointed.id],
    filesDelivered: 1,
  });
  const config = serviceConfig(live.info, { state, out }, [{ id: workspace, eventTypes: ['AUTH_LOG'] }], {
    service: { lookback },
  });
  await start(config);
  const expected = live.expectedIds(workspace, ['AUTH_LOG'], checkpointed.endTime);
  const beforeLookback = live.expectedIds(workspace, ['AUTH_LOG'], checkpointed.endTime);
  for (const id of live.expectedIds(workspace, ['AUTH_LOG'], lookback)) beforeLookback.delete(id);
  assert.ok(beforeLookback.size > 0, 'files between the checkpoint and the lookback');
  await waitFor('everything after the checkpoint', async () => {
    const ids = idCounts(await readSinkLines(out));
    return [...expected].every((id) => ids.has(id));
  });
  const delivered = idCounts(await readSinkLines(out));
  const old = live.sim.eventIds(workspace, 'AUTH_LOG', checkpointed.id);
  assert.ok(
    old.every((id) => !delivered.has(id) || expected.has(id)),
    'the checkpointed file is not sent again',
  );
});

test('two shards split the streams between them with no overlap', async () => {
  const principals = [
    { id: workspace, eventTypes: ['AUDIT_LOG', 'AUTH_LOG', 'APP_LOG', 'CODEX_LOG'] },
    { id: live.sim.sampleOrgId, eventTypes: ['APP_LOG', 'APP_AUTH_LOG'] },
  ];
  const shards = await Promise.all(
    [0, 1].map(async (index) => {
      const out = await tmp.make();
      const config = serviceConfig(live.info, { state: await tmp.make(), out }, principals, {
        service: { lookback, shard: `${index}/2` },
      });
      const stop = new AbortController();
      const svc = await startService(config, {
        logger: silentLogger(),
        metrics: new Metrics(),
        signal: stop.signal,
      });
      running.push({ svc, stop });
      return { svc, out, stop };
    }),
  );
  const [a, b] = shards as [(typeof shards)[number], (typeof shards)[number]];
  assert.deepEqual(a.svc.shard, { index: 0, count: 2 });
  const overlap = a.svc.streams.filter((s) => b.svc.streams.includes(s));
  assert.deepEqual(overlap, [], 'no stream in both shards');
  assert.equal(a.svc.streams.length + b.svc.streams.length, 6, 'every stream in one shard');
  assert.ok(a.svc.streams.length > 0 && b.svc.streams.length > 0, 'both shards have work');

  // Each shard delivers exactly its own streams' events.
  for (const { svc, out } of shards) {
    const expected = new Set<string>();
    for (const key of svc.streams) {
      const [, principal, type] = key.split('/') as [string, string, EventType];
      for (const id of live.expectedIds(principal, [type], lookback)) expected.add(id);
    }
    await waitFor(`shard ${svc.shard.index} delivering its streams`, async () => {
      const ids = idCounts(await readSinkLines(out));
      return [...expected].every((id) => ids.has(id));
    });
    const streamsSeen = new Set(
      (await readSinkLines(out)).map((l) => {
        const f = (JSON.parse(l) as { _forwarder: { principal_id: string; event_type: string } })._forwarder;
        return `${f.principal_id.startsWith('org-') ? 'organization' : 'workspace'}/${f.principal_id}/${f.event_type}`;
      }),
    );
    assert.deepEqual(
      new Set([...streamsSeen].filter((s) => !svc.streams.includes(s))),
      new Set(),
      'only its own streams',
    );
  }
  for (const s of shards) s.stop.abort();
  for (const s of shards) assert.equal((await s.svc.done).error, undefined);
});
