/**
 * The elasticsearch sink when the cluster pushes back: per-item answers, 413, 429 with
 * Retry-After, resets, refused credentials, and the one record that can never be sent.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type EsReceiver, startEsReceiver } from '../infra/es-receiver.js';
import { countById, counterTotal, deliver, esSink, records } from './elasticsearch-sink-helpers.js';

const LIMIT = { timeout: 30_000 };

let rx: EsReceiver;
before(async () => {
  rx = await startEsReceiver();
});
after(async () => {
  await rx?.stop();
});

async function fresh(): Promise<void> {
  await rx.clearDocs();
  await rx.resetStats();
  await rx.fault({ count: 0 });
  await rx.itemFaults([]);
}

function assertOnce(counts: Map<string, number>, expected: number): void {
  assert.equal(counts.size, expected);
  assert.ok(
    [...counts.values()].every((n) => n === 1),
    'none indexed twice',
  );
}

test(
  'mixed bulk answer: 429/503 items are retried alone, a 400 item is dead-lettered with its reason, the rest acknowledged once',
  LIMIT,
  async () => {
    await fresh();
    await rx.itemFaults([
      { id: 'evt-000005', status: 429, count: 2 },
      { id: 'evt-000009', status: 503, count: 1 },
      { id: 'evt-000007', status: 400 },
    ]);
    const h = esSink(rx, { batchMaxCount: 100 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    await deliver(h.sink, records(50, delivery));

    const counts = countById(await rx.docs());
    assertOnce(counts, 49);
    assert.equal(counts.has('evt-000007'), false);
    assert.equal(delivery.acked, 50, 'the dead-lettered record is acknowledged too');
    assert.equal(h.deadLetter.count, 1);
    const entry = h.deadLetter.entries[0]!;
    assert.equal(entry.code, 'CF_ERR_RECORD_REJECTED');
    assert.equal(entry.source?.eventId, 'evt-000007');
    assert.match(entry.reason, /document_parsing_exception/);
    assert.match(entry.reason, /failed to parse field/);
    assert.equal(JSON.stringify(entry).includes(rx.apiKey!), false, 'no key in the entry');
    // The first request carried all 50; the retries only the items Elasticsearch asked for.
    const bodies = (await rx.stats()).bodies.map((b) => b.docs);
    assert.equal(bodies[0], 50);
    assert.ok(
      bodies.slice(1).every((n) => n <= 2),
      `retries carry only the retried items (${bodies.join(',')})`,
    );
    assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 49);
    assert.equal(await counterTotal(h.metrics, 'component_discarded_events_total'), 1);
  },
);

test(
  'an item Elasticsearch keeps refusing (429) fails the sink after the retry budget, nothing lost',
  LIMIT,
  async () => {
    await fresh();
    await rx.itemFaults([{ id: 'evt-000003', status: 429 }]);
    const h = esSink(rx, { retryMaxAttempts: 3 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    const failed = once(h.sink, 'error');
    deliver(h.sink, records(10, delivery)).catch(() => {});
    const [err] = (await failed) as [Error & { code?: string }];
    assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
    assert.match(err.message, /es_rejected_execution_exception/);
    assert.equal(delivery.acked, 0, 'the batch is not acknowledged: it is sent again after a restart');
    assert.equal(h.deadLetter.count, 0);
  },
);

test(
  '413 splits the bulk request until it fits; a document too big alone is dead-lettered; none lost or doubled',
  LIMIT,
  async () => {
    await fresh();
    await rx.configure({ maxBodyBytes: 20_000 });
    try {
      const h = esSink(rx, { gzip: false, batchMaxCount: 1000, batchMaxBytes: 1_000_000, lingerMs: 50 });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const recs = Array.from({ length: 300 }, (_, i) =>
        makeRecord(i, delivery, { text: i === 150 ? 'z'.repeat(30_000) : 'a'.repeat(100) }),
      );
      await deliver(h.sink, recs);
      const counts = countById(await rx.docs());
      assertOnce(counts, 299);
      assert.equal(counts.has('evt-000150'), false);
      assert.equal(delivery.acked, 300);
      assert.equal(h.deadLetter.count, 1);
      assert.equal(h.deadLetter.entries[0]!.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.match(h.deadLetter.entries[0]!.reason, /413/);
      assert.ok((await rx.stats()).statuses['413']! > 0);
    } finally {
      await rx.configure({ maxBodyBytes: 100 * 1024 * 1024 });
    }
  },
);

test(
  '429 with Retry-After: the sink waits at least what Elasticsearch asked, then delivers once',
  LIMIT,
  async () => {
    await fresh();
    await rx.fault({ status: 429, count: 2, retryAfter: '1' });
    // Retry-After wins over the backoff up to 10x retryMaxDelayMs (lib/retry.ts).
    const h = esSink(rx, { retryMaxDelayMs: 200 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    await deliver(h.sink, records(40, delivery));
    assertOnce(countById(await rx.docs()), 40);
    assert.equal(delivery.acked, 40);
    const retries = h.logLines
      .map((l) => JSON.parse(l) as { msg?: string; delayMs?: number })
      .filter((l) => l.msg === 'Elasticsearch request failed; retrying.');
    assert.equal(retries.length, 2);
    assert.ok(
      retries.every((r) => (r.delayMs ?? 0) >= 1000),
      'the retry delay honours Retry-After: 1 (the configured backoff is 5-20 ms)',
    );
    assert.equal((await rx.stats()).statuses['429'], 2);
  },
);

test('connection resets and 503s are retried in place; every event arrives once', LIMIT, async () => {
  await fresh();
  const h = esSink(rx, { retryMaxAttempts: 10 });
  await h.sink.start();
  await rx.fault({ destroy: true, count: 3 });
  const delivery = new CountingDelivery();
  await deliver(h.sink, records(200, delivery));
  assertOnce(countById(await rx.docs()), 200);
  assert.equal(delivery.acked, 200);
  const retries = await counterTotal(h.metrics, 'component_retries_total');
  // Two retries in place; the third reset in a row lets the poison-batch rule split the batch
  // (the cluster answers GET /), and the halves go through.
  assert.ok(retries >= 2, `retried (${retries})`);

  await fresh();
  await rx.fault({ status: 503, count: 2 });
  const h2 = esSink(rx);
  await h2.sink.start();
  await deliver(h2.sink, records(30));
  assertOnce(countById(await rx.docs()), 30);
});

test(
  'refused credentials: start fails with CF_ERR_SINK_AUTH naming where the key comes from, and no secret anywhere',
  LIMIT,
  async () => {
    await fresh();
    const wrong = Buffer.from('id:not-the-key-0123456789').toString('base64');
    const h = esSink(rx, { apiKey: { value: wrong } });
    await assert.rejects(h.sink.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CF_ERR_SINK_AUTH');
      assert.match(err.message, /401/);
      assert.match(err.message, /ES_API_KEY/);
      assert.equal(err.message.includes(wrong), false);
      return true;
    });
    // Without the start check, the first bulk request fails the sink the same way; nothing acked.
    const late = esSink(rx, { apiKey: { value: wrong }, healthCheck: false });
    await late.sink.start();
    const delivery = new CountingDelivery();
    const failed = once(late.sink, 'error');
    deliver(late.sink, records(5, delivery)).catch(() => {});
    const [err] = (await failed) as [Error & { code?: string }];
    assert.equal(err.code, 'CF_ERR_SINK_AUTH');
    assert.equal(delivery.acked, 0);
    const everything = [
      ...h.logLines,
      ...late.logLines,
      err.message,
      JSON.stringify(err),
      inspect(late.sink, { depth: 10 }),
    ].join('\n');
    assert.equal(everything.includes(wrong), false, 'the key is in no log line, error or sink object');
    assert.equal(everything.includes(rx.apiKey!), false);
    assert.equal((await rx.docs()).length, 0);
  },
);

test(
  'a 2 MB record a proxy resets every time is isolated and dead-lettered; every other record arrives once',
  LIMIT,
  async () => {
    await fresh();
    await rx.fault({ destroy: true, count: 1_000_000, minBodyBytes: 1024 * 1024 });
    try {
      const h = esSink(rx, { gzip: false, batchMaxBytes: 8 * 1024 * 1024, lingerMs: 50 });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const recs = Array.from({ length: 200 }, (_, i) =>
        makeRecord(i, delivery, { text: i === 120 ? 'z'.repeat(2 * 1024 * 1024) : 'a'.repeat(100) }),
      );
      // A first small batch gets through, so the cluster is known to accept requests.
      await deliver(h.sink, recs);
      const counts = countById(await rx.docs());
      assertOnce(counts, 199);
      assert.equal(h.deadLetter.count, 1);
      const entry = h.deadLetter.entries[0]!;
      assert.equal(entry.code, 'CF_ERR_RECORD_UNDELIVERABLE');
      assert.equal(entry.source?.eventId, 'evt-000120');
      assert.match(entry.reason, /Elasticsearch/);
      assert.equal(delivery.acked, 200);
      assert.equal(await counterTotal(h.metrics, 'component_poison_records_total'), 1);
    } finally {
      await rx.fault({ count: 0 });
    }
  },
);
