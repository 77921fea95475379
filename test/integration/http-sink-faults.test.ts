import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeSelfSignedCert } from '../infra/hec-receiver.js';
import {
  counterTotal,
  deliver,
  deliverEachOnce,
  eachOnce,
  httpSink,
  mixedRecords,
  receiverStarter,
} from './http-sink-helpers.js';

const LIMIT = { timeout: 30_000 };

const receiver = receiverStarter();

test(
  '413: requests over the receiver limit are split until they fit; every record arrives once',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'sumo', maxBodyBytes: 20_000 });
    const h = httpSink(rx, { batchMaxBytes: 200_000 });
    await h.sink.start();
    await deliverEachOnce(h, rx, 600);
    const stats = await rx.stats();
    assert.ok((stats.statuses['413'] ?? 0) > 0, `the receiver did answer 413: ${JSON.stringify(stats)}`);
    assert.equal(h.deadLetter.count, 0);
  },
);

test(
  '429 with Retry-After and a burst of 503s are retried; nothing is lost or duplicated',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'datadog' });
    await rx.fault({ status: 429, retryAfter: '1', count: 1 });
    await rx.fault({ status: 503, count: 3 });
    const h = httpSink(rx, { batchMaxCount: 100 });
    await h.sink.start();
    await deliverEachOnce(h, rx, 500);
    const stats = await rx.stats();
    assert.equal(stats.statuses['429'], 1);
    assert.equal(stats.statuses['503'], 3);
    assert.ok((await counterTotal(h.metrics, 'component_retries_total')) >= 4);
  },
);

test('connection resets are retried; every record arrives once', LIMIT, async () => {
  const rx = await receiver({ kind: 'ndjson' });
  await rx.fault({ destroy: true, count: 2 });
  const h = httpSink(rx, { batchMaxCount: 50 });
  await h.sink.start();
  await deliverEachOnce(h, rx, 300);
});

test(
  'a record the receiver refuses (400) is isolated and dead-lettered with the answer; the rest arrive once',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'secops', secret: 'feed-secret-123' });
    const { records, delivery } = mixedRecords(200);
    const bad = records[137]!;
    await rx.configure({ rejectEventIds: [bad.eventId!] });
    const h = httpSink(rx);
    await h.sink.start();
    await deliver(h.sink, records);
    const good = records.filter((r) => r !== bad).map((r) => r.eventId!);
    assert.ok(eachOnce(await rx.events(), good));
    assert.equal(h.deadLetter.count, 1);
    const entry = h.deadLetter.entries[0]!;
    assert.equal(entry.code, 'CF_ERR_RECORD_REJECTED');
    assert.match(entry.reason, /Google SecOps webhook feed refused this record: HTTP 400/);
    assert.equal(delivery.acked, 200);
  },
);

test(
  'sumo: a wrong Source URL fails fast and clearly, and the token is in no error, log or metric',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'sumo' });
    const wrong = `${rx.url.slice(0, rx.url.lastIndexOf('/') + 1)}WrongSourceToken0123456789`;
    const h = httpSink(rx, { urlSecret: { value: wrong } });
    await h.sink.start();
    const { records, delivery } = mixedRecords(30);
    let message = '';
    await assert.rejects(deliver(h.sink, records), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CF_ERR_SINK_AUTH');
      message = `${err.message} ${JSON.stringify(err)}`;
      return true;
    });
    assert.match(
      message,
      /Sumo Logic HTTP Source at http:\/\/127\.0\.0\.1:\d+\/\[redacted\] refused the request: HTTP 401/,
    );
    assert.match(message, /Check the Source URL/);
    const everything = [message, ...h.logLines, await h.metrics.registry.metrics()].join('\n');
    assert.ok(!everything.includes('WrongSourceToken0123456789'), 'the URL token appears nowhere');
    assert.equal(delivery.acked, 0);
    assert.equal(h.deadLetter.count, 0);
  },
);

test(
  'a record whose request is reset every time while others get through is dead-lettered (poison-batch rule); the rest arrive once',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'ndjson' });
    // A proxy that resets bodies over 300 KB instead of answering 413.
    await rx.fault({ destroy: true, count: 1000, minBodyBytes: 300_000 });
    const h = httpSink(rx, { retryMaxAttempts: 4, batchMaxCount: 20 });
    await h.sink.start();
    const { records, delivery } = mixedRecords(60);
    const big = records[45]!;
    const huge = { ...big, line: JSON.stringify({ ...JSON.parse(big.line), content: 'y'.repeat(400_000) }) };
    records[45] = huge;
    await deliver(h.sink, records);
    const good = records.filter((r) => r !== huge).map((r) => r.eventId!);
    assert.ok(eachOnce(await rx.events(), good));
    assert.equal(h.deadLetter.count, 1);
    assert.equal(h.deadLetter.entries[0]!.code, 'CF_ERR_RECORD_UNDELIVERABLE');
    assert.equal(h.deadLetter.entries[0]!.source?.eventId, huge.eventId, 'only the reset record');
    assert.equal(delivery.acked, 60);
  },
);

test(
  'https with tls.ca: the receiver’s self-signed certificate is trusted; without it the sink stops, naming tls.ca',
  LIMIT,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'http-tls-'));
    try {
      const cert = await makeSelfSignedCert(dir);
      const rx = await receiver({ kind: 'json-array', tls: cert });
      assert.match(rx.url, /^https:/);
      const h = httpSink(rx, { tls: { ca: cert.certPath } });
      await h.sink.start();
      await deliverEachOnce(h, rx, 50);

      const untrusted = httpSink(rx);
      await untrusted.sink.start();
      await assert.rejects(
        deliver(untrusted.sink, mixedRecords(5).records),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'CF_ERR_SINK_CONNECT');
          assert.match(err.message, /TLS verification of the JSON webhook .* failed .*tls\.ca/);
          return true;
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
