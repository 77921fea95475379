import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { countIds, expectedEvents, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';
import { type HecReceiver, makeSelfSignedCert, startHecReceiver } from '../infra/hec-receiver.ts';
import { makeCaAndServerCert, startTinyproxy, type Tinyproxy } from '../infra/proxy.ts';

/**
 * `export` through a real forward proxy (Debian's tinyproxy on loopback) to the simulator over
 * HTTPS: the API origin and the signed download origin both tunnelled (CONNECT), nothing of the
 * requests visible to the proxy, NO_PROXY, proxy authentication, 407, an untrusted CA, and the
 * Splunk HEC sink through the same proxy.
 */
const tmp = new TempDirs();
let sim: Simulator;
let apiKey: string;
let apiPort: number;
let downloadPort: number;
let baseUrl: string;
let workspace: string;
let caPath: string;
let after_: string;
let before_: string;
let expectedIds: Set<string>;
let proxy: Tinyproxy;
let authProxy: Tinyproxy;
const PROXY_USER = 'fwd';
const PROXY_PASSWORD = 'pr0xy-pa55-Zq7';

const FAST =
  '  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n  initialBackoffMs: 10\n  maxBackoffMs: 100\n  maxAttempts: 3\n';

before(async () => {
  const dir = await tmp.make();
  const certs = await makeCaAndServerCert(dir, 'sim');
  caPath = certs.caPath;
  sim = new Simulator({
    port: 0,
    seed: 'proxy-test',
    tls: { cert: await readFile(certs.certPath, 'utf8'), key: await readFile(certs.keyPath, 'utf8') },
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  assert.match(info.baseUrl, /^https:/);
  apiKey = info.apiKey;
  apiPort = info.port;
  downloadPort = info.downloadPort;
  baseUrl = info.baseUrl;
  workspace = info.sampleWorkspaceId;
  const now = sim.now().getTime();
  after_ = new Date(Math.floor((now - 2 * 86_400_000) / 600_000) * 600_000).toISOString();
  before_ = new Date(Date.parse(after_) + 3 * 3_600_000).toISOString();
  expectedIds = expectedEvents(sim, workspace, ['AUDIT_LOG'], after_, before_).ids;
  assert.ok(expectedIds.size > 0);
  proxy = await startTinyproxy();
  authProxy = await startTinyproxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
});
after(async () => {
  await sim?.stop();
  await proxy?.stop();
  await authProxy?.stop();
  await tmp.cleanup();
});

async function writeConfig(dir: string, extra: { http?: string; source?: string; sinks?: string } = {}) {
  const path = join(dir, 'config.yaml');
  await writeFile(
    path,
    `source:\n${FAST}${extra.source ?? ''}${extra.http ? `http:\n${extra.http}` : ''}${extra.sinks ? `sinks:\n${extra.sinks}` : ''}`,
  );
  return path;
}

function exportArgs(
  dir: string,
  config: string,
  sink: string[] = ['--sink', 'file', '--out', join(dir, 'out')],
) {
  return [
    'export',
    '--principal',
    workspace,
    '--event-type',
    'AUDIT_LOG',
    '--after',
    after_,
    '--before',
    before_,
    ...sink,
    '--config',
    config,
  ];
}

const env = (more: Record<string, string> = {}) => ({
  COMPLIANCE_API_KEY: apiKey,
  COMPLIANCE_API_BASE: baseUrl,
  ...more,
});

async function assertDelivered(dir: string): Promise<void> {
  const counts = countIds(await readOutputLines(join(dir, 'out')));
  assert.deepEqual(new Set(counts.keys()), expectedIds, 'every event of the window, through the proxy');
}

/** The proxy's log since `from` characters. */
async function logSince(p: Tinyproxy, from: number): Promise<string> {
  return (await p.log()).slice(from);
}

function connectsIn(log: string): string[] {
  return [...log.matchAll(/CONNECT ([^\s]+) HTTP\/1\.[01]/g)].map((m) => m[1]!);
}

function assertTunnelledOnly(log: string): void {
  assert.ok(!log.includes(apiKey), 'the API key is not in the proxy log');
  assert.doesNotMatch(
    log,
    /\/signed\/|\/v1\/compliance|Bearer|after=|event_type=/,
    'no path, query or header of a tunnelled request',
  );
}

describe('export through a forward proxy', () => {
  test('config proxy, CA from source.tls.ca: the API and the download host are tunnelled, the proxy sees neither key nor signed URL', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, {
      source: `  tls:\n    ca: ${caPath}\n`,
      http: `  proxy:\n    url: ${proxy.url}\n`,
    });
    const from = (await proxy.log()).length;
    const r = await runCli(exportArgs(dir, config), env());
    assert.equal(r.code, 0, r.stderr);
    await assertDelivered(dir);
    const log = await logSince(proxy, from);
    const connects = connectsIn(log);
    assert.ok(connects.includes(`127.0.0.1:${apiPort}`), `CONNECT to the API: ${connects.join(', ')}`);
    assert.ok(
      connects.includes(`127.0.0.1:${downloadPort}`),
      `CONNECT to the download host: ${connects.join(', ')}`,
    );
    assertTunnelledOnly(log);
  });

  test('HTTPS_PROXY and NODE_EXTRA_CA_CERTS from the environment', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir);
    const from = (await proxy.log()).length;
    const r = await runCli(
      exportArgs(dir, config),
      env({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: caPath }),
    );
    assert.equal(r.code, 0, r.stderr);
    await assertDelivered(dir);
    const log = await logSince(proxy, from);
    const connects = connectsIn(log);
    assert.ok(connects.includes(`127.0.0.1:${apiPort}`), connects.join(', '));
    assert.ok(connects.includes(`127.0.0.1:${downloadPort}`), connects.join(', '));
    assertTunnelledOnly(log);
  });

  test('NO_PROXY bypasses the proxy: no CONNECT at all', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, { source: `  tls:\n    ca: ${caPath}\n` });
    const from = (await proxy.log()).length;
    const r = await runCli(
      exportArgs(dir, config),
      env({ https_proxy: proxy.url, NO_PROXY: 'localhost,127.0.0.1' }),
    );
    assert.equal(r.code, 0, r.stderr);
    await assertDelivered(dir);
    assert.deepEqual(connectsIn(await logSince(proxy, from)), []);
  });

  test('proxy authentication: username and a password secret; the password is never printed', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, {
      source: `  tls:\n    ca: ${caPath}\n`,
      http: `  proxy:\n    url: ${authProxy.url}\n    username: ${PROXY_USER}\n    password:\n      env: PROXY_PASSWORD\n`,
    });
    const from = (await authProxy.log()).length;
    const r = await runCli(exportArgs(dir, config), env({ PROXY_PASSWORD, LOG_LEVEL: 'debug' }));
    assert.equal(r.code, 0, r.stderr);
    await assertDelivered(dir);
    const connects = connectsIn(await logSince(authProxy, from));
    assert.ok(connects.includes(`127.0.0.1:${apiPort}`), connects.join(', '));
    const basic = Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(PROXY_PASSWORD) && !text.includes(basic), 'no proxy password in the output');
    }
  });

  test('407 without credentials: one clear CF_ERR_PROXY_AUTH, exit 1, a bounded number of attempts', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, {
      source: `  tls:\n    ca: ${caPath}\n`,
      http: `  proxy:\n    url: ${authProxy.url}\n`,
    });
    const from = (await authProxy.log()).length;
    const r = await runCli(exportArgs(dir, config), env());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /CF_ERR_PROXY_AUTH/);
    assert.match(r.stderr, /407/);
    assert.doesNotMatch(r.stderr, /retrying/i, 'not retried');
    const connects = connectsIn(await logSince(authProxy, from));
    assert.ok(connects.length >= 1 && connects.length <= 2, `CONNECT attempts: ${connects.length}`);
  });

  test('wrong credentials in the proxy URL (tinyproxy answers 401): CF_ERR_PROXY_AUTH, the password never printed', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, {
      source: `  tls:\n    ca: ${caPath}\n`,
      http: `  proxy:\n    url: http://${PROXY_USER}:wrong-${PROXY_PASSWORD}@127.0.0.1:${authProxy.port}\n`,
    });
    const r = await runCli(exportArgs(dir, config), env({ LOG_LEVEL: 'debug' }));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /CF_ERR_PROXY_AUTH/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(PROXY_PASSWORD), 'no password in the output');
  });

  test('a proxy that refuses the CONNECT: one clear CF_ERR_PROXY_CONNECT, exit 1, not retried', async () => {
    // Like a proxy that tunnels only to port 443: every CONNECT to the simulator's ports is refused.
    const strict = await startTinyproxy({ connectPorts: [443] });
    try {
      const dir = await tmp.make();
      const config = await writeConfig(dir, {
        source: `  tls:\n    ca: ${caPath}\n`,
        http: `  proxy:\n    url: ${strict.url}\n`,
      });
      const r = await runCli(exportArgs(dir, config), env());
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /CF_ERR_PROXY_CONNECT/);
      assert.doesNotMatch(r.stderr, /retrying/i, 'not retried');
      const connects = connectsIn(await strict.log());
      assert.ok(connects.length >= 1 && connects.length <= 2, `CONNECT attempts: ${connects.length}`);
    } finally {
      await strict.stop();
    }
  });

  test('an untrusted CA: an error naming the host and the certificate problem, not retried', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, { http: `  proxy:\n    url: ${proxy.url}\n` });
    const r = await runCli(exportArgs(dir, config), env());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /CF_ERR_TLS_VERIFY/);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${apiPort}`));
    assert.match(r.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/);
    assert.doesNotMatch(r.stderr, /retrying/i);
  });
});

describe('the Splunk HEC sink through the proxy', () => {
  let hec: HecReceiver;
  let hecCa: string;
  before(async () => {
    const dir = await tmp.make();
    // The receiver's own control client trusts its certificate as its CA: a self-signed one.
    const certs = await makeSelfSignedCert(dir);
    hecCa = certs.certPath;
    hec = await startHecReceiver({ token: 'hec-token-proxy-test', tls: certs });
  });
  after(async () => {
    await hec?.stop();
  });

  test('records reach the HEC through a CONNECT tunnel; tls.ca trusts its CA', async () => {
    const dir = await tmp.make();
    const config = await writeConfig(dir, {
      source: `  tls:\n    ca: ${caPath}\n`,
      http: `  proxy:\n    url: ${proxy.url}\n`,
      sinks: `  - type: splunk-hec\n    url: ${hec.url}\n    token:\n      value: hec-token-proxy-test\n    lingerMs: 50\n    tls:\n      ca: ${hecCa}\n`,
    });
    const from = (await proxy.log()).length;
    const r = await runCli(exportArgs(dir, config, []), env());
    assert.equal(r.code, 0, r.stderr);
    const hecPort = new URL(hec.url).port;
    const log = await logSince(proxy, from);
    assert.ok(connectsIn(log).includes(`127.0.0.1:${hecPort}`), connectsIn(log).join(', '));
    assert.ok(!log.includes('hec-token-proxy-test'), 'the HEC token is not in the proxy log');
    assert.equal((await hec.stats()).events, expectedIds.size);
  });
});
