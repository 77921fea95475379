import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.js';
import {
  countByEventId,
  counterTotal,
  deliver,
  type HecHarness,
  hecSink,
} from './splunk-hec-sink-helpers.js';

/** A failing test ends in seconds instead of hanging on an event that never comes. */
const LIMIT = { timeout: 20_000 };

let rx: HecReceiver;
/** Every harness of this file, to check at the end that the token leaked nowhere. */
const harnesses: HecHarness[] = [];
const errors: unknown[] = [];

before(async () => {
  rx = await startHecReceiver();
});
after(async () => {
  await rx?.stop();
});

function sink(overrides: Record<string, unknown> = {}): HecHarness {
  const h = hecSink(rx, overrides);
  harnesses.push(h);
  return h;
}

/** Writes the records and expects the sink to fail; returns the error. */
async function deliverExpectingError(
  h: HecHarness,
  records: ReturnType<typeof makeRecord>[],
): Promise<Error> {
  const failed = once(h.sink, 'error');
  deliver(h.sink, records).catch(() => {});
  const [err] = (await failed) as [Error];
  errors.push(err);
  return err;
}

test(
  '413 splits the batch until it fits; a record too big alone is dead-lettered; none lost or doubled',
  LIMIT,
  async () => {
    await rx.clearEvents();
    await rx.configure({ maxBodyBytes: 6000 });
    try {
      const h = sink({ gzip: false, batchMaxBytes: 200_000, batchMaxCount: 1000 });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 101 }, (_, i) =>
        makeRecord(i, delivery, { text: i === 50 ? 'z'.repeat(7000) : 'a'.repeat(200) }),
      );
      await deliver(h.sink, records);

      const counts = countByEventId(await rx.events());
      assert.equal(counts.size, 100);
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        'no event indexed twice',
      );
      assert.equal(counts.has('evt-000050'), false);
      assert.equal(h.deadLetter.count, 1);
      const entry = h.deadLetter.entries[0]!;
      assert.equal(entry.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.equal(entry.source?.eventId, 'evt-000050');
      assert.equal(entry.text, records[50]!.line);
      assert.match(entry.reason, /413/);
      assert.equal(delivery.acked, 101, 'the dead-lettered record is acknowledged too');
      assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 100);
      assert.equal(await counterTotal(h.metrics, 'component_discarded_events_total'), 1);
    } finally {
      await rx.configure({ maxBodyBytes: 800 * 1024 * 1024 });
    }
  },
);

test(
  'an event HEC rejects (code 6) is dead-lettered with the reply; the events around it arrive once',
  LIMIT,
  async () => {
    await rx.clearEvents();
    await rx.configure({ maxEventBytes: 3000 });
    try {
      const h = sink({ batchMaxCount: 1000, lingerMs: 50 });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 100 }, (_, i) =>
        makeRecord(i, delivery, { text: i === 70 ? 'big'.repeat(1500) : 'ok' }),
      );
      // Not JSON: HEC cannot parse this envelope (a line damaged upstream of the sink).
      records[37] = { ...records[37]!, line: '{"event_id":"evt-000037","broken": tru}' };
      await deliver(h.sink, records);

      const counts = countByEventId(await rx.events());
      assert.equal(counts.size, 98);
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        'no event indexed twice',
      );
      const rejected = h.deadLetter.entries.map((e) => e.source?.eventId).sort();
      assert.deepEqual(rejected, ['evt-000037', 'evt-000070']);
      for (const entry of h.deadLetter.entries) {
        assert.equal(entry.code, 'CF_ERR_RECORD_REJECTED');
        assert.equal(entry.sink, 'splunk-hec');
        assert.deepEqual(
          { status: entry.detail?.status, hecCode: entry.detail?.hecCode },
          { status: 400, hecCode: 6 },
        );
        assert.match(entry.reason, /Invalid data format/);
      }
      assert.equal(delivery.acked, 100);
    } finally {
      await rx.configure({ maxEventBytes: 5 * 1024 * 1024 });
    }
  },
);

test('bursts of 503 (codes 9, 18), 429, 500 and connection resets are retried in place', LIMIT, async () => {
  for (const fault of [
    { status: 503, code: 9, text: 'Server is busy', count: 3, retryAfter: '0' },
    { status: 503, code: 18, text: 'HEC is unhealthy, queues are full', count: 2 },
    { status: 429, code: 9, count: 2 },
    { status: 500, code: 8, text: 'Internal server error', count: 1 },
    { destroy: true, count: 2 },
  ]) {
    await rx.clearEvents();
    const h = sink({ batchMaxCount: 20 });
    await h.sink.start();
    await rx.fault(fault);
    const delivery = new CountingDelivery();
    await deliver(
      h.sink,
      Array.from({ length: 60 }, (_, i) => makeRecord(i, delivery)),
    );
    const counts = countByEventId(await rx.events());
    assert.equal(counts.size, 60, JSON.stringify(fault));
    assert.ok([...counts.values()].every((n) => n === 1));
    assert.equal(delivery.acked, 60);
    assert.equal(
      await counterTotal(h.metrics, 'component_retries_total'),
      fault.count,
      JSON.stringify(fault),
    );
    assert.equal(h.deadLetter.count, 0);
  }
});

