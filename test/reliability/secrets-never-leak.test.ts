import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { type CliResult, collect, spawnCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { startHecReceiver } from '../infra/hec-receiver.ts';
import { startKafkaBroker } from '../infra/kafka.ts';
import { startRsyslog } from '../infra/rsyslog.ts';

/*
 * Recognisable test secrets (API key, HEC token, SASL password, syslog key passphrase) go through
 * a representative set of export runs, good and failing, at debug log level. Everything they
 * produce — stdout, stderr, output files, dead-letter files, checkpoints — is searched: zero hits.
 */
const API_KEY = 'sk-cf-secret-apikey-7d1e0c5a9b';
const HEC_TOKEN = '0f1e2d3c-cf-secret-hec-token-4b5a';
const SASL_PASSWORD = 'cf-secret-sasl-password-91ab';
/** Secrets searched for; the syslog passphrase is random per receiver and added when known. */
const secrets = [API_KEY, HEC_TOKEN, SASL_PASSWORD];
const tmp = new TempDirs();
const captured: Array<{ what: string; text: string }> = [];
const stops: Array<() => Promise<unknown>> = [];
let sim: Simulator;
let baseEnv: Record<string, string>;
let workspace: string;
let window: { after: string; before: string };
let config: string;

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'secrets',
    apiKey: API_KEY,
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  baseEnv = { COMPLIANCE_API_KEY: API_KEY, COMPLIANCE_API_BASE: info.baseUrl, LOG_LEVEL: 'debug' };
  const start = Math.floor((sim.now().getTime() - 2 * 86_400_000) / 600_000) * 600_000;
  window = { after: new Date(start).toISOString(), before: new Date(start + 2 * 3_600_000).toISOString() };
  config = join(await tmp.make(), 'c.yaml');
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n',
  );
});
after(async () => {
  for (const stop of stops.reverse()) await stop();
  await sim.stop();
  await tmp.cleanup();
});

/** Runs an export, captures its output and every file it wrote; kills it if it outlives `limitMs`. */
async function exportRun(
  what: string,
  sinkArgs: string[],
  env: Record<string, string>,
  limitMs = 30_000,
): Promise<CliResult> {
  const dir = await tmp.make();
  const child = spawnCli(
    [
      'export',
      '--principal',
      workspace,
      '--event-type',
      'AUDIT_LOG',
      '--after',
      window.after,
      '--before',
      window.before,
      '--state-dir',
      join(dir, 'state'),
      '--config',
      config,
      ...sinkArgs.map((a) => a.replace('@DIR@', dir)),
    ],
    { ...baseEnv, ...env },
  );
  const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
  const r = await collect(child);
  clearTimeout(timer);
  captured.push({ what: `${what} stdout`, text: r.stdout }, { what: `${what} stderr`, text: r.stderr });
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    captured.push({ what: `${what} file ${path}`, text: (await readFile(path)).toString('latin1') });
  }
  return r;
}

test('file sink, then a wrong API key: output, dead letters and errors hold no secret', async () => {
  assert.equal((await exportRun('file', ['--out', '@DIR@/out'], {})).code, 0);
  const bad = await exportRun('wrong key', ['--out', '@DIR@/out'], {
    COMPLIANCE_API_KEY: `${API_KEY}-wrong`,
  });
  assert.notEqual(bad.code, 0);
  assert.equal(sim.stats().authHeadersOnSigned, 0, 'the bearer token never reached the signed-URL origin');
});

test('HEC with acknowledgement, then the token revoked: no secret in any output', async () => {
  const hec = await startHecReceiver({ ack: true, token: HEC_TOKEN });
  stops.push(hec.stop);
  const args = ['--sink', 'splunk-hec', '--hec-url', hec.url, '--hec-ack'];
  assert.equal((await exportRun('hec', args, { HEC_TOKEN })).code, 0);
  await hec.configure({ disabledTokens: [HEC_TOKEN] });
  const revoked = await exportRun('hec revoked', args, { HEC_TOKEN });
  assert.notEqual(revoked.code, 0, 'a revoked token is fatal');
  assert.match(revoked.stderr, /token/i, 'the error names the token problem');
});

test('syslog over mutual TLS with an encrypted client key: the passphrase stays secret', async () => {
  const rsyslog = await startRsyslog();
  stops.push(rsyslog.close);
  const r = await exportRun(
    'syslog mtls',
    [
      '--syslog-url',
      rsyslog.url('mtls'),
      '--syslog-ca',
      rsyslog.caFile,
      '--syslog-cert',
      rsyslog.clientCertFile,
      '--syslog-key',
      rsyslog.clientKeyFile,
    ],
    { SYSLOG_KEY_PASSPHRASE: rsyslog.clientKeyPassphrase },
  );
  assert.equal(r.code, 0, r.stderr);
  const wrong = await exportRun(
    'syslog mtls wrong passphrase',
    [
      '--syslog-url',
      rsyslog.url('mtls'),
      '--syslog-ca',
      rsyslog.caFile,
      '--syslog-cert',
      rsyslog.clientCertFile,
      '--syslog-key',
      rsyslog.clientKeyFile,
    ],
    { SYSLOG_KEY_PASSPHRASE: `${rsyslog.clientKeyPassphrase}x` },
  );
  assert.notEqual(wrong.code, 0);
  secrets.push(rsyslog.clientKeyPassphrase, `${rsyslog.clientKeyPassphrase}x`);
});

test('Kafka SASL against a broker without SASL: the failure does not print the password', async () => {
  const kafka = await startKafkaBroker({ brokers: 1, topics: ['openai.compliance.audit_log:1'] });
  stops.push(kafka.stop);
  const r = await exportRun(
    'kafka sasl',
    [
      '--kafka-brokers',
      kafka.bootstrap,
      '--kafka-sasl-mechanism',
      'plain',
      '--kafka-sasl-username',
      'cf-user',
    ],
    { KAFKA_SASL_PASSWORD: SASL_PASSWORD },
    20_000,
  );
  assert.notEqual(r.code, 0, 'SASL against a plaintext-only broker fails');
});

test('zero hits for every test secret in everything captured above', () => {
  assert.ok(captured.length > 8, `captured ${captured.length} outputs`);
  const hits: string[] = [];
  for (const { what, text } of captured) {
    for (const s of secrets) if (text.includes(s)) hits.push(`${what} contains ${s.slice(0, 6)}…`);
  }
  assert.deepEqual(hits, []);
});
