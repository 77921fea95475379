/**
 * The elasticsearch sink against the _bulk contract receiver (test/infra/es/es-receiver.cjs):
 * what lands in the index, exactly once thanks to create + _id = event_id.
 */
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { CountingDelivery, makeRecord, sourceRef } from '../helpers/records.js';
import { type EsReceiver, startEsReceiver } from '../infra/es-receiver.js';
import { countById, counterTotal, deliver, esSink, records } from './elasticsearch-sink-helpers.js';

/** A failing test ends in seconds instead of hanging on a document that never comes. */
const LIMIT = { timeout: 20_000 };

let rx: EsReceiver;
before(async () => {
  rx = await startEsReceiver();
});
after(async () => {
  await rx?.stop();
});

const CHAT = sourceRef({
  eventType: 'CONVERSATION_MESSAGE',
  stream: 'workspace/w/CONVERSATION_MESSAGE',
  fileId: 'file-chat',
});

test(
  'a clean run indexes every event once, _id = event_id, @timestamp = event time, a data stream per type, gzip',
  LIMIT,
  async () => {
    await rx.clearDocs();
    await rx.resetStats();
    const h = esSink(rx);
    await h.sink.start();
    assert.equal(h.sink.health().ready, true);
    const delivery = new CountingDelivery();
    const recs = Array.from({ length: 600 }, (_, i) =>
      i % 3 === 0 ? makeRecord(i, delivery, { content: `message ${i}` }, CHAT) : makeRecord(i, delivery),
    );
    await deliver(h.sink, recs);

    const docs = await rx.docs();
    const counts = countById(docs);
    assert.equal(counts.size, 600);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      'every event exactly once',
    );
    assert.equal(delivery.acked, 600);
    assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 600);
    assert.equal(h.deadLetter.count, 0);

    const byId = new Map(docs.map((d) => [d.id, d]));
    for (const record of [recs[0]!, recs[1]!]) {
      const d = byId.get(record.eventId!)!;
      const chat = record.source.eventType === 'CONVERSATION_MESSAGE';
      assert.equal(
        d.index,
        chat
          ? 'logs-openai.compliance.conversation_message-default'
          : 'logs-openai.compliance.audit_log-default',
      );
      const { '@timestamp': ts, ...rest } = d.source;
      assert.equal(ts, record.timestamp, '@timestamp is the event time');
      assert.deepEqual(rest, JSON.parse(record.line), 'the document is the record');
      assert.equal(d.gzip, true);
    }
    const stats = await rx.stats();
    assert.equal(stats.gzipRequests, stats.bulkRequests);
  },
);

test('gzip off sends plain NDJSON; a custom index template is used as given', LIMIT, async () => {
  await rx.clearDocs();
  await rx.resetStats();
  const h = esSink(rx, { gzip: false, index: 'openai-{type}' });
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(h.sink, records(50, delivery));
  const docs = await rx.docs();
  assert.equal(docs.length, 50);
  assert.ok(docs.every((d) => d.index === 'openai-audit_log' && !d.gzip));
  assert.equal((await rx.stats()).gzipRequests, 0);
});

test('a record without a usable event time gets the ingest time as @timestamp', LIMIT, async () => {
  await rx.clearDocs();
  const h = esSink(rx);
  await h.sink.start();
  const record = { ...makeRecord(1), timestamp: undefined };
  const before = Date.now();
  await deliver(h.sink, [record]);
  const [doc] = await rx.docs();
  const ts = Date.parse(String(doc!.source['@timestamp']));
  assert.ok(ts >= before - 1000, 'the ingest time, not an epoch default');
});

test(
  'a re-run after a crash sends the same events again: each answers 409, counts as delivered, the index keeps one copy',
  LIMIT,
  async () => {
    await rx.clearDocs();
    await rx.resetStats();
    const first = esSink(rx);
    await first.sink.start();
    await deliver(first.sink, records(100));

    const again = esSink(rx);
    await again.sink.start();
    const delivery = new CountingDelivery();
    await deliver(again.sink, records(120, delivery)); // the 100 again, and 20 new ones
    assert.equal(delivery.acked, 120, 'repeats are acknowledged: the checkpoint moves');
    assert.equal(again.deadLetter.count, 0, 'a repeat is not an error');
    const counts = countById(await rx.docs());
    assert.equal(counts.size, 120);
    assert.ok([...counts.values()].every((n) => n === 1));
    const stats = await rx.stats();
    assert.equal(stats.conflicts, 100);
    assert.equal(stats.itemStatuses['409'], 100);
  },
);

test('basic auth (user and password) is accepted', LIMIT, async () => {
  const basic = await startEsReceiver({ auth: 'basic' });
  try {
    const h = esSink(basic);
    await h.sink.start();
    await deliver(h.sink, records(10));
    assert.equal((await basic.docs()).length, 10);
  } finally {
    await basic.stop();
  }
});
