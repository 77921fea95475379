import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningService, startService, WHOLE } from '../../src/app/service/index.ts';
import { validateConfig } from '../../src/config/load.ts';
import { Simulator, type SimulatorInfo } from '../../src/simulator/index.ts';
import { auditLogsStreamKey } from '../../src/sources/audit-logs/index.ts';
import { conversationKey, conversationsStreamKey } from '../../src/sources/conversations/index.ts';
import { filesStreamKey } from '../../src/sources/files/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { type CliResult, collect, spawnCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { httpGet, idCounts, metricValue, readSinkLines, waitFor } from './service-helpers.ts';

/*
 * `run` with the sources other than the Compliance Logs Platform: audit logs and conversations
 * against the simulator, a files archive that grows while the service runs. Each stream's every
 * event arrives once, a restart continues from the checkpoint `export` would use, and routes
 * send each source's events to its own sink.
 */

const tmp = new TempDirs();
const DAY = 86_400_000;
/** Test pace: the simulator allows 1000 calls a second; retries back off briefly. */
const FAST_API = { requestsPerMinute: 1000, rateWindowMs: 1000, initialBackoffMs: 10, maxBackoffMs: 50 };
const SIM_LIMITS = {
  rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
};

/** Audit logs on the real clock: new events take effect every second or two while a test runs. */
const auditSim = new Simulator({
  seed: 'service-sources-audit',
  port: 0,
  live: true,
  clock: () => new Date(),
  spanMs: 3_600_000,
  auditLogs: { eventsPerMinute: { min: 40, max: 80 }, lateRatio: 0 },
  faults: SIM_LIMITS,
});
/** Conversations on a clock the test moves: days pass and conversations gain new versions. */
let convOffsetMs = 0;
const convSim = new Simulator({
  seed: 'service-sources-conversations',
  port: 0,
  live: true,
  clock: () => new Date(Date.now() + convOffsetMs),
  spanMs: 2 * 3_600_000,
  conversations: { count: 60, maxUpdates: 3, shortPageRatio: 0.3 },
  faults: SIM_LIMITS,
});
let audit: SimulatorInfo;
let conv: SimulatorInfo;
const running: Array<{ svc: RunningService; stop: AbortController }> = [];
const children = new Set<ChildProcess>();

before(async () => {
  audit = await auditSim.start();
  conv = await convSim.start();
});
after(async () => {
  for (const r of running) r.stop.abort();
  await Promise.all(running.map((r) => r.svc.done));
  for (const c of children) c.kill('SIGKILL');
  await auditSim.stop();
  await convSim.stop();
  await tmp.cleanup();
});

const LOOKBACK_MS = 3 * 3_600_000;

/** Every audit event id the simulator serves from the lookback to now. */
function auditIdsNow(lookbackMs: number): Set<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  return new Set(auditSim.auditLogEvents(nowSec - lookbackMs / 1000, nowSec + 1).map((e) => e.id));
}

/** Every conversation version (`<id>:<last_active_at>`, its event_id) the simulator lists now. */
function conversationKeysNow(): Set<string> {
  return new Set(
    convSim.legacyConversations(conv.sampleWorkspaceId).map((c) => conversationKey(c.id, c.lastActiveAt)),
  );
}

const has = (delivered: Map<string, number>, ids: Iterable<string>) =>
  [...ids].every((id) => delivered.has(id));

async function start(raw: Record<string, unknown>) {
  const stop = new AbortController();
  const svc = await startService(validateConfig(raw), {
    logger: silentLogger(),
    metrics: new Metrics(),
    signal: stop.signal,
    shard: WHOLE,
  });
  const entry = { svc, stop };
  running.push(entry);
  return {
    svc,
    async stopped() {
      stop.abort();
      const result = await svc.done;
      running.splice(running.indexOf(entry), 1);
      return result;
    },
  };
}

