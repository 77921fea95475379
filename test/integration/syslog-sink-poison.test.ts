/**
 * A syslog receiver that drops the connection on a frame over its limit (docs/sinks/syslog.md:
 * the poison-batch rule does not apply to syslog; messageMaxBytes is the protection).
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { test } from 'node:test';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { deliver, makeSink, startFrameServer } from './syslog-sink-helpers.js';

const LIMIT = { timeout: 20_000 };
const RECEIVER_MAX_FRAME = 100_000;

function records(delivery: CountingDelivery) {
  return Array.from({ length: 30 }, (_, i) =>
    makeRecord(i, delivery, { text: i === 12 ? 'z'.repeat(300_000) : 'a'.repeat(100) }),
  );
}

test(
  'messageMaxBytes at or below the receiver limit: the big record is dead-lettered before it is sent; the rest arrives',
  LIMIT,
  async () => {
    const server = await startFrameServer({ maxFrameBytes: RECEIVER_MAX_FRAME });
    try {
      const h = makeSink({ url: server.url, messageMaxBytes: RECEIVER_MAX_FRAME, lingerMs: 10 });
      await h.sink.start();
      const delivery = new CountingDelivery();
      await deliver(h.sink, records(delivery));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(server.messages.length, 29);
      assert.equal(server.connections, 1, 'the connection was never dropped');
      assert.equal(h.deadLetter.count, 1);
      assert.equal(h.deadLetter.entries[0]!.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.equal(delivery.acked, 30);
    } finally {
      await server.close();
    }
  },
);

test(
  'messageMaxBytes above the receiver limit: the dropped connection is retried, then fatal (no poison rule for syslog)',
  LIMIT,
  async () => {
    const server = await startFrameServer({ maxFrameBytes: RECEIVER_MAX_FRAME });
    try {
      const h = makeSink({
        url: server.url,
        messageMaxBytes: 1_000_000,
        lingerMs: 10,
        retryMaxAttempts: 3,
        retryInitialDelayMs: 5,
        retryMaxDelayMs: 20,
      });
      await h.sink.start();
      const delivery = new CountingDelivery();
      const failed = once(h.sink, 'error');
      deliver(h.sink, records(delivery)).catch(() => {});
      const [err] = (await failed) as [Error & { code?: string }];
      assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
      assert.equal(h.deadLetter.count, 0);
    } finally {
      await server.close();
    }
  },
);
