import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { type CliResult, collect, spawnCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { startHecReceiver } from '../infra/hec-receiver.ts';
import { startKafkaBroker } from '../infra/kafka.ts';
import { startRsyslog } from '../infra/rsyslog.ts';
import { httpGet } from '../integration/service-helpers.ts';
import { waitFor } from './sink-fault-harness.ts';

/*
 * Recognisable test secrets (API key, HEC token, SASL password, syslog key passphrase) go through
 * a representative set of export runs, good and failing, and of `run` services, at debug log
 * level. Everything they produce — stdout, stderr, output files, dead-letter files, checkpoints,
 * and the services' /metrics, /readyz and /healthz answers — is searched: zero hits.
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
let baseUrl: string;
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
  baseUrl = info.baseUrl;
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

/** Captures every file under `dir` (output, dead letters, checkpoints). */
async function captureFiles(what: string, dir: string): Promise<void> {
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    captured.push({ what: `${what} file ${path}`, text: (await readFile(path)).toString('latin1') });
  }
}

/** A free loopback port (the service's HTTP port must be known before its sinks start). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts `run` with a JSON config; `scrape()` captures /metrics, /readyz and /healthz. */
async function startService(what: string, dir: string, sinks: unknown[], env: Record<string, string>) {
  const port = await freePort();
  const config = join(dir, 'service.json');
  const lookback = new Date(sim.now().getTime() - 2 * 3_600_000).toISOString();
  await writeFile(
    config,
    JSON.stringify({
      source: { listsPerMinute: 1000, downloadsPerMinute: 1000, rateWindowMs: 1000, baseUrl },
      principals: [{ id: workspace, eventTypes: ['AUDIT_LOG'] }],
      sinks,
      state: { dir: join(dir, 'state') },
      service: {
        pollIntervalMs: 500,
        lookback,
        httpPort: port,
        httpHost: '127.0.0.1',
        shutdownGraceMs: 5000,
      },
      log: { level: 'debug' },
    }),
  );
  const child: ChildProcess = spawnCli(['run', '--config', config], { ...baseEnv, ...env });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = collect(child).finally(() => clearTimeout(killer));
  let scrapes = 0;
  return {
    child,
    /** Captures the three endpoints; resolves with /metrics, or undefined when the service is gone. */
    async scrape(): Promise<string | undefined> {
      const got = await Promise.all(
        ['/metrics', '/readyz', '/healthz'].map((p) => httpGet(port, p).catch(() => undefined)),
      );
      got.forEach((g, i) => {
        if (g !== undefined) captured.push({ what: `${what} scrape ${scrapes} #${i}`, text: g.body });
      });
      scrapes++;
      return got[0]?.body;
    },
    /** SIGTERM; a second one (documented: exits at once) if the first has not ended it in 5 s. */
    async stop(): Promise<CliResult & { secondSignal: boolean }> {
      child.kill('SIGTERM');
      let secondSignal = false;
      const again = setTimeout(() => {
        secondSignal = true;
        child.kill('SIGTERM');
      }, 5_000);
      const r = { ...(await result), secondSignal };
      clearTimeout(again);
      captured.push({ what: `${what} stdout`, text: r.stdout }, { what: `${what} stderr`, text: r.stderr });
      await captureFiles(what, dir);
      return r;
    },
  };
}

test('run service into HEC (token) and a file sink, then the token revoked: /metrics, health and logs hold no secret', async () => {
  const hec = await startHecReceiver({ ack: true, token: HEC_TOKEN });
  stops.push(hec.stop);
  const dir = await tmp.make();
  const svc = await startService(
    'service hec',
    dir,
    [
      { type: 'file', directory: join(dir, 'out'), fsync: false },
      { type: 'splunk-hec', url: hec.url, useAck: true, ackPollIntervalMs: 100, lingerMs: 50 },
    ],
    { HEC_TOKEN },
  );
  // Forwarding: the sinks' counters have moved.
  await waitFor('events forwarded to HEC', async () =>
    (await hec.stats()).events > 0 ? (await svc.scrape()) !== undefined : svc.child.exitCode !== null,
  );
  assert.equal(svc.child.exitCode, null, 'the service runs');
  await hec.configure({ disabledTokens: [HEC_TOKEN] });
  await hec.fault({ status: 503, code: 9, count: 2 });
  // The failure shows in /metrics (error counters with their codes) or ends the service.
  await waitFor(
    'the revoked token to show',
    async () => {
      const m = await svc.scrape();
      return m === undefined || /CF_ERR_SINK_AUTH/.test(m);
    },
    30_000,
  );
  const r = await svc.stop();
  assert.ok(
    captured.some((c) => c.what.startsWith('service hec scrape') && c.text.includes('# TYPE')),
    'metrics were scraped',
  );
  assert.match(
    `${r.stderr}${captured.map((c) => c.text).join('')}`,
    /CF_ERR_SINK_AUTH/,
    'the token problem is reported',
  );
});

test('run service with a Kafka SASL password, waiting on a silent broker: /metrics and logs hold no secret', async () => {
  // A broker address that accepts connections and never answers: the sink keeps trying to log
  // in while the service's HTTP endpoints already answer.
  const sockets = new Set<Socket>();
  const silent: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });
  const dir = await tmp.make();
  const svc = await startService(
    'service kafka sasl',
    dir,
    [
      {
        type: 'kafka',
        brokers: [`127.0.0.1:${(silent.address() as { port: number }).port}`],
        sasl: { mechanism: 'plain', username: 'cf-user', password: { env: 'KAFKA_SASL_PASSWORD' } },
        requestTimeoutMs: 20_000,
      },
    ],
    { KAFKA_SASL_PASSWORD: SASL_PASSWORD },
  );
  let metrics: string | undefined;
  await waitFor(
    '/metrics to answer',
    async () => {
      metrics = await svc.scrape();
      return metrics !== undefined || svc.child.exitCode !== null;
    },
    20_000,
  );
  assert.ok(metrics?.includes('# TYPE'), 'the service answered /metrics while its sink connects');
  const r = await svc.stop();
  // kafkajs keeps retrying its connection in the background after the sink gave up on it; the
  // CLI must still exit on the first signal, as Kubernetes expects.
  assert.equal(r.secondSignal, false, 'one SIGTERM stops a service whose Kafka sink is still connecting');
  assert.equal(r.code, 0, r.stderr);
});

test('zero hits for every test secret in everything captured above', () => {
  assert.ok(captured.length > 20, `captured ${captured.length} outputs`);
  const hits: string[] = [];
  for (const { what, text } of captured) {
    for (const s of secrets) if (text.includes(s)) hits.push(`${what} contains ${s.slice(0, 6)}…`);
  }
  assert.deepEqual(hits, []);
});