test(
  'a HEC that stays busy ends in a fatal error after the retry budget; nothing is acknowledged',
  LIMIT,
  async () => {
    await rx.clearEvents();
    const h = sink({ retryMaxAttempts: 3 });
    await h.sink.start();
    await rx.fault({ status: 503, code: 9, count: 1000 });
    try {
      const delivery = new CountingDelivery();
      const err = await deliverExpectingError(
        h,
        Array.from({ length: 5 }, (_, i) => makeRecord(i, delivery)),
      );
      assert.equal((err as Error & { code?: string }).code, 'CF_ERR_RETRIES_EXHAUSTED');
      assert.match(err.message, /failed 3 times/);
      assert.match(err.message, /503, code 9/);
      assert.equal(delivery.acked, 0);
    } finally {
      await rx.fault({ count: 0 });
    }
  },
);

test('501 is not retried', LIMIT, async () => {
  const h = sink();
  await h.sink.start();
  await rx.fault({ status: 501, code: 8, text: 'Not implemented', count: 1 });
  const delivery = new CountingDelivery();
  const err = await deliverExpectingError(h, [makeRecord(1, delivery)]);
  assert.equal((err as Error & { code?: string }).code, 'CF_ERR_SINK_FATAL');
  assert.equal(await counterTotal(h.metrics, 'component_retries_total'), 0);
  assert.equal(delivery.acked, 0);
});

test('a wrong token fails start at once, saying so, and sends nothing', LIMIT, async () => {
  await rx.resetStats();
  const h = hecSink(rx, { token: { value: 'wrong-token-0123456789' } });
  harnesses.push(h);
  const err = await h.sink.start().then(
    () => assert.fail('start should fail'),
    (e: Error) => e,
  );
  errors.push(err);
  assert.equal((err as Error & { code?: string }).code, 'CF_ERR_SINK_AUTH');
  assert.match(err.message, /token is wrong or disabled/);
  assert.doesNotMatch(err.message, /wrong-token-0123456789/);
  const stats = await rx.stats();
  assert.equal(stats.events, 0);
  assert.equal(stats.statuses['403'], 1, 'one refused request, no retries');
  h.sink.destroy();
});

test('a token revoked mid-run stops the sink; the records after it stay unacknowledged', LIMIT, async () => {
  const h = sink({ batchMaxCount: 10 });
  await h.sink.start();
  const early = new CountingDelivery();
  for (let i = 0; i < 10; i++) h.sink.write(makeRecord(i, early));
  while (early.acked < 10) await new Promise((r) => setTimeout(r, 5));

  await rx.configure({ disabledTokens: [rx.token] });
  try {
    const late = new CountingDelivery();
    const failed = once(h.sink, 'error');
    for (let i = 10; i < 30; i++) h.sink.write(makeRecord(i, late));
    const [err] = (await failed) as [Error & { code?: string }];
    errors.push(err);
    assert.equal(err.code, 'CF_ERR_SINK_AUTH');
    assert.match(err.message, /token is disabled/);
    assert.equal(late.acked, 0, 'the checkpoint cannot move past them');
    assert.equal(early.acked, 10);
    assert.equal(h.sink.health().ready, false);
  } finally {
    await rx.configure({ disabledTokens: [] });
  }
});

test('stopping the pipeline ends a retry loop at once', LIMIT, async () => {
  const h = sink({ retryInitialDelayMs: 60_000, retryMaxDelayMs: 60_000, retryMaxAttempts: 100 });
  await h.sink.start();
  await rx.fault({ status: 503, code: 9, count: 1000, retryAfter: '60' });
  try {
    const delivery = new CountingDelivery();
    const failed = once(h.sink, 'error');
    deliver(h.sink, [makeRecord(1, delivery)]).catch(() => {});
    while ((await counterTotal(h.metrics, 'component_retries_total')) === 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    h.abort.abort();
    const [err] = (await failed) as [Error & { code?: string }];
    assert.equal(err.code, 'CF_ERR_ABORTED');
    assert.equal(delivery.acked, 0);
  } finally {
    await rx.fault({ count: 0 });
  }
});

test('the token appears in no log line, error message or dead-letter entry', LIMIT, () => {
  assert.ok(harnesses.length >= 8);
  const logs = harnesses.flatMap((h) => h.logLines).join('\n');
  assert.match(logs, /retrying/, 'the runs above did log (retries)');
  assert.match(logs, /dead-lettered/);
  for (const token of [rx.token, 'wrong-token-0123456789']) {
    assert.equal(logs.includes(token), false, 'token in a log line');
    for (const err of errors) {
      assert.equal(String((err as Error).message).includes(token), false, 'token in an error');
      assert.equal(String((err as Error).stack).includes(token), false, 'token in a stack');
    }
    for (const h of harnesses) {
      assert.equal(JSON.stringify(h.deadLetter.entries).includes(token), false, 'token in dead-letter');
      assert.equal(inspect(h.sink, { depth: 8 }).includes(token), false, 'token in the sink object');
    }
  }
});
