import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Secret } from '../../src/core/secret.ts';
import { Simulator } from '../../src/simulator/index.ts';
import {
  AuditLogsClient,
  type AuditLogsStreamOptions,
  auditLogsStream,
  auditLogsStreamKey,
} from '../../src/sources/audit-logs/index.ts';
import { FAST_HTTP, loadResume, runSources } from './source-helpers.ts';

/*
 * The API Platform audit log against the simulator: newest-first pages delivered oldest first
 * (in memory and through the spill file), the resume overlap re-read with late events picked up
 * and delivered events skipped, 429 waited out.
 */

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cf-audit-'));
  dirs.push(d);
  return d;
}

const HOUR = 3_600_000;
/** The simulator's time: frozen, moved only by the tests (so expectations and runs see the same). */
const base = Date.now();
let offsetMs = 0;
const simNow = () => base + offsetMs;
let sim: Simulator;
let org: string;
const clients: AuditLogsClient[] = [];

before(async () => {
  sim = new Simulator({
    seed: 'audit-logs-test',
    port: 0,
    live: true,
    clock: () => new Date(simNow()),
    auditLogs: { eventsPerMinute: { min: 0, max: 5 }, lateRatio: 0.25, maxLateMs: 90_000 },
    faults: { rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: null } },
  });
  const info = await sim.start();
  org = info.sampleOrgId;
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.stop();
});

function client(): AuditLogsClient {
  const c = new AuditLogsClient({
    baseUrl: sim.info.apiBase,
    adminKey: new Secret(sim.info.apiKey),
    ...FAST_HTTP,
  });
  clients.push(c);
  return c;
}

function options(overrides: Partial<AuditLogsStreamOptions>): AuditLogsStreamOptions {
  return {
    organizationId: org,
    after: isoAt(simNow() - 2 * HOUR),
    pageSize: 7,
    overlapMs: 120_000,
    sliceMs: HOUR,
    memoryMaxBytes: 8 * 1024 * 1024,
    batchMaxRecords: 50,
    batchMaxBytes: 1024 * 1024,
    recentIdsMax: 10_000,
    ...overrides,
  };
}

const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);
/** Whole seconds, so that a window's exclusive bounds mean the same to the source and to the expectation. */
const isoAt = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

test('newest-first pages are delivered oldest first, each event once, in memory and through the spill file', async () => {
  const window = {
    after: isoAt(simNow() - 3 * HOUR),
    before: isoAt(simNow() - HOUR),
  };
  const expected = sim.auditLogEvents(sec(window.after), sec(window.before));
  assert.ok(expected.length > 100, `the window holds ${expected.length} events`);
  for (const memoryMaxBytes of [8 * 1024 * 1024, 4096]) {
    const state = await tempDir();
    const run = await runSources([auditLogsStream(client(), options({ ...window, memoryMaxBytes }))], {
      stateDir: state,
    });
    assert.equal(run.result.error, undefined);
    assert.deepEqual(
      run.objects.map((o) => o.id),
      expected.map((e) => e.id),
      `every event once, oldest first (memoryMaxBytes ${memoryMaxBytes})`,
    );
    assert.ok(
      run.objects.every((o) => o.event_id === o.id),
      'event_id carries the audit id',
    );
    const times = run.objects.map((o) => o.effective_at as number);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    // The listing reached the window's end: the checkpoint sits there, with the overlap's ids.
    const lastSecond = Math.ceil(Date.parse(window.before) / 1000) - 1;
    const cp = await loadResume(state, auditLogsStreamKey(org));
    assert.equal(sec(cp!.endTime), lastSecond);
    const inOverlap = expected.filter((e) => e.effectiveAt >= lastSecond - 120).map((e) => e.id);
    assert.deepEqual(
      cp!.idsAtEndTime.map((s) => s.slice(s.indexOf('|') + 1)),
      inOverlap,
    );
  }
});

