import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Simulator } from '../../src/simulator/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { runCli } from '../helpers/cli.ts';
import { expectedEvents, exportCliArgs, startExportSimulator, TempDirs } from '../helpers/export-fixtures.ts';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.ts';
import { startKafkaBroker } from '../infra/kafka.ts';
import { startRsyslog } from '../infra/rsyslog.ts';

/*
 * `export` end to end into each network sink, started by this file on loopback: the command
 * line drives the sink, every event of the window arrives once, and no secret reaches stderr.
 */
const tmp = new TempDirs();
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
let window: { after: string; before: string };
let fastConfig: string;

before(async () => {
  ({ sim, env, workspace, window, fastConfig } = await startExportSimulator('export-sinks', tmp));
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

function exportArgs(state: string, sinkArgs: string[]): string[] {
  return exportCliArgs(
    { workspace, types: ['AUDIT_LOG', 'AUTH_LOG'], window, state, config: fastConfig },
    sinkArgs,
  );
}

test('export --sink splunk-hec with indexer acknowledgement delivers every event once', async () => {
  const hec: HecReceiver = await startHecReceiver({ ack: true });
  try {
    const dir = await tmp.make();
    const expected = expectedEvents(sim, workspace, ['AUDIT_LOG', 'AUTH_LOG'], window.after, window.before);
    const r = await runCli(
      exportArgs(join(dir, 'state'), ['--sink', 'splunk-hec', '--hec-url', hec.url, '--hec-ack']),
      {
        ...env,
        HEC_TOKEN: hec.token,
        LOG_LEVEL: 'debug',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const events = await hec.events();
    const ids = events.map((e) => e.event.event_id as string);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(new Set(ids), expected.ids);
    assert.equal(events[0]!.sourcetype?.startsWith('openai:compliance:'), true);
    assert.ok(!r.stderr.includes(hec.token), 'the HEC token is never logged');
    assert.ok(!r.stderr.includes(env.COMPLIANCE_API_KEY!), 'the API key is never logged');
    const cp = await new CheckpointStore(join(dir, 'state')).load(`workspace/${workspace}/AUTH_LOG`);
    assert.ok(cp !== undefined);
  } finally {
    await hec.stop();
  }
});

test('a wrong HEC token fails before any download, exit 1, no checkpoint, token not printed', async () => {
  const hec = await startHecReceiver();
  try {
    const dir = await tmp.make();
    const before = sim.stats().downloadRequests;
    const r = await runCli(exportArgs(join(dir, 'state'), ['--hec-url', hec.url]), {
      ...env,
      HEC_TOKEN: 'wrong-token-0000-1111',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /token/i);
    assert.ok(!r.stderr.includes('wrong-token-0000-1111'));
    assert.equal(sim.stats().downloadRequests, before, 'nothing was downloaded');
    assert.deepEqual(await new CheckpointStore(join(dir, 'state')).list(), []);
  } finally {
    await hec.stop();
  }
});

test('export --sink syslog over TLS delivers every event once as RFC 5424 with the raw record as MSG', async () => {
  const rsyslog = await startRsyslog();
  try {
    const dir = await tmp.make();
    const expected = expectedEvents(sim, workspace, ['AUDIT_LOG', 'AUTH_LOG'], window.after, window.before);
    const r = await runCli(
      exportArgs(join(dir, 'state'), ['--syslog-url', rsyslog.url('tls'), '--syslog-ca', rsyslog.caFile]),
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const messages = await rsyslog.waitForMessages(expected.ids.size);
    const ids = messages.map((m) => (JSON.parse(m.msg) as { event_id: string }).event_id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(new Set(ids), expected.ids);
    assert.ok(messages.every((m) => m.appname === 'compliance-forwarder' && m.input === 'tls'));
    assert.ok(messages.some((m) => m.msgid === 'AUDIT_LOG') && messages.some((m) => m.msgid === 'AUTH_LOG'));
  } finally {
    await rsyslog.close();
  }
});

test('export --sink kafka delivers every event once, keyed by event_id, one topic per event type', async () => {
  const kafka = await startKafkaBroker({
    topics: ['openai.compliance.audit_log:3', 'openai.compliance.auth_log:3'],
  });
  try {
    const dir = await tmp.make();
    const expected = expectedEvents(sim, workspace, ['AUDIT_LOG', 'AUTH_LOG'], window.after, window.before);
    const r = await runCli(exportArgs(join(dir, 'state'), ['--kafka-brokers', kafka.bootstrap]), env);
    assert.equal(r.code, 0, r.stderr);
    const ids: string[] = [];
    for (const topic of ['openai.compliance.audit_log', 'openai.compliance.auth_log']) {
      const { records } = await kafka.consume(topic);
      for (const rec of records) {
        const value = JSON.parse(rec.payload!) as { event_id: string; type: string };
        assert.equal(rec.key, value.event_id, 'the key is the event id');
        assert.equal(topic, `openai.compliance.${value.type.toLowerCase()}`);
        ids.push(value.event_id);
      }
    }
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(new Set(ids), expected.ids);
  } finally {
    await kafka.stop();
  }
});
