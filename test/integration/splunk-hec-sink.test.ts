import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { CountingDelivery, makeRecord, sourceRef } from '../helpers/records.js';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.js';
import { countByEventId, counterTotal, deliver, hecSink } from './splunk-hec-sink-helpers.js';

/** A failing test ends in seconds instead of hanging on an event that never comes. */
const LIMIT = { timeout: 20_000 };

let rx: HecReceiver;
before(async () => {
  rx = await startHecReceiver();
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
  'a clean run indexes every event_id once, with the envelope fields, gzip-compressed',
  LIMIT,
  async () => {
    await rx.clearEvents();
    const before = await rx.stats();
    const h = hecSink(rx, { index: 'openai', indexByEventType: { CONVERSATION_MESSAGE: 'openai_chat' } });
    await h.sink.start();
    assert.equal(h.sink.health().ready, true);
    const delivery = new CountingDelivery();
    const records = Array.from({ length: 600 }, (_, i) =>
      i % 3 === 0 ? makeRecord(i, delivery, { content: `message ${i}` }, CHAT) : makeRecord(i, delivery),
    );
    await deliver(h.sink, records);

    const events = await rx.events();
    const counts = countByEventId(events);
    assert.equal(counts.size, 600);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      'every event_id exactly once',
    );
    assert.equal(delivery.acked, 600);
    assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 600);
    assert.equal(h.deadLetter.count, 0);

    const byId = new Map(events.map((e) => [String(e.event.event_id), e]));
    for (const record of [records[0]!, records[1]!]) {
      const e = byId.get(record.eventId!)!;
      const chat = record.source.eventType === 'CONVERSATION_MESSAGE';
      assert.deepEqual(e.event, JSON.parse(record.line));
      assert.equal(e.time, Date.parse(record.timestamp!) / 1000);
      assert.equal(e.host, 'test-host');
      assert.equal(e.source, 'openai:compliance');
      assert.equal(
        e.sourcetype,
        chat ? 'openai:compliance:conversation_message' : 'openai:compliance:audit_log',
      );
      assert.equal(e.index, chat ? 'openai_chat' : 'openai');
      assert.deepEqual(e.fields, {
        principal_id: record.source.principalId,
        principal_type: record.source.principalType,
        event_type: record.source.eventType,
        file_id: record.source.fileId,
      });
    }
    // One channel per sink instance, on every request.
    assert.deepEqual(
      [...new Set(events.map((e) => e.channel))],
      [(h.sink as unknown as { channel: string }).channel],
    );
    const after = await rx.stats();
    const requests = after.eventRequests - before.eventRequests;
    assert.ok(requests > 0);
    assert.equal(after.gzipRequests - before.gzipRequests, requests, 'every request gzip-compressed');
  },
);

test('gzip off sends plain JSON bodies', LIMIT, async () => {
  await rx.clearEvents();
  const before = await rx.stats();
  const h = hecSink(rx, { gzip: false });
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(
    h.sink,
    Array.from({ length: 50 }, (_, i) => makeRecord(i, delivery)),
  );
  const after = await rx.stats();
  assert.equal(countByEventId(await rx.events()).size, 50);
  assert.ok(after.eventRequests > before.eventRequests);
  assert.equal(after.gzipRequests, before.gzipRequests);
  assert.equal(delivery.acked, 50);
});

test(
  'batches stay within batchMaxBytes before compression; a record larger than a batch is still sent',
  LIMIT,
  async () => {
    await rx.clearEvents();
    const firstBody = (await rx.stats()).bodies.length;
    const batchMaxBytes = 8 * 1024;
    const h = hecSink(rx, { batchMaxBytes, batchMaxCount: 10_000 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    const records = Array.from({ length: 120 }, (_, i) =>
      makeRecord(i, delivery, { text: i === 60 ? 'x'.repeat(50_000) : 'y'.repeat(700) }),
    );
    await deliver(h.sink, records);

    const counts = countByEventId(await rx.events());
    assert.equal(counts.size, 120);
    assert.ok([...counts.values()].every((n) => n === 1));
    const bodies = (await rx.stats()).bodies.slice(firstBody);
    const oversized = bodies.filter((b) => b.bytes > batchMaxBytes);
    assert.equal(oversized.length, 1, 'only the big record exceeds the bound');
    assert.equal(oversized[0]!.events, 1, 'and it travels alone');
    assert.ok(bodies.length >= (120 * 700) / batchMaxBytes, 'the rest was cut into several requests');
    assert.equal(delivery.acked, 120);
  },
);

test('several requests are in flight at once, never more than maxInFlightRequests', LIMIT, async () => {
  await rx.clearEvents();
  await rx.configure({ delayMs: 100 });
  await rx.resetStats();
  try {
    const h = hecSink(rx, { batchMaxCount: 5, maxInFlightRequests: 3 });
    await h.sink.start();
    const delivery = new CountingDelivery();
    await deliver(
      h.sink,
      Array.from({ length: 60 }, (_, i) => makeRecord(i, delivery)),
    );
    const stats = await rx.stats();
    assert.equal(stats.maxInFlight, 3);
    assert.equal(delivery.acked, 60);
    assert.equal(countByEventId(await rx.events()).size, 60);
  } finally {
    await rx.configure({ delayMs: 0 });
  }
});

test('the health check reports a URL that is not a HEC, saying what to check', LIMIT, async () => {
  const h = hecSink(rx, { url: `${rx.url}/not-splunk` });
  await assert.rejects(h.sink.start(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CF_ERR_SINK_FATAL');
    assert.match(err.message, /404/);
    assert.match(err.message, /is the URL the HEC/);
    return true;
  });
  h.sink.destroy();
});

test('a HEC that cannot be reached fails start with the address and the cause', LIMIT, async () => {
  const h = hecSink(rx, { url: 'http://127.0.0.1:9', retryMaxAttempts: 2 });
  await assert.rejects(h.sink.start(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
    assert.match(err.message, /Cannot reach the Splunk HEC at http:\/\/127\.0\.0\.1:9/);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
  assert.equal(h.sink.health().ready, false);
  h.sink.destroy();
});

test('an unhealthy HEC at start is waited for, then used', LIMIT, async () => {
  await rx.clearEvents();
  await rx.fault({
    status: 503,
    code: 18,
    text: 'HEC is unhealthy, queues are full',
    count: 2,
    target: 'health',
  });
  const h = hecSink(rx);
  await h.sink.start();
  const delivery = new CountingDelivery();
  await deliver(h.sink, [makeRecord(1, delivery)]);
  assert.equal(delivery.acked, 1);
  assert.equal(await counterTotal(h.metrics, 'component_retries_total'), 2);
});
