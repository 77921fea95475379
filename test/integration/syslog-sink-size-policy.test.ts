/** What happens to a record whose syslog message is over messageMaxBytes, against a real rsyslogd. */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isCfError } from '../../src/core/errors/index.js';
import { TRUNCATION_MARKER } from '../../src/sinks/syslog/encoder.js';
import { CountingDelivery } from '../helpers/records.js';
import { type RsyslogReceiver, startRsyslog } from '../infra/rsyslog.js';
import { deliver, makeSink, recordWithId } from './syslog-sink-helpers.js';

let rsyslog: RsyslogReceiver;
before(async () => {
  rsyslog = await startRsyslog();
});
after(async () => {
  await rsyslog?.close();
});

const padded = (n: number, id: string, delivery: CountingDelivery, bytes: number) =>
  recordWithId(n, id, delivery, { pad: 'é'.repeat(Math.ceil(bytes / 2)) });

describe('syslog sink size policy', () => {
  it('dead-letters an oversized record by default (UDP: 2048 bytes) and delivers the rest', async () => {
    const { sink, deadLetter, metrics } = makeSink({ url: rsyslog.url('udp'), appName: 'cf-size-dl' });
    await sink.start();
    const delivery = new CountingDelivery();
    const before = recordWithId(1, 'dl-small-1', delivery);
    const big = padded(2, 'dl-big', delivery, 5000);
    const after = recordWithId(3, 'dl-small-2', delivery);
    await deliver(sink, [before, big, after]);

    assert.equal(delivery.acked, 3, 'a dead-lettered record is acknowledged too');
    assert.equal(deadLetter.entries.length, 1);
    const entry = deadLetter.entries[0]!;
    assert.equal(entry.code, 'CF_ERR_RECORD_TOO_LARGE');
    assert.equal(entry.stage, 'sink');
    assert.equal(entry.sink, 'syslog');
    assert.equal(entry.source?.eventId, 'dl-big');
    assert.equal(entry.source?.fileId, big.source.fileId);
    assert.equal(entry.text, big.line);
    assert.match(entry.reason, /over messageMaxBytes \(2048\)/);
    const discarded = await metrics.discardedEvents.get();
    assert.equal(discarded.values.find((v) => v.labels.reason === 'record_too_large')?.value, 1);

    const got = await rsyslog.waitForMessages(2, (m) => m.appname === 'cf-size-dl');
    assert.deepEqual(got.map((m) => m.msg).sort(), [before.line, after.line].sort());
  });

  it('truncates MSG to fit, ending it with the marker and keeping UTF-8 whole', async () => {
    const { sink, deadLetter } = makeSink({
      url: rsyslog.url('tcp'),
      appName: 'cf-size-trunc',
      messageMaxBytes: 1024,
      oversizePolicy: 'truncate',
    });
    await sink.start();
    const delivery = new CountingDelivery();
    const big = padded(1, 'trunc-big', delivery, 3000);
    await deliver(sink, [big]);
    assert.equal(delivery.acked, 1);
    assert.equal(deadLetter.count, 0);
    const [m] = await rsyslog.waitForMessages(1, (x) => x.appname === 'cf-size-trunc');
    assert.ok(m!.msg.endsWith(TRUNCATION_MARKER));
    assert.ok(big.line.startsWith(m!.msg.slice(0, -TRUNCATION_MARKER.length)), 'a prefix of the record');
    assert.ok(!m!.msg.includes('\uFFFD'), 'no character cut in half');
    // The whole message (header included) is within the limit.
    assert.ok(m!.msglen < 1024 && m!.msglen > 700, `MSG of ${m!.msglen} bytes`);
  });

  it('fails the sink under "fail", leaving the record unacknowledged', async () => {
    const { sink, deadLetter } = makeSink({
      url: rsyslog.url('tcp'),
      appName: 'cf-size-fail',
      messageMaxBytes: 1024,
      oversizePolicy: 'fail',
    });
    await sink.start();
    const delivery = new CountingDelivery();
    const big = padded(1, 'fail-big', delivery, 3000);
    await assert.rejects(deliver(sink, [big]), (err: unknown) => {
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.match(err.message, /oversizePolicy is "fail"/);
      return true;
    });
    assert.equal(delivery.acked, 0);
    assert.equal(deadLetter.count, 0);
    assert.equal(sink.health().ready, false);
  });
});
