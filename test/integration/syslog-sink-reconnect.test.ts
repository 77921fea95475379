/**
 * Receiver faults: rsyslog restarting mid-export (TCP and TLS lose nothing), a receiver that is
 * down at start, one that goes away for good, and one that stops reading (backpressure, stalls).
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isCfError } from '../../src/core/errors/index.js';
import type { PipelineRecord } from '../../src/core/record.js';
import { CountingDelivery } from '../helpers/records.js';
import { type RsyslogReceiver, startRsyslog } from '../infra/rsyslog.js';
import {
  countByEventId,
  deliver,
  makeSink,
  recordWithId,
  settled,
  startFrameServer,
} from './syslog-sink-helpers.js';

let rsyslog: RsyslogReceiver;
before(async () => {
  rsyslog = await startRsyslog();
});
after(async () => {
  await rsyslog?.close();
});

/** Quick retries so an outage of about a second is ridden out well within the attempts. */
const fastRetry = { retryInitialDelayMs: 20, retryMaxDelayMs: 200, retryMaxAttempts: 100 };
const pad = 'x'.repeat(900);

describe('syslog sink: receiver restarts', () => {
  for (const transport of ['tcp', 'tls'] as const) {
    it(`${transport}: rsyslog restarting mid-export loses nothing`, async (t) => {
      const N = 10_000;
      const appName = `cf-restart-${transport}`;
      const { sink, metrics, deadLetter } = makeSink({
        url: rsyslog.url(transport),
        appName,
        ...fastRetry,
        ...(transport === 'tls' ? { tls: { caFile: rsyslog.caFile } } : {}),
      });
      await sink.start();
      const delivery = new CountingDelivery();
      let restarting: Promise<void> | undefined;
      async function* records(): AsyncGenerator<PipelineRecord> {
        for (let i = 0; i < N; i++) {
          // SIGTERM while records stream at full speed; the rest is written while rsyslog goes
          // down, stays down for 200 ms and comes back on the same ports.
          if (i === N / 4) restarting = rsyslog.stop().then(() => delay(200).then(() => rsyslog.start()));
          yield recordWithId(i, `${transport}-restart-${i}`, delivery, { pad });
        }
      }
      await deliver(sink, records());
      await restarting;
      assert.equal(delivery.acked, N);
      assert.equal(deadLetter.count, 0);

      // Duplicates make the message count reach N early: wait for N distinct events.
      const mine = (m: { appname: string }) => m.appname === appName;
      let got = await rsyslog.waitForMessages(N, mine, 30_000);
      let counts = countByEventId(got);
      for (let waited = 0; counts.size < N && waited < 10_000; waited += 100) {
        await delay(100);
        got = await rsyslog.messages(mine);
        counts = countByEventId(got);
      }
      const missing: string[] = [];
      for (let i = 0; i < N; i++) if (!counts.has(`${transport}-restart-${i}`)) missing.push(`#${i}`);
      assert.deepEqual(missing, [], 'every event arrived at least once');
      const retried = (await metrics.retries.get()).values.reduce((n, v) => n + v.value, 0);
      assert.ok(retried > 0, 'the connection really broke and was re-established');
      t.diagnostic(`${got.length - counts.size} duplicates resent from the window, ${retried} retries`);
    });
  }

  it('start() keeps trying until a late receiver comes up, readiness false meanwhile', async () => {
    await rsyslog.stop();
    const { sink } = makeSink({ url: rsyslog.url('tcp'), appName: 'cf-late', ...fastRetry });
    const starting = sink.start();
    for (let waited = 0; sink.health().ready && waited < 10_000; waited += 20) await delay(20);
    assert.equal(sink.health().ready, false);
    assert.match(sink.health().lastError ?? '', /ECONNREFUSED/);
    await rsyslog.start();
    await starting;
    assert.equal(sink.health().ready, true);
    const delivery = new CountingDelivery();
    await deliver(sink, [recordWithId(1, 'late-1', delivery)]);
    await rsyslog.waitForMessages(1, (m) => m.appname === 'cf-late');
  });

  it('fails with CF_ERR_RETRIES_EXHAUSTED when the receiver stays away, records unacknowledged', async () => {
    const { sink } = makeSink({
      url: rsyslog.url('tcp'),
      appName: 'cf-gone',
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 20,
      retryMaxAttempts: 3,
    });
    await sink.start();
    await rsyslog.stop();
    try {
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 50 }, (_, i) => recordWithId(i, `gone-${i}`, delivery));
      await assert.rejects(deliver(sink, records), (err: unknown) => {
        assert.ok(isCfError(err));
        assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
        assert.match(err.message, new RegExp(`tcp://127\\.0\\.0\\.1:${rsyslog.port}.*3 failed attempts`));
        return true;
      });
      assert.equal(delivery.acked, 0);
      assert.equal(sink.health().ready, false);
    } finally {
      await rsyslog.start();
    }
  });
});

describe('syslog sink: a receiver that stops reading', () => {
  it('holds the writer back with bounded memory, then delivers everything in order once it reads', async () => {
    const server = await startFrameServer({ paused: true });
    try {
      const N = 10_000;
      const { sink } = makeSink({ url: server.url, batchMaxCount: 100, maxInFlight: 2 });
      await sink.start();
      const delivery = new CountingDelivery();
      let pulled = 0;
      function* records(): Generator<PipelineRecord> {
        for (let i = 0; i < N; i++) {
          pulled++;
          yield recordWithId(i, `bp-${i}`, delivery, { pad });
        }
      }
      const run = deliver(sink, records());
      await settled(() => pulled);
      assert.ok(pulled < N, `the source was paused (pulled ${pulled} of ${N})`);
      // Between the source and the kernel: stream buffers (2 x 16), the filling batch, one
      // waiting batch and maxInFlight batches in flight; nothing grows past that.
      const held = pulled - delivery.acked;
      assert.ok(held <= 32 + 100 * 4, `records held in the sink: ${held}`);
      server.resume();
      await run;
      assert.equal(delivery.acked, N);
      assert.equal(server.messages.length, N);
      assert.ok(
        server.messages.every((m, i) => m.includes(`"bp-${i}"`)),
        'in order, each once',
      );
    } finally {
      await server.close();
    }
  });

  it('treats writes that make no progress as a broken connection and gives up after the attempts', async () => {
    const server = await startFrameServer({ paused: true });
    try {
      const { sink } = makeSink({
        url: server.url,
        writeStallTimeoutMs: 200,
        retryInitialDelayMs: 10,
        retryMaxDelayMs: 20,
        retryMaxAttempts: 3,
      });
      await sink.start();
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 10_000 }, (_, i) =>
        recordWithId(i, `stall-${i}`, delivery, { pad }),
      );
      await assert.rejects(deliver(sink, records), (err: unknown) => {
        assert.ok(isCfError(err));
        assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
        assert.match(err.message, /made no progress for 200 ms/);
        return true;
      });
      assert.ok(server.connections >= 3, 'reconnected after each stall');
      assert.ok(delivery.acked < 10_000);
    } finally {
      await server.close();
    }
  });
});
