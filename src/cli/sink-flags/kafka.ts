import { CfError } from '../../core/errors/index.js';
import { secretFromEnv } from '../../core/secret-ref.js';
import { opt, type SinkFlags, str } from './types.js';

export const kafkaFlags: SinkFlags = {
  kind: 'kafka',
  selector: 'kafka-brokers',
  options: {
    'kafka-brokers': { type: 'string' },
    'kafka-topic': { type: 'string' },
    'kafka-key': { type: 'string' },
    'kafka-client-id': { type: 'string' },
    'kafka-client': { type: 'string' },
    'kafka-compression': { type: 'string' },
    'kafka-acks': { type: 'string' },
    'kafka-max-record-bytes': { type: 'string' },
    'kafka-oversize-policy': { type: 'string' },
    'kafka-truncate-field': { type: 'string' },
    'kafka-tls-ca': { type: 'string' },
    'kafka-tls-cert': { type: 'string' },
    'kafka-sasl-mechanism': { type: 'string' },
    'kafka-sasl-username': { type: 'string' },
  },
  usage: `  --kafka-brokers LIST    kafka: host:9092,host:9092
  --kafka-topic T         kafka: topic or template (default openai.compliance.{event_type_lower})
  --kafka-key T           kafka: key template (default {event_id})
  --kafka-client-id ID    kafka: client id
  --kafka-client C        kafka: librdkafka or kafkajs (default: librdkafka when its addon loads)
  --kafka-compression C   kafka: gzip (default), snappy, lz4, zstd, none
  --kafka-acks A          kafka: all (default) or leader
  --kafka-max-record-bytes N      kafka: largest record (default 1 MiB)
  --kafka-oversize-policy P       kafka: dead-letter (default), fail or truncate
  --kafka-truncate-field PATH     kafka: field to cut with the truncate policy
  --kafka-tls-ca PATH     kafka TLS: CA certificate (PEM)
  --kafka-tls-cert PATH   kafka TLS: client certificate (key: KAFKA_TLS_KEY[_FILE])
  --kafka-sasl-mechanism M        kafka SASL: plain, scram-sha-256, scram-sha-512
  --kafka-sasl-username U         kafka SASL user (password: KAFKA_SASL_PASSWORD[_FILE])`,
  build(flags, env) {
    const brokers = str(flags, 'kafka-brokers');
    if (brokers === undefined) throw new CfError('CF_ERR_USAGE', '--sink kafka needs --kafka-brokers LIST.');
    const max = str(flags, 'kafka-max-record-bytes');
    const ca = str(flags, 'kafka-tls-ca');
    const cert = str(flags, 'kafka-tls-cert');
    const tls =
      ca === undefined && cert === undefined
        ? undefined
        : {
            ...opt('caFile', ca),
            ...opt('certFile', cert),
            ...opt('key', cert === undefined ? undefined : secretFromEnv('KAFKA_TLS_KEY', env)),
          };
    const mechanism = str(flags, 'kafka-sasl-mechanism');
    const sasl =
      mechanism === undefined
        ? undefined
        : {
            mechanism,
            ...opt('username', str(flags, 'kafka-sasl-username')),
            ...opt('password', secretFromEnv('KAFKA_SASL_PASSWORD', env)),
          };
    return {
      type: 'kafka',
      brokers: brokers
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      ...opt('topic', str(flags, 'kafka-topic')),
      ...opt('key', str(flags, 'kafka-key')),
      ...opt('clientId', str(flags, 'kafka-client-id')),
      ...opt('client', str(flags, 'kafka-client')),
      ...opt('compression', str(flags, 'kafka-compression')),
      ...opt('acks', str(flags, 'kafka-acks')),
      ...opt('maxRecordBytes', max === undefined ? undefined : Number(max)),
      ...opt('oversizePolicy', str(flags, 'kafka-oversize-policy')),
      ...opt('truncateField', str(flags, 'kafka-truncate-field')),
      ...opt('tls', tls),
      ...opt('sasl', sasl),
    };
  },
};
