/**
 * The poison-batch rule on the Splunk HEC sink (docs/delivery.md): a HEC behind a proxy that
 * resets the connection on a body over its limit, instead of answering 413.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { POISON_AFTER_FAILURES } from '../../src/sinks/shared/poison-batch.js';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.js';
import { countByEventId, counterTotal, deliver, hecSink } from './splunk-hec-sink-helpers.js';

const LIMIT = { timeout: 30_000 };
/** The proxy's limit: bodies at least this large are reset. */
const PROXY_LIMIT = 1024 * 1024;

let rx: HecReceiver;

before(async () => {
  rx = await startHecReceiver();
});
after(async () => {
  await rx?.stop();
});

/** `count` records of 100 bytes of text, but record `poisonAt`, which holds 2 MB. */
function recordsWithOnePoison(count: number, poisonAt: number, delivery: CountingDelivery) {
  return Array.from({ length: count }, (_, i) =>
    makeRecord(i, delivery, { text: i === poisonAt ? 'z'.repeat(2 * 1024 * 1024) : 'a'.repeat(100) }),
  );
}

/** Runs `body` while the HEC resets every request of PROXY_LIMIT bytes or more, as such a proxy does. */
async function withLargeRequestsReset(body: () => Promise<void>): Promise<void> {
  await rx.clearEvents();
  await rx.fault({ destroy: true, count: 1_000_000, minBodyBytes: PROXY_LIMIT });
  try {
    await body();
  } finally {
    await rx.fault({ count: 0 });
  }
}

test(
  'a 2 MB record the HEC resets every time is dead-lettered with its reason; every small record arrives once',
  LIMIT,
  () =>
    withLargeRequestsReset(async () => {
      const h = hecSink(rx, {
        gzip: false,
        batchMaxBytes: 8 * 1024 * 1024,
        batchMaxCount: 1000,
        lingerMs: 50,
        retryMaxAttempts: 10,
      });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const records = recordsWithOnePoison(200, 120, delivery);
      await deliver(h.sink, records);

      const counts = countByEventId(await rx.events());
      assert.equal(counts.size, 199, 'every small record delivered');
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        'none indexed twice',
      );
      assert.equal(counts.has('evt-000120'), false);
      assert.equal(h.deadLetter.count, 1);
      const entry = h.deadLetter.entries[0]!;
      assert.equal(entry.code, 'CF_ERR_RECORD_UNDELIVERABLE');
      assert.equal(entry.sink, 'splunk-hec');
      assert.equal(entry.source?.eventId, 'evt-000120');
      assert.ok((entry.size ?? 0) > 2 * 1024 * 1024, 'the entry says how big the record is');
      assert.match(entry.reason, /splunk-hec/);
      assert.match(entry.reason, /CF_ERR_SOCKET|CF_ERR_TIMEOUT/);
      assert.match(entry.reason, new RegExp(`${entry.size} bytes`));
      assert.equal(JSON.stringify(entry).includes(rx.token), false, 'no token in the entry');
      assert.equal(delivery.acked, 200, 'the dead-lettered record is acknowledged: the checkpoint moves');
      assert.equal(delivery.failures.length, 0);
      assert.equal(await counterTotal(h.metrics, 'component_poison_records_total'), 1);
      assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 199);
      assert.equal(await counterTotal(h.metrics, 'component_discarded_events_total'), 1);
      // One batch of 200, bisected down to the record: K failures per level (8 levels at most),
      // never the whole retry budget per level.
      const retries = await counterTotal(h.metrics, 'component_retries_total');
      assert.ok(retries <= POISON_AFTER_FAILURES * 9, `bounded attempts (${retries} retries)`);
    }),
);

test(
  'a HEC that resets everything (really down) still fails the sink after its retries, dead-lettering nothing',
  LIMIT,
  async () => {
    await rx.clearEvents();
    const h = hecSink(rx, { gzip: false, retryMaxAttempts: 6, batchMaxCount: 1000, lingerMs: 20 });
    await h.sink.start();
    await rx.fault({ destroy: true, count: 1_000_000, target: 'any' });
    try {
      const delivery = new CountingDelivery();
      const records = recordsWithOnePoison(50, 20, delivery);
      const failed = once(h.sink, 'error');
      deliver(h.sink, records).catch(() => {});
      const [err] = (await failed) as [Error & { code?: string }];
      assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
      assert.equal(h.deadLetter.count, 0, 'a down HEC must not turn into dead-lettering');
      assert.equal(delivery.acked, 0, 'nothing acknowledged: the checkpoint stays');
      assert.equal(await counterTotal(h.metrics, 'component_poison_records_total'), 0);
    } finally {
      await rx.fault({ count: 0 });
    }
  },
);

test(
  'the big record first in the first batch, before the HEC accepted anything: sent behind the rest, then dead-lettered',
  LIMIT,
  () =>
    withLargeRequestsReset(async () => {
      const h = hecSink(rx, {
        gzip: false,
        batchMaxBytes: 8 * 1024 * 1024,
        batchMaxCount: 1000,
        lingerMs: 50,
      });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const records = recordsWithOnePoison(40, 0, delivery);
      await deliver(h.sink, records);
      const counts = countByEventId(await rx.events());
      assert.equal(counts.size, 39);
      assert.equal(h.deadLetter.count, 1);
      assert.equal(h.deadLetter.entries[0]!.source?.eventId, 'evt-000000');
      assert.equal(delivery.acked, 40);
    }),
);

test(
  'a HEC that resets every event request but answers the empty probe fails the sink; nothing is dead-lettered',
  LIMIT,
  async () => {
    await rx.clearEvents();
    const h = hecSink(rx, { gzip: false, retryMaxAttempts: 5, batchMaxCount: 1000, lingerMs: 20 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    // A first batch gets through, so the HEC has accepted requests larger than any one record.
    await new Promise<void>((resolve, reject) => {
      h.sink.write(makeRecord(1000, delivery, { text: 'b'.repeat(5000) }));
      h.sink.write(makeRecord(1001, delivery, { text: 'b'.repeat(5000) }), (err) =>
        err ? reject(err) : resolve(),
      );
    });
    while (delivery.acked < 2) await new Promise((r) => setTimeout(r, 5));
    await rx.fault({ destroy: true, count: 1_000_000, minBodyBytes: 1 });
    try {
      const failed = once(h.sink, 'error');
      const records = Array.from({ length: 16 }, (_, i) =>
        makeRecord(i, delivery, { text: 'a'.repeat(100) }),
      );
      deliver(h.sink, records).catch(() => {});
      const [err] = (await failed) as [Error & { code?: string }];
      assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
      assert.equal(h.deadLetter.count, 0, 'records the HEC drops whatever their size are not poison');
      assert.equal(delivery.acked, 2);
    } finally {
      await rx.fault({ count: 0 });
    }
  },
);
