/**
 * The elasticsearch sink over HTTPS (tls.ca, an untrusted certificate, verification off) and
 * through a forward proxy (tinyproxy, a CONNECT tunnel that never sees the key).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HttpEgress } from '../../src/http/index.js';
import { CountingDelivery } from '../helpers/records.js';
import { type EsReceiver, startEsReceiver } from '../infra/es-receiver.js';
import { makeSelfSignedCert } from '../infra/hec-receiver.js';
import { startTinyproxy } from '../infra/proxy.js';
import { countById, deliver, esSink, records } from './elasticsearch-sink-helpers.js';

const LIMIT = { timeout: 20_000 };

let dir: string;
let certPath: string;
let rx: EsReceiver;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cf-es-tls-'));
  const cert = await makeSelfSignedCert(dir);
  certPath = cert.certPath;
  rx = await startEsReceiver({ tls: cert });
});
after(async () => {
  await rx?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('HTTPS with the CA given in tls.ca delivers every record once', LIMIT, async () => {
  assert.match(rx.url, /^https:/);
  await rx.clearDocs();
  const h = esSink(rx, { tls: { ca: certPath } });
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(h.sink, records(100, delivery));
  const counts = countById(await rx.docs());
  assert.equal(counts.size, 100);
  assert.equal(delivery.acked, 100);
});

test('a certificate nobody vouched for fails start at once, saying to set tls.ca', LIMIT, async () => {
  await rx.resetStats();
  const h = esSink(rx, { retryMaxAttempts: 5 });
  await assert.rejects(h.sink.start(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CF_ERR_SINK_CONNECT');
    assert.match(err.message, /TLS verification of Elasticsearch at https:\/\/127\.0\.0\.1:\d+/);
    assert.match(err.message, /tls\.ca/);
    return true;
  });
  assert.equal((await rx.stats()).requests, 0, 'no request went through');
  assert.equal(h.logLines.join('').includes('retrying'), false, 'not retried');
  h.sink.destroy();
});

test('tls.rejectUnauthorized: false connects anyway, and warns', LIMIT, async () => {
  await rx.clearDocs();
  const h = esSink(rx, { tls: { rejectUnauthorized: false } });
  await h.sink.start();
  await deliver(h.sink, records(10));
  assert.equal((await rx.docs()).length, 10);
  assert.match(h.logLines.join(''), /TLS certificate verification is off for Elasticsearch/);
});

test(
  'through a forward proxy: a CONNECT tunnel to the cluster, the key never in the proxy log',
  LIMIT,
  async () => {
    const proxy = await startTinyproxy();
    try {
      await rx.clearDocs();
      const egress = HttpEgress.create({ url: proxy.url, env: false });
      const h = esSink(rx, { tls: { ca: certPath } }, egress);
      await h.sink.start();
      await deliver(h.sink, records(50));
      assert.equal((await rx.docs()).length, 50);
      assert.ok((await proxy.connects()).includes(`127.0.0.1:${new URL(rx.url).port}`));
      const log = await proxy.log();
      assert.equal(log.includes(rx.apiKey!), false, 'the API key is not in the proxy log');
    } finally {
      await proxy.stop();
    }
  },
);