test('run polls audit logs and conversations: each event once, routed to its sink, a restart continues from the checkpoint', async () => {
  const state = await tmp.make();
  const auditOut = await tmp.make();
  const chatsOut = await tmp.make();
  const org = audit.sampleOrgId;
  const workspace = conv.sampleWorkspaceId;
  const config = {
    // No principals: `run` with only other sources.
    sources: [
      {
        type: 'audit-logs',
        organizationId: org,
        baseUrl: audit.apiBase,
        adminKey: { value: audit.apiKey },
        ...FAST_API,
      },
      {
        type: 'conversations',
        workspaceId: workspace,
        baseUrl: conv.baseUrl,
        apiKey: { value: conv.apiKey },
        pageSize: 20,
        ...FAST_API,
      },
    ],
    sinks: [
      { type: 'file', name: 'audit', directory: auditOut, fsync: false, lingerMs: 20 },
      { type: 'file', name: 'chats', directory: chatsOut, fsync: false, lingerMs: 20 },
    ],
    routes: [
      { eventTypes: ['API_AUDIT_LOG'], sinks: ['audit'] },
      { eventTypes: ['COMPLIANCE_CONVERSATION'], sinks: ['chats'] },
    ],
    state: { dir: state },
    service: {
      pollIntervalMs: 150,
      pollJitterRatio: 0,
      lookback: `-${LOOKBACK_MS / 60_000}m`,
      httpPort: 0,
      httpHost: '127.0.0.1',
      shutdownGraceMs: 10_000,
    },
    log: { level: 'warn' },
  };
  const auditKey = auditLogsStreamKey(org);
  const convKey = conversationsStreamKey(workspace, false);
  // Every audit event seen upstream at any point: the span's start moves on with the clock.
  const auditSeen = new Set<string>();
  const auditExpected = () => {
    const ids = auditIdsNow(LOOKBACK_MS);
    for (const id of ids) auditSeen.add(id);
    return ids;
  };

  const first = await start(config);
  assert.deepEqual([...first.svc.streams].sort(), [auditKey, convKey].sort(), 'the keys export uses');
  const convFirst = conversationKeysNow();
  assert.ok(convFirst.size > 10, `${convFirst.size} conversations`);
  const auditFirst = auditExpected();
  assert.ok(auditFirst.size > 100, `${auditFirst.size} audit events`);
  await waitFor('every audit event and conversation of the lookback', async () => {
    const a = idCounts(await readSinkLines(auditOut));
    const c = idCounts(await readSinkLines(chatsOut));
    return has(a, auditExpected()) && has(c, convFirst);
  });

  // Both streams show in /readyz and in the per-stream metrics, by their keys.
  const ready = await httpGet(first.svc.httpPort, '/readyz');
  assert.equal(ready.status, 200, ready.body);
  assert.equal(JSON.parse(ready.body).streams.total, 2);
  // A poll is counted when it ends (its checkpoint written), a moment after its last record
  // reached the sink: wait for it rather than read the metrics once.
  const metrics = await waitFor('a finished poll of each stream in /metrics', async () => {
    const text = (await httpGet(first.svc.httpPort, '/metrics')).body;
    const polled = [auditKey, convKey].every(
      (stream) => metricValue(text, 'compliance_forwarder_stream_polls_total', { stream, outcome: 'ok' }) > 0,
    );
    return polled && text;
  });
  for (const stream of [auditKey, convKey]) {
    assert.equal(metricValue(metrics, 'compliance_forwarder_stream_failing', { stream }), 0);
  }
  const firstResult = await first.stopped();
  assert.equal(firstResult.error, undefined);
  const store = new CheckpointStore(state);
  assert.ok((await store.load(auditKey)) !== undefined, 'audit logs checkpointed under the export key');
  assert.ok((await store.load(convKey)) !== undefined, 'conversations checkpointed under the export key');
  const deliveredFirst = idCounts(await readSinkLines(auditOut)).size;

  // While the service is down, days pass for the conversations and new audit events take effect.
  convOffsetMs += 2 * DAY;
  const convSecond = conversationKeysNow();
  const changed = [...convSecond].filter((k) => !convFirst.has(k));
  assert.ok(changed.length > 0, 'conversations were updated');
  const stoppedSec = Math.floor(Date.now() / 1000);
  await waitFor(
    'new audit events upstream',
    () => auditSim.auditLogEvents(stoppedSec, Math.floor(Date.now() / 1000) + 1).length >= 3,
  );

  const second = await start(config);
  await waitFor('what changed while the service was down', async () => {
    const a = idCounts(await readSinkLines(auditOut));
    const c = idCounts(await readSinkLines(chatsOut));
    return has(a, auditExpected()) && has(c, convSecond);
  });
  const auditLast = auditExpected();
  assert.equal((await second.stopped()).error, undefined);

  const a = idCounts(await readSinkLines(auditOut));
  const c = idCounts(await readSinkLines(chatsOut));
  assert.ok(a.size > deliveredFirst, 'the restart delivered the new audit events');
  assert.deepEqual(
    [...a].filter(([, n]) => n !== 1),
    [],
    'no audit event twice, across the restart',
  );
  assert.deepEqual(
    [...c].filter(([, n]) => n !== 1),
    [],
    'no conversation version twice, across the restart',
  );
  assert.ok(has(a, auditLast), 'every audit event up to the end');
  for (const id of a.keys())
    assert.ok(auditSeen.has(id), `${id} is an audit event upstream (routed to audit)`);
  assert.deepEqual(
    new Set(c.keys()),
    new Set([...convFirst, ...convSecond]),
    'exactly the conversation versions listed upstream, in the chats sink only',
  );
});

/** Starts `run` in a process and resolves once its HTTP server is up. */
async function startRun(config: string, env: Record<string, string>) {
  const child = spawnCli(['run', '--config', config], env);
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer | string) => {
    stderr += d.toString();
  });
  const result: Promise<CliResult> = collect(child).finally(() => children.delete(child));
  await waitFor('the service to start', () => {
    if (/"msg":"Service started\."/.test(stderr)) return true;
    if (child.exitCode !== null) throw new Error(`run exited early:\n${stderr}`);
    return undefined;
  });
  return { child, result, log: () => stderr };
}

