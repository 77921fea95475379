import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type HecReceiver, makeSelfSignedCert, startHecReceiver } from '../infra/hec-receiver.js';
import { countByEventId, deliver, hecSink } from './splunk-hec-sink-helpers.js';

/** A failing test ends in seconds instead of hanging on an event that never comes. */
const LIMIT = { timeout: 20_000 };

let dir: string;
let certPath: string;
let rx: HecReceiver;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cf-hec-tls-'));
  const cert = await makeSelfSignedCert(dir);
  certPath = cert.certPath;
  rx = await startHecReceiver({ tls: cert, ack: true });
});
after(async () => {
  await rx?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('HTTPS with the CA given in tls.ca delivers every record once, acks included', LIMIT, async () => {
  assert.match(rx.url, /^https:/);
  await rx.clearEvents();
  const h = hecSink(rx, { tls: { ca: certPath }, useAck: true });
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(
    h.sink,
    Array.from({ length: 100 }, (_, i) => makeRecord(i, delivery)),
  );
  const counts = countByEventId(await rx.events());
  assert.equal(counts.size, 100);
  assert.ok([...counts.values()].every((n) => n === 1));
  assert.equal(delivery.acked, 100);
});

test('a certificate nobody vouched for fails start at once, saying to set tls.ca', LIMIT, async () => {
  await rx.resetStats();
  const h = hecSink(rx, { retryMaxAttempts: 5 });
  await assert.rejects(h.sink.start(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CF_ERR_SINK_CONNECT');
    assert.match(err.message, /TLS verification of the Splunk HEC at https:\/\/127\.0\.0\.1:\d+/);
    assert.match(err.message, /tls\.ca/);
    return true;
  });
  assert.equal((await rx.stats()).requests, 0, 'no request went through');
  assert.equal(h.logLines.join('').includes('retrying'), false, 'not retried');
  h.sink.destroy();
});

test('tls.rejectUnauthorized: false connects anyway, and warns', LIMIT, async () => {
  await rx.clearEvents();
  const h = hecSink(rx, { tls: { rejectUnauthorized: false } });
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(h.sink, [makeRecord(1, delivery)]);
  assert.equal(delivery.acked, 1);
  const warning = h.logLines.map((l) => JSON.parse(l)).find((l) => /verification is off/.test(l.msg));
  assert.equal(warning?.level, 40);
});

test('a tls.ca file that is missing or not PEM is a configuration error', LIMIT, async () => {
  assert.throws(() => hecSink(rx, { tls: { ca: join(dir, 'nope.pem') } }), {
    code: 'CF_ERR_CONFIG',
    message: /Cannot read the Splunk HEC CA file/,
  });
  const junk = join(dir, 'junk.pem');
  await writeFile(junk, 'not a certificate');
  assert.throws(() => hecSink(rx, { tls: { ca: junk } }), { code: 'CF_ERR_CONFIG', message: /no PEM/ });
});
