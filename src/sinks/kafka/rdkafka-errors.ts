import { CfError } from '../../core/errors/index.js';
import { redactSecrets } from '../../core/secret.js';
import type { ProduceTarget } from './errors.js';
import type { RdKafkaError } from './rdkafka-api.js';

/**
 * librdkafka's error codes the sink tells apart (rdkafka.h, rd_kafka_resp_err_t): negative ones
 * are the client's own, positive ones the broker's (the Kafka protocol's error codes).
 */
export const RD = {
  BAD_MSG: -199,
  DESTROY: -197,
  FAIL: -196,
  TRANSPORT: -195,
  RESOLVE: -193,
  MSG_TIMED_OUT: -192,
  UNKNOWN_PARTITION: -190,
  ALL_BROKERS_DOWN: -187,
  TIMED_OUT: -185,
  QUEUE_FULL: -184,
  SSL: -181,
  STATE: -172,
  AUTHENTICATION: -169,
  TIMED_OUT_QUEUE: -166,
  FATAL: -150,
  MSG_SIZE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  UNKNOWN_TOPIC_OR_PART: 3,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  SASL_AUTHENTICATION_FAILED: 58,
} as const;

const AUTH_CODES = new Set<number>([
  RD.AUTHENTICATION,
  RD.TOPIC_AUTHORIZATION_FAILED,
  RD.CLUSTER_AUTHORIZATION_FAILED,
  RD.UNSUPPORTED_SASL_MECHANISM,
  RD.ILLEGAL_SASL_STATE,
  RD.SASL_AUTHENTICATION_FAILED,
]);

/** The client could not reach a broker or got no answer in time: retried with backoff. */
const TRANSIENT_CODES = new Set<number>([
  RD.TRANSPORT,
  RD.RESOLVE,
  RD.MSG_TIMED_OUT,
  RD.ALL_BROKERS_DOWN,
  RD.TIMED_OUT,
  RD.TIMED_OUT_QUEUE,
  RD.QUEUE_FULL,
  RD.UNKNOWN_PARTITION,
]);

/** Broker error names as the Kafka protocol spells them (librdkafka's ERR_ names without ERR_). */
export function brokerErrorNames(errors: Readonly<Record<string, number>>): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, code] of Object.entries(errors)) {
    if (code > 0 && name.startsWith('ERR_')) names.set(code, name.slice(4));
  }
  // librdkafka calls it MSG_SIZE_TOO_LARGE; Kafka (and kafkajs) MESSAGE_TOO_LARGE.
  names.set(RD.MSG_SIZE_TOO_LARGE, 'MESSAGE_TOO_LARGE');
  return names;
}

function text(err: { message?: unknown }): string {
  return redactSecrets(String(err.message ?? 'unknown error'));
}

/**
 * Turns a librdkafka error into a CfError with the sink's verdict, as classifyKafkaError does
 * for kafkajs, with the same codes and wording: authorisation and "too large" are fatal with
 * their advice, TLS verification is fatal, connection trouble and timeouts are retriable, broker
 * errors keep librdkafka's retriable flag, and the rest (fatal producer errors) is fatal.
 */
export function classifyRdKafkaError(
  err: RdKafkaError,
  names: ReadonlyMap<number, string>,
  target?: ProduceTarget,
): CfError {
  const where = target === undefined ? '' : ` for topic "${target.topic}" partition ${target.partition}`;
  const place = target === undefined ? {} : { topic: target.topic, partition: target.partition };
  const message = text(err);
  const options = { cause: err, details: { ...place, clientErrorCode: err.code } };
  if (err.code > 0) {
    const type = names.get(err.code) ?? `UNKNOWN_${err.code}`;
    const brokerError = `${type} (Kafka error ${err.code})`;
    const brokerOptions = { cause: err, details: { ...place, brokerError: type, brokerErrorCode: err.code } };
    if (AUTH_CODES.has(err.code)) {
      return new CfError(
        'CF_ERR_SINK_AUTH',
        `Kafka refused access${where}: ${brokerError}: ${message}`,
        brokerOptions,
      );
    }
    if (err.code === RD.MSG_SIZE_TOO_LARGE || err.code === RD.RECORD_LIST_TOO_LARGE) {
      return new CfError(
        'CF_ERR_SINK_FATAL',
        `Kafka rejected records${where}: ${brokerError}: ${message}. Set the sink's maxRecordBytes and batchMaxBytes at or below the broker's message.max.bytes.`,
        brokerOptions,
      );
    }
    if (err.isRetriable === true || err.code === RD.UNKNOWN_TOPIC_OR_PART) {
      return new CfError(
        'CF_ERR_SINK_RETRIABLE',
        `Kafka answered ${brokerError}${where}: ${message}`,
        brokerOptions,
      );
    }
    return new CfError(
      'CF_ERR_SINK_FATAL',
      `Kafka rejected records${where}: ${brokerError}: ${message}`,
      brokerOptions,
    );
  }
  if (err.code === RD.SSL) {
    return new CfError(
      'CF_ERR_SINK_TLS',
      `TLS with the Kafka brokers failed: ${message}. Check tls.caFile and the broker certificate's names.`,
      options,
    );
  }
  if (err.code === RD.AUTHENTICATION) {
    const noSasl = /SaslHandshake|not supported by broker|Unsupported SASL/i.test(message);
    return new CfError(
      'CF_ERR_SINK_AUTH',
      noSasl
        ? `Kafka broker does not offer SASL on this listener: ${message}. Check the broker port and whether sasl should be set.`
        : `Kafka SASL authentication failed: ${message}`,
      options,
    );
  }
  if (TRANSIENT_CODES.has(err.code)) {
    return new CfError('CF_ERR_SINK_CONNECT', `Kafka broker unavailable${where}: ${message}`, options);
  }
  if (err.isRetriable === true) {
    return new CfError('CF_ERR_SINK_RETRIABLE', `Kafka client error${where}: ${message}`, options);
  }
  return new CfError('CF_ERR_SINK_FATAL', `Kafka client error${where}: ${message}`, options);
}
