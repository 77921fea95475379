import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { isCfError } from '../../../src/core/errors/index.ts';
import { type ReadinessReport, startHealthServer } from '../../../src/telemetry/health-server.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/telemetry/metrics.ts';

function call(port: number, path: string, method = 'GET') {
  return new Promise<{ status: number; type: string; body: string; allow?: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body,
          ...(res.headers.allow === undefined ? {} : { allow: res.headers.allow }),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('/healthz, /readyz and /metrics answer as probes and Prometheus expect', async (t) => {
  const metrics = new Metrics();
  let report: ReadinessReport = { ready: true, reasons: [] };
  let scrapes = 0;
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    logger: silentLogger(),
    readiness: () => report,
    beforeScrape: () => {
      scrapes++;
      metrics.checkpointLag.set({ stream: 'workspace/w/AUDIT_LOG' }, 42);
    },
  });
  t.after(() => server.close());

  const live = await call(server.port, '/healthz');
  assert.equal(live.status, 200);
  assert.equal(live.body, 'ok\n');

  assert.equal((await call(server.port, '/readyz')).status, 200);
  report = { ready: false, reasons: ['Sink kafka is not ready.'] };
  const notReady = await call(server.port, '/readyz');
  assert.equal(notReady.status, 503);
  assert.match(notReady.type, /application\/json/);
  assert.deepEqual(JSON.parse(notReady.body).reasons, ['Sink kafka is not ready.']);

  const m = await call(server.port, '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  assert.equal(scrapes, 1, 'gauges refreshed before rendering');
  assert.match(m.body, /compliance_forwarder_checkpoint_lag_seconds\{stream="workspace\/w\/AUDIT_LOG"\} 42/);

  const head = await call(server.port, '/healthz', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const post = await call(server.port, '/readyz', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.allow, 'GET, HEAD');
  assert.equal((await call(server.port, '/metrics/../secret')).status, 404);
});

test('a readiness check that throws answers 503 with the reason, and the server keeps serving', async (t) => {
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new Metrics(),
    logger: silentLogger(),
    readiness: () => {
      throw new Error('state directory vanished');
    },
  });
  t.after(() => server.close());
  const r = await call(server.port, '/readyz');
  assert.equal(r.status, 503);
  assert.match(JSON.parse(r.body).error.message, /state directory vanished/);
  assert.equal((await call(server.port, '/healthz')).status, 200);
});

test('a port in use is a config error that names the address', async (t) => {
  const first = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new Metrics(),
    logger: silentLogger(),
    readiness: () => ({ ready: true }),
  });
  t.after(() => first.close());
  await assert.rejects(
    startHealthServer({
      host: '127.0.0.1',
      port: first.port,
      metrics: new Metrics(),
      logger: silentLogger(),
      readiness: () => ({ ready: true }),
    }),
    (err: unknown) =>
      isCfError(err) && err.code === 'CF_ERR_CONFIG' && err.message.includes(`127.0.0.1:${first.port}`),
  );
});
