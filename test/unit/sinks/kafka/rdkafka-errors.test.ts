import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Secret } from '../../../../src/core/secret.js';
import type { RdKafkaError } from '../../../../src/sinks/kafka/rdkafka-api.js';
import { brokerErrorNames, classifyRdKafkaError } from '../../../../src/sinks/kafka/rdkafka-errors.js';
import { handshakeProblem, rdkafkaConfig } from '../../../../src/sinks/kafka/rdkafka-transport.js';

/** Errors shaped as the bindings' LibrdKafkaError (code, message, isRetriable). */
function rd(code: number, message: string, isRetriable = false): RdKafkaError {
  return Object.assign(new Error(message), { code, isRetriable });
}
const names = brokerErrorNames({
  ERR_NOT_LEADER_FOR_PARTITION: 6,
  ERR_MSG_SIZE_TOO_LARGE: 10,
  ERR__TRANSPORT: -195,
});
const target = { topic: 'openai.compliance.audit_log', partition: 2 };

describe('librdkafka error verdicts', () => {
  const table: Array<[string, RdKafkaError, string, boolean, RegExp]> = [
    [
      'leader moved',
      rd(6, 'Broker: Not leader for partition', true),
      'CF_ERR_SINK_RETRIABLE',
      true,
      /NOT_LEADER_FOR_PARTITION \(Kafka error 6\)/,
    ],
    [
      'too large',
      rd(10, 'Broker: Message size too large'),
      'CF_ERR_SINK_FATAL',
      false,
      /MESSAGE_TOO_LARGE \(Kafka error 10\).*message\.max\.bytes/,
    ],
    ['ACL', rd(29, 'Broker: Topic authorization failed'), 'CF_ERR_SINK_AUTH', false, /refused access/],
    [
      'unknown broker error, not retriable',
      rd(87, 'Broker: Invalid record'),
      'CF_ERR_SINK_FATAL',
      false,
      /UNKNOWN_87 \(Kafka error 87\)/,
    ],
    [
      'connection',
      rd(-195, 'Local: Broker transport failure'),
      'CF_ERR_SINK_CONNECT',
      true,
      /unavailable for topic "openai\.compliance\.audit_log" partition 2/,
    ],
    ['message timeout', rd(-192, 'Local: Message timed out'), 'CF_ERR_SINK_CONNECT', true, /timed out/],
    [
      'TLS',
      rd(-181, 'SSL handshake failed: certificate verify failed'),
      'CF_ERR_SINK_TLS',
      false,
      /tls\.caFile/,
    ],
    [
      'no SASL on the listener',
      rd(-169, 'SASL Handshake not supported by broker'),
      'CF_ERR_SINK_AUTH',
      false,
      /does not offer SASL/,
    ],
    [
      'SASL refused',
      rd(-169, 'SASL authentication error: Authentication failed'),
      'CF_ERR_SINK_AUTH',
      false,
      /SASL authentication failed/,
    ],
    [
      'fatal producer error',
      rd(-150, 'Fatal error: producer fenced'),
      'CF_ERR_SINK_FATAL',
      false,
      /Kafka client error/,
    ],
  ];
  for (const [name, err, code, retriable, message] of table) {
    it(name, () => {
      const e = classifyRdKafkaError(err, names, target);
      assert.equal(e.code, code);
      assert.equal(e.retriable, retriable);
      assert.match(e.message, message);
    });
  }

  it('keeps secrets out of the message', () => {
    const secret = new Secret('pw-in-a-librdkafka-message');
    const e = classifyRdKafkaError(rd(-169, `SASL authentication error: bad ${secret.reveal()}`), names);
    assert.equal(e.message.includes(secret.reveal()), false);
  });

  it('reads a refused handshake from librdkafka error log lines', () => {
    const sasl = handshakeProblem(
      'sasl_plaintext://127.0.0.1:9092/bootstrap: Failed to initialize SASL authentication: SASL Handshake not supported by broker (required by mechanism SCRAM-SHA-512)',
    );
    assert.equal(sasl?.code, -169);
    assert.match(sasl?.message ?? '', /^Failed to initialize SASL authentication/);
    const tls = handshakeProblem(
      'ssl://127.0.0.1:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed',
    );
    assert.equal(tls?.code, -181);
    assert.equal(
      handshakeProblem('ssl://127.0.0.1:9093/1: Connect to ipv4#127.0.0.1:9093 failed: Connection refused'),
      undefined,
    );
  });
});

describe('librdkafka configuration from the sink settings', () => {
  const base = {
    brokers: ['a:9092', 'b:9092'],
    clientId: 'cf',
    acks: 'all' as const,
    idempotent: true,
    maxInFlightRequests: 5,
    requestTimeoutMs: 30_000,
    connectionTimeoutMs: 3000,
    autoCreateTopics: true,
    compression: 'zstd' as const,
    batchMaxCount: 2000,
    batchMaxBytes: 1024 * 1024,
    maxRecordBytes: 1024 * 1024,
    tls: undefined,
    sasl: undefined,
  };

  it('keeps the idempotent acks=all producer and the codec', () => {
    const conf = rdkafkaConfig(base);
    assert.equal(conf['bootstrap.servers'], 'a:9092,b:9092');
    assert.equal(conf['enable.idempotence'], true);
    assert.equal(conf.acks, -1);
    assert.equal(conf['compression.codec'], 'zstd');
    assert.equal(conf['security.protocol'], 'plaintext');
    assert.ok((conf['message.max.bytes'] as number) > base.maxRecordBytes, 'a record at maxRecordBytes fits');
  });

  it('maps SASL over TLS, password only into the client config', () => {
    process.env.CF_TEST_RD_PW = 'rd-config-password';
    const conf = rdkafkaConfig({
      ...base,
      acks: 'leader',
      idempotent: false,
      tls: { rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: { env: 'CF_TEST_RD_PW' } },
    });
    delete process.env.CF_TEST_RD_PW;
    assert.equal(conf.acks, 1);
    assert.equal(conf['security.protocol'], 'sasl_ssl');
    assert.equal(conf['sasl.mechanisms'], 'SCRAM-SHA-256');
    assert.equal(conf['sasl.password'], 'rd-config-password');
    assert.equal(conf['enable.ssl.certificate.verification'], false);
    assert.equal(conf['ssl.endpoint.identification.algorithm'], 'none');
  });
});
