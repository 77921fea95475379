import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { auditLogsExport, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';
import { startHecReceiver } from '../infra/hec-receiver.ts';
import { startKafkaBroker } from '../infra/kafka.ts';
import { startRsyslog } from '../infra/rsyslog.ts';

/*
 * The forwarder's own archive replayed into each sink looks like the original export into that
 * sink: every event keeps its own type (topic, sourcetype, MSGID), its own time (HEC time, syslog
 * TIMESTAMP, Kafka timestamp), its key and its event id. The archive is what `export` wrote with
 * the file sink: Compliance Logs Platform records (AUDIT_LOG, AUTH_LOG: a `timestamp`) and API
 * audit log events (API_AUDIT_LOG: `effective_at` in seconds, noted as `_forwarder.event_time`).
 */
const tmp = new TempDirs();
let sim: Simulator;
let archive: string;
let info: Awaited<ReturnType<Simulator['start']>>;
let auditAfter: string;
/** event_id -> what the original export said about it. */
const original = new Map<string, { type: string; timeMs: number; line: string }>();

interface ArchivedRecord {
  event_id: string;
  timestamp?: string;
  effective_at?: number;
  _forwarder: { event_type: string };
}

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'replay-round-trip',
    spanMs: 86_400_000,
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  info = await sim.start();
  auditAfter = new Date(sim.now().getTime() - 3 * 3_600_000).toISOString();
  archive = await tmp.make();
  const fast = join(archive, 'fast.yaml');
  await writeFile(
    fast,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n',
  );
  const start = Math.floor((sim.now().getTime() - 2 * 3_600_000) / 600_000) * 600_000;
  const compliance = await runCli(
    [
      'export',
      '--principal',
      info.sampleWorkspaceId,
      '--event-type',
      'AUDIT_LOG,AUTH_LOG',
      '--after',
      new Date(start).toISOString(),
      '--before',
      new Date(start + 3_600_000).toISOString(),
      '--config',
      fast,
      '--out',
      join(archive, 'compliance'),
      '--no-progress',
    ],
    { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl },
  );
  assert.equal(compliance.code, 0, compliance.stderr);
  const audit = await runCli(
    [
      'export',
      '--source',
      'audit-logs',
      '--principal',
      info.sampleOrgId,
      '--after',
      auditAfter,
      '--out',
      join(archive, 'audit'),
      '--no-progress',
    ],
    { OPENAI_ADMIN_KEY: info.apiKey, OPENAI_API_BASE: info.apiBase },
  );
  assert.equal(audit.code, 0, audit.stderr);
  for (const line of [
    ...(await readOutputLines(join(archive, 'compliance'))),
    ...(await readOutputLines(join(archive, 'audit'))),
  ]) {
    const r = JSON.parse(line) as ArchivedRecord;
    const timeMs = r.timestamp !== undefined ? Date.parse(r.timestamp) : r.effective_at! * 1000;
    original.set(r.event_id, { type: r._forwarder.event_type, timeMs, line });
  }
  const types = new Set([...original.values()].map((o) => o.type));
  assert.deepEqual(types, new Set(['AUDIT_LOG', 'AUTH_LOG', 'API_AUDIT_LOG']), 'all three types archived');
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

/** `export --source files` of the whole archive into the sink the flags name. */
function replay(sinkArgs: string[], env: Record<string, string> = {}) {
  return runCli(
    [
      'export',
      '--source',
      'files',
      '--path',
      join(archive, 'compliance', '**', '*.jsonl*'),
      '--path',
      join(archive, 'audit', '**', '*.jsonl*'),
      '--no-progress',
      ...sinkArgs,
    ],
    env,
  );
}

function assertSameIds(ids: string[]): void {
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
  assert.deepEqual(new Set(ids), new Set(original.keys()));
}

test('replayed into the file sink: the very lines of the original export', async () => {
  const out = await tmp.make();
  // One directory per event type, to see that each record keeps its own.
  const config = join(out, 'file-sink.yaml');
  await writeFile(
    config,
    `sinks:\n  - type: file\n    directory: ${JSON.stringify(out)}\n    perEventType: true\n`,
  );
  const r = await replay(['--config', config]);
  assert.equal(r.code, 0, r.stderr);
  const lines = await readOutputLines(out);
  assertSameIds(lines.map((l) => (JSON.parse(l) as ArchivedRecord).event_id));
  assert.deepEqual(new Set(lines), new Set([...original.values()].map((o) => o.line)));
  // Not one ARCHIVE directory.
  const dirs = (await readdir(out, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(new Set(dirs), new Set(['AUDIT_LOG', 'AUTH_LOG', 'API_AUDIT_LOG']));
});

test('replayed into the HEC: sourcetype per type, time = the event time (effective_at for audit events)', async () => {
  const hec = await startHecReceiver();
  try {
    const r = await replay(['--hec-url', hec.url], { HEC_TOKEN: hec.token });
    assert.equal(r.code, 0, r.stderr);
    const events = await hec.events();
    assertSameIds(events.map((e) => e.event.event_id as string));
    for (const e of events) {
      const o = original.get(e.event.event_id as string)!;
      assert.equal(e.sourcetype, `openai:compliance:${o.type.toLowerCase()}`);
      assert.equal(Math.round(e.time! * 1000), o.timeMs, `time of ${o.type}`);
      if (o.type === 'API_AUDIT_LOG') assert.equal(e.time, e.event.effective_at);
    }
  } finally {
    await hec.stop();
  }
});

test('replayed into syslog: MSGID per type, TIMESTAMP = the event time', async () => {
  const rsyslog = await startRsyslog();
  try {
    const r = await replay(['--syslog-url', rsyslog.url('tcp')]);
    assert.equal(r.code, 0, r.stderr);
    const messages = await rsyslog.waitForMessages(original.size);
    assertSameIds(messages.map((m) => (JSON.parse(m.msg) as ArchivedRecord).event_id));
    for (const m of messages) {
      const o = original.get((JSON.parse(m.msg) as ArchivedRecord).event_id)!;
      assert.equal(m.msgid, o.type);
      assert.equal(Date.parse(m.timestamp), o.timeMs, `TIMESTAMP of ${o.type}: ${m.timestamp}`);
    }
  } finally {
    await rsyslog.close();
  }
});

test('replayed into Kafka: one topic per type, keyed by event_id, timestamped with the event time', async () => {
  const topics = [
    'openai.compliance.audit_log',
    'openai.compliance.auth_log',
    'openai.compliance.api_audit_log',
  ];
  const kafka = await startKafkaBroker({ topics: topics.map((t) => `${t}:3`) });
  try {
    const r = await replay(['--kafka-brokers', kafka.bootstrap]);
    assert.equal(r.code, 0, r.stderr);
    const ids: string[] = [];
    for (const topic of topics) {
      const { records } = await kafka.consume(topic);
      for (const rec of records) {
        const value = JSON.parse(rec.payload!) as ArchivedRecord;
        const o = original.get(value.event_id)!;
        assert.equal(topic, `openai.compliance.${o.type.toLowerCase()}`);
        assert.equal(rec.key, value.event_id);
        assert.equal((rec as unknown as { ts: number }).ts, o.timeMs, `timestamp of ${o.type}`);
        ids.push(value.event_id);
      }
    }
    assertSameIds(ids);
  } finally {
    await kafka.stop();
  }
});

test('audit-logs straight into the HEC: time is effective_at; the replay gives the same envelopes', async () => {
  const hec = await startHecReceiver();
  try {
    const cmd = auditLogsExport(info, auditAfter, ['--no-progress', '--hec-url', hec.url]);
    const r = await runCli(cmd.args, { ...cmd.env, HEC_TOKEN: hec.token });
    assert.equal(r.code, 0, r.stderr);
    const direct = await hec.events();
    const audit = [...original.values()].filter((o) => o.type === 'API_AUDIT_LOG');
    assert.equal(direct.length, audit.length);
    for (const e of direct) {
      assert.equal(e.time, e.event.effective_at, 'HEC time is the event time, not the ingest time');
      assert.equal(e.sourcetype, 'openai:compliance:api_audit_log');
    }
    await hec.clearEvents();
    const again = await runCli(
      [
        'export',
        '--source',
        'files',
        '--path',
        join(archive, 'audit', '**', '*.jsonl*'),
        '--no-progress',
      ].concat(['--hec-url', hec.url]),
      { HEC_TOKEN: hec.token },
    );
    assert.equal(again.code, 0, again.stderr);
    const view = (events: typeof direct) =>
      new Map(events.map((e) => [e.event.event_id as string, { time: e.time, sourcetype: e.sourcetype }]));
    assert.deepEqual(view(await hec.events()), view(direct));
  } finally {
    await hec.stop();
  }
});
