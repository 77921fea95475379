import { CfError, classify, isCfError } from '../../core/errors/index.js';
import { redactSecrets } from '../../core/secret.js';

/** Where a produce request went, so that a failure can name it. */
export interface ProduceTarget {
  readonly topic: string;
  readonly partition: number;
}

/** Broker error types that mean "these credentials may not do this": fatal, fix the ACLs or the secret. */
const AUTH_ERROR_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
]);

/** Broker error types that say the request was too big for the broker's message.max.bytes. */
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** kafkajs errors that mean "the cluster is not reachable right now": retried with backoff. */
const TRANSIENT_CLIENT_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Node TLS verification failures: retrying cannot help, the CA or the host name is wrong. */
const TLS_VERIFY_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL/;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  broker?: unknown;
}

/** The error and its causes, outermost first (kafkajs wraps: retries exceeded -> protocol error). */
function causeChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let e: unknown = err;
  while (typeof e === 'object' && e !== null && chain.length < 8 && !chain.includes(e as ErrorLike)) {
    chain.push(e as ErrorLike);
    e = (e as ErrorLike).cause;
  }
  return chain;
}

function text(v: unknown): string {
  return redactSecrets(typeof v === 'string' ? v : String(v));
}

/**
 * Turns whatever kafkajs threw into a CfError with the sink's verdict, and never throws:
 * broker errors keep kafkajs's retriable flag (authorisation and "too large" are fatal with
 * their own advice), connection trouble is retriable unless TLS verification failed, and
 * anything else is fatal. Messages name the topic and partition when the caller knows them.
 */
export function classifyKafkaError(err: unknown, target?: ProduceTarget): CfError {
  if (isCfError(err)) return err;
  try {
    const chain = causeChain(err);
    const where = target === undefined ? '' : ` for topic "${target.topic}" partition ${target.partition}`;
    const place = target === undefined ? {} : { topic: target.topic, partition: target.partition };

    const protocol = chain.find((e) => e.name === 'KafkaJSProtocolError');
    if (protocol !== undefined) {
      const type = text(protocol.type);
      const brokerError = `${type} (Kafka error ${text(protocol.code)})`;
      const details = { ...place, brokerError: type, brokerErrorCode: protocol.code };
      const options = { cause: err, details };
      if (AUTH_ERROR_TYPES.has(type)) {
        return new CfError(
          'CF_ERR_SINK_AUTH',
          `Kafka refused access${where}: ${brokerError}: ${text(protocol.message)}`,
          options,
        );
      }
      if (TOO_LARGE_TYPES.has(type)) {
        return new CfError(
          'CF_ERR_SINK_FATAL',
          `Kafka rejected records${where}: ${brokerError}: ${text(protocol.message)}. Set the sink's maxRecordBytes and batchMaxBytes at or below the broker's message.max.bytes.`,
          options,
        );
      }
      if (protocol.retriable === true) {
        return new CfError(
          'CF_ERR_SINK_RETRIABLE',
          `Kafka answered ${brokerError}${where}: ${text(protocol.message)}`,
          options,
        );
      }
      return new CfError(
        'CF_ERR_SINK_FATAL',
        `Kafka rejected records${where}: ${brokerError}: ${text(protocol.message)}`,
        options,
      );
    }

    const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
    if (sasl !== undefined) {
      return new CfError('CF_ERR_SINK_AUTH', `Kafka SASL authentication failed: ${text(sasl.message)}`, {
        cause: err,
        details: place,
      });
    }

    const unsupported = chain.find((e) => e.name === 'KafkaJSServerDoesNotSupportApiKey');
    if (unsupported !== undefined) {
      const api = text((unsupported as { apiName?: unknown }).apiName ?? 'unknown');
      if (api.startsWith('Sasl')) {
        return new CfError(
          'CF_ERR_SINK_AUTH',
          `Kafka broker does not offer SASL on this listener (no ${api} API): check the broker port and whether sasl should be set.`,
          { cause: err, details: place },
        );
      }
      return new CfError(
        'CF_ERR_SINK_FATAL',
        `Kafka broker does not support the ${api} API this client needs.`,
        {
          cause: err,
          details: place,
        },
      );
    }

    const transient = chain.find((e) => typeof e.name === 'string' && TRANSIENT_CLIENT_ERRORS.has(e.name));
    if (transient !== undefined) {
      const broker = typeof transient.broker === 'string' ? ` ${transient.broker}` : '';
      const details = { ...place, ...(broker ? { broker: broker.trim() } : {}) };
      if (typeof transient.code === 'string' && TLS_VERIFY_CODE.test(transient.code)) {
        return new CfError(
          'CF_ERR_SINK_TLS',
          `TLS with Kafka broker${broker} failed (${transient.code}): ${text(transient.message)}. Check tls.caFile and tls.serverName.`,
          { cause: err, details },
        );
      }
      return new CfError(
        'CF_ERR_SINK_CONNECT',
        `Kafka broker${broker} unavailable${where}: ${text(transient.message)}`,
        { cause: err, details },
      );
    }

    const first = chain[0];
    if (first !== undefined && typeof first.name === 'string' && first.name.startsWith('KafkaJS')) {
      return new CfError('CF_ERR_SINK_FATAL', `Kafka client error${where}: ${text(first.message)}`, {
        cause: err,
        details: place,
      });
    }
    return classify(err);
  } catch {
    return classify(err);
  }
}
