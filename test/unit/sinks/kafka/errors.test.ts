import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { classifyKafkaError } from '../../../../src/sinks/kafka/errors.js';

/** kafkajs's typings lag its constructors (metadata arguments); build through the runtime signature. */
function make(cls: unknown, ...args: unknown[]): Error {
  return new (cls as new (...a: unknown[]) => Error)(...args);
}
/** Errors built the way kafkajs builds them (its own classes, wrapped the way its retrier wraps). */
function protocolError(type: string, code: number, retriable: boolean) {
  return make(kafkajs.KafkaJSProtocolError, { message: `broker says ${type}`, type, code, retriable });
}
const target = { topic: 'openai.compliance.audit_log', partition: 2 };

describe('kafka error verdicts', () => {
  const table: Array<[string, unknown, string, boolean]> = [
    [
      'retriable broker error',
      protocolError('NOT_LEADER_FOR_PARTITION', 6, true),
      'CF_ERR_SINK_RETRIABLE',
      true,
    ],
    [
      'retriable broker error after kafkajs gave up',
      make(kafkajs.KafkaJSNumberOfRetriesExceeded, protocolError('REQUEST_TIMED_OUT', 7, true), {
        retryCount: 2,
        retryTime: 100,
        cause: protocolError('REQUEST_TIMED_OUT', 7, true),
      }),
      'CF_ERR_SINK_RETRIABLE',
      true,
    ],
    ['record too large', protocolError('MESSAGE_TOO_LARGE', 10, false), 'CF_ERR_SINK_FATAL', false],
    [
      'other non-retriable broker error',
      protocolError('INVALID_RECORD', 87, false),
      'CF_ERR_SINK_FATAL',
      false,
    ],
    ['topic ACL', protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false), 'CF_ERR_SINK_AUTH', false],
    [
      'SASL failure',
      make(kafkajs.KafkaJSSASLAuthenticationError, 'SASL SCRAM failed'),
      'CF_ERR_SINK_AUTH',
      false,
    ],
    [
      'connection refused, wrapped as non-retriable by the broker pool',
      make(kafkajs.KafkaJSNonRetriableError, new Error('x'), {
        cause: make(kafkajs.KafkaJSConnectionError, 'Connection error: connect ECONNREFUSED', {
          broker: '127.0.0.1:9092',
          code: 'ECONNREFUSED',
        }),
      }),
      'CF_ERR_SINK_CONNECT',
      true,
    ],
    [
      'request timeout',
      make(kafkajs.KafkaJSRequestTimeoutError, 'Request Produce timed out'),
      'CF_ERR_SINK_CONNECT',
      true,
    ],
    [
      'untrusted broker certificate',
      make(kafkajs.KafkaJSConnectionError, 'Connection error: self-signed certificate', {
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      }),
      'CF_ERR_SINK_TLS',
      false,
    ],
    [
      'kafkajs usage error',
      new kafkajs.KafkaJSNonRetriableError('Invalid topic'),
      'CF_ERR_SINK_FATAL',
      false,
    ],
    [
      'socket error outside kafkajs',
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      'CF_ERR_SOCKET',
      true,
    ],
    ['programming error', new TypeError('x is not a function'), 'CF_ERR_INTERNAL', false],
  ];
  for (const [what, err, code, retriable] of table) {
    it(`${what} -> ${code}${retriable ? ', retried' : ', not retried'}`, () => {
      const e = classifyKafkaError(err, target);
      assert.equal(e.code, code);
      assert.equal(e.retriable, retriable);
    });
  }

  it('names topic, partition and the broker error', () => {
    const e = classifyKafkaError(protocolError('MESSAGE_TOO_LARGE', 10, false), target);
    assert.match(
      e.message,
      /topic "openai\.compliance\.audit_log" partition 2: MESSAGE_TOO_LARGE \(Kafka error 10\)/,
    );
    assert.match(e.message, /message\.max\.bytes/);
    assert.deepEqual(
      { ...e.details },
      { topic: target.topic, partition: 2, brokerError: 'MESSAGE_TOO_LARGE', brokerErrorCode: 10 },
    );
  });

  it('never throws', () => {
    for (const weird of [undefined, null, 42, 'text', { cause: {} }, Object.create(null)]) {
      assert.equal(typeof classifyKafkaError(weird).code, 'string');
    }
  });
});
