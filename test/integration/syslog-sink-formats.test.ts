/**
 * The syslog sink against a real rsyslogd: every transport (UDP, TCP, TLS) with both formats,
 * checked through rsyslog's own parse of each message.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { CountingDelivery, sourceRef } from '../helpers/records.js';
import { type RsyslogReceiver, startRsyslog } from '../infra/rsyslog.js';
import {
  conversationRecord,
  countByEventId,
  deliver,
  makeSink,
  recordOf,
  recordWithId,
  utf8Records,
} from './syslog-sink-helpers.js';

let rsyslog: RsyslogReceiver;
before(async () => {
  rsyslog = await startRsyslog();
});
after(async () => {
  await rsyslog?.close();
});

const tlsSettings = () => ({ tls: { caFile: rsyslog.caFile } });

describe('syslog sink: transports x formats against rsyslog', () => {
  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    for (const format of ['rfc5424', 'rfc3164'] as const) {
      it(`${transport} ${format}: each event once, header fields and MSG parse back to the record`, async () => {
        const appName = `cf-${transport}-${format}`;
        const { sink, deadLetter } = makeSink({
          url: rsyslog.url(transport),
          format,
          appName,
          hostname: 'fwd-test',
          procId: '4242',
          facility: 'local3',
          ...(transport === 'tls' ? tlsSettings() : {}),
        });
        await sink.start();
        const delivery = new CountingDelivery();
        const records = utf8Records(40, delivery, appName);
        records.push(recordWithId(99, `${appName}-blocked`, delivery, { action_result: 'BLOCKED' }));
        // Structured-data values that must be escaped: quote, bracket, backslash.
        records.push({
          ...recordWithId(98, `${appName}-sd`, delivery),
          source: sourceRef({ fileId: 'file "x] \\y', principalId: 'ws-ü' }),
        });
        await deliver(sink, records);
        assert.equal(delivery.acked, records.length);
        assert.equal(deadLetter.count, 0);

        const got = await rsyslog.waitForMessages(records.length, (m) => m.appname === appName);
        const counts = countByEventId(got);
        for (const r of records) assert.equal(counts.get(r.eventId!), 1, `${r.eventId} arrived once`);
        assert.equal(got.length, records.length);

        const byId = new Map(got.map((m) => [recordOf(m).event_id, m]));
        for (const r of records) {
          const m = byId.get(r.eventId)!;
          assert.deepEqual(recordOf(m), JSON.parse(r.line), 'MSG is the record, UTF-8 intact');
          assert.equal(m.hostname, 'fwd-test');
          assert.equal(m.procid, '4242');
          assert.equal(m.facility, 19);
          assert.equal(m.severity, r.eventId === `${appName}-blocked` ? 4 : 6, 'severity from action_result');
          if (format === 'rfc5424') {
            assert.equal(m.protover, '1');
            assert.equal(m.msgid, 'AUDIT_LOG');
            assert.equal(m.timestamp, r.timestamp, "the record's own timestamp");
            assert.deepEqual(m.sdparsed, {
              'cf@32473': {
                event_id: r.eventId,
                event_type: 'AUDIT_LOG',
                principal_type: 'CHATGPT_WORKSPACE',
                principal_id: r.source.principalId,
                file_id: r.source.fileId,
              },
            });
            assert.equal(m.msglen, Buffer.byteLength(r.line), 'MSG has no BOM by default');
          } else {
            assert.equal(m.protover, '0');
            // RFC 3164 has no year or zone; rsyslog fills in the year, the rest is the record's time.
            assert.equal(m.timestamp.slice(5, 19), r.timestamp!.slice(5, 19));
          }
        }
      });
    }
  }
});

describe('syslog sink: octet counting carries big and odd records', () => {
  for (const transport of ['tcp', 'tls'] as const) {
    it(`${transport}: a 1 MB conversation record arrives whole`, async () => {
      const { sink } = makeSink({
        url: rsyslog.url(transport),
        messageMaxBytes: 2 * 1024 * 1024,
        ...(transport === 'tls' ? tlsSettings() : {}),
      });
      await sink.start();
      const delivery = new CountingDelivery();
      const big = conversationRecord(`conv-1mb-${transport}`, 1024 * 1024, delivery);
      const small = recordWithId(2, `after-1mb-${transport}`, delivery);
      await deliver(sink, [big, small]);
      assert.equal(delivery.acked, 2);
      const [message] = await rsyslog.waitForMessages(1, (m) => m.msg.includes(big.eventId!));
      assert.ok(Buffer.byteLength(big.line) > 1024 * 1024);
      assert.equal(message?.msglen, Buffer.byteLength(big.line));
      assert.equal(message?.msg, big.line);
      assert.equal(message?.msgid, 'CONVERSATION_MESSAGE');
      // Framing held: the record after it is a message of its own.
      await rsyslog.waitForMessages(1, (m) => m.msg === small.line);
    });
  }

  it('newline framing escapes an embedded newline instead of splitting the message', async () => {
    const { sink } = makeSink({ url: rsyslog.url('tcp'), framing: 'newline', appName: 'cf-newline' });
    await sink.start();
    const delivery = new CountingDelivery();
    const record = { ...recordWithId(1, 'nl-1', delivery), line: '{"event_id":"nl-1",\n"pretty":true}' };
    const plain = recordWithId(2, 'nl-2', delivery);
    await deliver(sink, [record, plain]);
    const got = await rsyslog.waitForMessages(2, (m) => m.appname === 'cf-newline');
    assert.deepEqual(
      got.map((m) => m.msg),
      ['{"event_id":"nl-1",\\n"pretty":true}', plain.line],
    );
  });

  it('starts MSG with a UTF-8 BOM when asked', async () => {
    const { sink } = makeSink({
      url: rsyslog.url('tcp'),
      bom: true,
      appName: 'cf-bom',
      structuredData: false,
    });
    await sink.start();
    const delivery = new CountingDelivery();
    const record = recordWithId(1, 'bom-1', delivery, { note: 'ü' });
    await deliver(sink, [record]);
    const [m] = await rsyslog.waitForMessages(1, (x) => x.appname === 'cf-bom');
    assert.equal(m?.msg, `\uFEFF${record.line}`);
    assert.equal(m?.sd, '-');
    assert.deepEqual(recordOf(m!), JSON.parse(record.line));
  });
});