test('a resumed run re-reads the overlap: late events are delivered, delivered ones are not repeated', async () => {
  const state = await tempDir();
  // Stop the clock 15 s after an event that became visible only 40 s or more after it took effect.
  const lateOne = sim
    .auditLogEvents(sec(isoAt(simNow() - 3 * HOUR)), sec(isoAt(simNow() - HOUR)), true)
    .find((e) => e.visibleAtMs - e.effectiveAt * 1000 >= 40_000);
  assert.ok(lateOne !== undefined, 'the simulator has late events');
  offsetMs = lateOne.effectiveAt * 1000 + 15_000 - base;
  const start = isoAt(simNow() - HOUR);
  const first = await runSources(
    [auditLogsStream(client(), options({ after: start, before: isoAt(simNow()) }))],
    {
      stateDir: state,
    },
  );
  assert.equal(first.result.error, undefined);
  const firstIds = new Set(first.objects.map((o) => o.id as string));
  const checkpoint = await loadResume(state, auditLogsStreamKey(org));
  assert.ok(checkpoint !== undefined);

  offsetMs += 5 * 60_000; // five minutes later, the late events of the first run's end are visible
  const end = isoAt(simNow());
  const second = await runSources(
    [auditLogsStream(client(), options({ after: start, before: end, resume: checkpoint }))],
    { stateDir: state },
  );
  assert.equal(second.result.error, undefined);
  const secondIds = second.objects.map((o) => o.id as string);
  assert.ok(
    secondIds.every((id) => !firstIds.has(id)),
    'nothing delivered twice across the runs',
  );
  const late = second.objects.filter((o) => (o.effective_at as number) <= sec(checkpoint.endTime));
  assert.ok(
    late.some((o) => o.id === lateOne.id),
    'the overlap brought the event that was not visible at the first run',
  );
  assert.ok(!firstIds.has(lateOne.id));

  const expected = sim.auditLogEvents(sec(start), sec(end)).map((e) => e.id);
  assert.deepEqual(
    new Set([...firstIds, ...secondIds]),
    new Set(expected),
    'together, every event of the window',
  );
  assert.equal(firstIds.size + secondIds.length, expected.length);
});

test('429 answers are waited out (Retry-After) and the listing completes', async () => {
  sim.setFaults({ rateLimit: { list: { limit: 4, windowMs: 1000 } } });
  try {
    const before429 = sim.stats().rateLimited;
    const window = {
      after: isoAt(simNow() - 40 * 60_000),
      before: isoAt(simNow() - 20 * 60_000),
    };
    const run = await runSources([auditLogsStream(client(), options({ ...window, pageSize: 5 }))]);
    assert.equal(run.result.error, undefined);
    assert.ok(sim.stats().rateLimited > before429, 'the simulator answered 429');
    assert.deepEqual(
      run.objects.map((o) => o.id),
      sim.auditLogEvents(sec(window.after), sec(window.before)).map((e) => e.id),
    );
  } finally {
    sim.resetFaults();
  }
});

test('event type filters reach the API and make a stream of their own', async () => {
  const window = {
    after: isoAt(simNow() - 2 * HOUR),
    before: isoAt(simNow() - HOUR),
  };
  const types = ['login.failed', 'api_key.created'];
  const stream = auditLogsStream(client(), options({ ...window, eventTypes: types }));
  assert.notEqual(stream.key, auditLogsStreamKey(org));
  const run = await runSources([stream]);
  const expected = sim
    .auditLogEvents(sec(window.after), sec(window.before))
    .filter((e) => types.includes(e.type));
  assert.ok(expected.length > 0);
  assert.deepEqual(
    run.objects.map((o) => o.id),
    expected.map((e) => e.id),
  );
});

test('a revoked admin key fails the stream with a message naming the admin key, never the key itself', async () => {
  const bad = new AuditLogsClient({
    baseUrl: sim.info.apiBase,
    adminKey: new Secret('sk-admin-not-a-real-key-0000'),
    ...FAST_HTTP,
  });
  clients.push(bad);
  const run = await runSources([auditLogsStream(bad, options({}))]);
  assert.equal(run.result.error?.code, 'CF_ERR_HTTP_AUTH');
  assert.match(run.result.error!.message, /admin key/);
  assert.doesNotMatch(run.result.error!.message, /sk-admin-not-a-real-key/);
  assert.equal(run.objects.length, 0);
});