const lines = (prefix: string, from: number, to: number) =>
  Array.from(
    { length: to - from },
    (_, i) => `${JSON.stringify({ event_id: `${prefix}${from + i}`, n: from + i })}\n`,
  ).join('');

/** Writes a file under another name and renames it in, as archive writers do. */
async function drop(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

test('run (process) replays a files archive, then forwards new files and lines as they arrive; routes split it from audit logs; a restart sends nothing twice', async () => {
  const dir = await tmp.make();
  const archive = join(dir, 'archive');
  const out = { archive: join(dir, 'out-archive'), audit: join(dir, 'out-audit') };
  const state = join(dir, 'state');
  await mkdir(archive);
  await drop(join(archive, '2026-01-01.jsonl'), lines('a', 0, 300));
  const pattern = join(archive, '*.jsonl');
  const configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      sources: [
        { type: 'files', paths: [pattern], eventType: 'LOCAL_ARCHIVE', segmentBytes: 64 * 1024 },
        // Key and base URL from the environment, as `export --source audit-logs` takes them.
        { type: 'audit-logs', organizationId: audit.sampleOrgId, ...FAST_API },
      ],
      sinks: [
        { type: 'file', name: 'archive', directory: out.archive, fsync: false, lingerMs: 20 },
        { type: 'file', name: 'audit', directory: out.audit, fsync: false, lingerMs: 20 },
      ],
      routes: [
        { eventTypes: ['LOCAL_ARCHIVE'], sinks: ['archive'] },
        { eventTypes: ['API_AUDIT_LOG'], sinks: ['audit'] },
      ],
      state: { dir: state },
      service: {
        pollIntervalMs: 200,
        pollJitterRatio: 0,
        lookback: '-30m',
        httpPort: 0,
        httpHost: '127.0.0.1',
        shutdownGraceMs: 10_000,
      },
      log: { level: 'info' },
    }),
  );
  const env = { OPENAI_ADMIN_KEY: audit.apiKey, OPENAI_API_BASE: audit.apiBase };
  const want = new Set<string>();
  const expect = (prefix: string, from: number, to: number) => {
    for (let i = from; i < to; i++) want.add(`${prefix}${i}`);
  };
  const archived = async () => idCounts(await readSinkLines(out.archive));
  expect('a', 0, 300);

  const first = await startRun(configPath, env);
  await waitFor('the archive replayed', async () => has(await archived(), want));
  // A new file while running, its last line still being written (no line break yet).
  await drop(join(archive, '2026-01-02.jsonl'), `${lines('b', 0, 100)}{"event_id":"b100","n"`);
  expect('b', 0, 100);
  await waitFor('the new file', async () => has(await archived(), want));
  // The unfinished line was left for later, not delivered cut (nor dead-lettered).
  assert.ok(!(await archived()).has('b100'));
  await appendFile(join(archive, '2026-01-02.jsonl'), `:100}\n${lines('b', 101, 150)}`);
  expect('b', 100, 150);
  await waitFor('the lines added to the file', async () => has(await archived(), want));
  const auditIds = auditIdsNow(30 * 60_000);
  await waitFor('audit events', async () => has(idCounts(await readSinkLines(out.audit)), auditIds));
  first.child.kill('SIGTERM');
  const r1 = await first.result;
  assert.equal(r1.code, 0, first.log());

  // While it is down a file arrives; the restart replays only that one.
  await drop(join(archive, '2026-01-03.jsonl'), lines('c', 0, 200));
  expect('c', 0, 200);
  const second = await startRun(configPath, env);
  await waitFor('the file that arrived while stopped', async () => has(await archived(), want));
  // A few more polls (every 200 ms) before it stops: nothing already delivered may come again.
  await new Promise((r) => setTimeout(r, 1000));
  second.child.kill('SIGTERM');
  const r2 = await second.result;
  assert.equal(r2.code, 0, second.log());

  const counts = await archived();
  assert.deepEqual(new Set(counts.keys()), want, 'exactly the archived records, in the archive sink');
  assert.deepEqual(
    [...counts].filter(([, n]) => n !== 1),
    [],
    'no record twice, across the restart',
  );
  const auditCounts = idCounts(await readSinkLines(out.audit));
  assert.ok(auditCounts.size >= auditIds.size);
  assert.ok(
    [...auditCounts.keys()].every((id) => !want.has(id)),
    'no archive record in the audit sink',
  );
  assert.deepEqual(
    [...auditCounts].filter(([, n]) => n !== 1),
    [],
    'no audit event twice, across the restart',
  );
  const checkpoint = await new CheckpointStore(state).load(filesStreamKey(pattern));
  assert.ok(
    checkpoint?.idsAtEndTime[0]?.endsWith('2026-01-03.jsonl'),
    'the checkpoint export uses, at the last file',
  );
  const deadLetters = await readFile(join(state, 'dead-letter.jsonl'), 'utf8').catch(() => '');
  assert.equal(deadLetters, '', 'nothing dead-lettered: the unfinished line was read whole, later');
});
