import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.js';
import { countByEventId, counterTotal, deliver, hecSink } from './splunk-hec-sink-helpers.js';

/** A failing test ends in seconds instead of hanging on an event that never comes. */
const LIMIT = { timeout: 20_000 };

let rx: HecReceiver;
let noAck: HecReceiver;
before(async () => {
  [rx, noAck] = await Promise.all([startHecReceiver({ ack: true }), startHecReceiver({ ack: false })]);
});
after(async () => {
  await Promise.all([rx?.stop(), noAck?.stop()]);
});

async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('records are acknowledged only when the ack poll reports them indexed', LIMIT, async () => {
  await rx.clearEvents();
  await rx.resetStats();
  await rx.configure({ ackMode: 'manual' });
  try {
    // Polls every 10 ms, and never gives up during the test (no resend muddles the counts).
    const h = hecSink(rx, { useAck: true, batchMaxCount: 10, ackMaxPolls: 100_000 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    const done = deliver(
      h.sink,
      Array.from({ length: 50 }, (_, i) => makeRecord(i, delivery)),
    );
    // HEC has every event (a 200 for each request) and has been asked about them several times...
    await until('events and polls', async () => {
      const s = await rx.stats();
      return s.events === 50 && s.ackPolls >= 5;
    });
    // ...but has not said "indexed", so nothing is acknowledged to the pipeline yet.
    assert.equal(delivery.acked, 0);
    await rx.releaseAcks();
    await done;
    assert.equal(delivery.acked, 50);
    const counts = countByEventId(await rx.events());
    assert.equal(counts.size, 50);
    assert.ok([...counts.values()].every((n) => n === 1));
    const events = await rx.events();
    assert.ok(events.every((e) => e.channel === (h.sink as unknown as { channel: string }).channel));
  } finally {
    await rx.configure({ ackMode: 'immediate' });
  }
});

test('an ack that never comes leads to a resend; each record is acknowledged once', LIMIT, async () => {
  await rx.clearEvents();
  await rx.configure({ loseAcks: 1 });
  // One batch (end() flushes it; the linger never fires), so the one lost ack is its ack.
  const h = hecSink(rx, { useAck: true, batchMaxCount: 100, lingerMs: 60_000, ackMaxPolls: 3 });
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(
    h.sink,
    Array.from({ length: 20 }, (_, i) => makeRecord(i, delivery)),
  );
  const counts = countByEventId(await rx.events());
  assert.equal(counts.size, 20);
  assert.ok(
    [...counts.values()].every((n) => n === 2),
    'sent twice: the documented duplicate',
  );
  assert.equal(delivery.acked, 20);
  assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 20);
  assert.equal(await counterTotal(h.metrics, 'component_retries_total'), 1);
  assert.match(h.logLines.join(''), /did not report records indexed in time/);
});

test('acks that never come at all end in a fatal error, with nothing acknowledged', LIMIT, async () => {
  await rx.configure({ loseAcks: 1000 });
  try {
    const h = hecSink(rx, { useAck: true, ackMaxPolls: 2, retryMaxAttempts: 2 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    const failed = once(h.sink, 'error');
    deliver(h.sink, [makeRecord(1, delivery), makeRecord(2, delivery)]).catch(() => {});
    const [err] = (await failed) as [Error & { code?: string }];
    assert.equal(err.code, 'CF_ERR_SINK_ACK_TIMEOUT');
    assert.match(err.message, /did not report 2 records indexed after 2 sends/);
    assert.equal(delivery.acked, 0);
  } finally {
    await rx.configure({ loseAcks: 0 });
  }
});

test('413 splitting and code 6 isolation work with acknowledgement on', LIMIT, async () => {
  await rx.clearEvents();
  await rx.configure({ maxBodyBytes: 5000 });
  try {
    const h = hecSink(rx, { useAck: true, gzip: false, batchMaxCount: 1000, lingerMs: 30 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    const records = Array.from({ length: 60 }, (_, i) => makeRecord(i, delivery, { text: 'b'.repeat(150) }));
    records[25] = { ...records[25]!, line: '{"event_id":"evt-000025",}' };
    await deliver(h.sink, records);
    const counts = countByEventId(await rx.events());
    assert.equal(counts.size, 59);
    assert.ok([...counts.values()].every((n) => n === 1));
    assert.deepEqual(
      h.deadLetter.entries.map((e) => e.source?.eventId),
      ['evt-000025'],
    );
    assert.equal(delivery.acked, 60);
  } finally {
    await rx.configure({ maxBodyBytes: 800 * 1024 * 1024 });
  }
});

test('useAck against a HEC without acknowledgement fails start with what to change', LIMIT, async () => {
  const h = hecSink(noAck, { useAck: true });
  await assert.rejects(h.sink.start(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CF_ERR_CONFIG');
    assert.match(err.message, /indexer acknowledgement is disabled for this HEC token/);
    assert.match(err.message, /useAck: false/);
    return true;
  });
  h.sink.destroy();
});
