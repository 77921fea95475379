import { z } from 'zod';
import { secretRefSchema } from '../../core/secret-ref.js';
import { isFixedTemplate, TEMPLATE_PLACEHOLDERS, templateProblems, topicNameProblem } from './template.js';
import { ZSTD_MIN_NODE, zstdAvailable } from './zstd.js';

/** Kafka requires `maxInFlightRequests <= 5` for an idempotent producer to keep its ordering. */
export const IDEMPOTENT_MAX_IN_FLIGHT = 5;

const placeholders = TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');

const brokerAddress = z
  .string()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'a broker address is host:port, e.g. kafka-1.example.com:9092');

const tlsSchema = z
  .strictObject({
    caFile: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'PEM file with the CA(s) that signed the brokers; default: the system CAs.' }),
    certFile: z.string().min(1).optional().meta({ description: 'PEM client certificate (mutual TLS).' }),
    key: secretRefSchema
      .optional()
      .meta({ description: 'PEM client private key (mutual TLS).', secret: true }),
    keyPassphrase: secretRefSchema
      .optional()
      .meta({ description: 'Passphrase of an encrypted client key.', secret: true }),
    serverName: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Name to verify the broker certificates against, when not the broker host.' }),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .meta({ description: 'Verify the broker certificates. Turn off only for throwaway test setups.' }),
  })
  .meta({ description: 'TLS to the brokers (security.protocol SSL or SASL_SSL); absent means plaintext.' });

const saslSchema = z
  .strictObject({
    mechanism: z
      .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
      .meta({ description: 'SASL mechanism the brokers expect.' }),
    username: z.string().min(1).meta({ description: 'SASL user name.' }),
    password: secretRefSchema.meta({ description: 'SASL password.', secret: true }),
  })
  .meta({ description: 'SASL authentication; combine with tls for SASL_SSL.' });

export const kafkaSinkConfigSchema = z
  .strictObject({
    type: z.literal('kafka'),
    name: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Instance name in logs, metrics and dead-letter records (default "kafka").' }),
    brokers: z
      .array(brokerAddress)
      .min(1)
      .meta({ description: 'Bootstrap brokers, host:port each (--kafka-brokers a:9092,b:9092).' }),
    client: z.enum(['librdkafka', 'kafkajs']).optional().meta({
      description:
        'The Kafka client: librdkafka (@confluentinc/kafka-javascript, an optional dependency with a native addon) or kafkajs (pure JavaScript). Absent: librdkafka when its addon loads, else kafkajs; the start-up log says which and why. Naming one that cannot run is a start-up error.',
    }),
    clientId: z
      .string()
      .min(1)
      .default('compliance-forwarder')
      .meta({ description: 'Kafka client.id, as seen in broker logs and quotas.' }),
    topic: z
      .string()
      .min(1)
      .default('openai.compliance.{event_type_lower}')
      .meta({
        description: `Topic per record: a fixed name or a template with ${placeholders}; substituted values are made legal topic names (other characters become "_").`,
      }),
    key: z
      .string()
      .default('{event_id}')
      .meta({
        description: `Record key template (${placeholders}); the key picks the partition. An empty result sends no key.`,
      }),
    timestamp: z.enum(['event', 'produce']).default('event').meta({
      description:
        "The record timestamp: the event's own time (event; records without one get the send time), or always the send time (produce), e.g. for a replay of old logs into topics whose retention would delete them at once.",
    }),
    autoCreateTopics: z.boolean().default(true).meta({
      description:
        'When a topic is missing, ask the cluster to create it with its defaults; false makes a missing topic a start-up error.',
    }),
    acks: z.enum(['all', 'leader']).default('all').meta({
      description:
        'Which replicas must have a record before it counts as delivered: all in-sync replicas (acks=-1) or the leader (acks=1).',
    }),
    idempotent: z
      .boolean()
      .default(true)
      .meta({ description: 'Idempotent producer: retries do not duplicate records. Needs acks "all".' }),
    compression: z
      .enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
      .default('gzip')
      .meta({ description: `Record batch compression. zstd needs Node.js >= ${ZSTD_MIN_NODE}.` }),
    batchMaxCount: z.number().int().min(1).default(2000).meta({ description: 'Records per batch at most.' }),
    batchMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024)
      .meta({
        description:
          "Uncompressed record bytes per batch at most. Keep it at or below the broker's message.max.bytes (a partition's share of a batch is sent as one record batch).",
      }),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .default(50)
      .meta({ description: 'A batch that is not full is sent this long after its first record.' }),
    maxInFlightRequests: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(IDEMPOTENT_MAX_IN_FLIGHT)
      .meta({ description: 'Batches being sent at once; at most 5 with the idempotent producer.' }),
    maxRecordBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024)
      .meta({
        description:
          "Largest record (value, key and headers, uncompressed) sent to Kafka; match the broker's message.max.bytes (1 MiB by default).",
      }),
    oversizePolicy: z.enum(['dead-letter', 'fail', 'truncate']).default('dead-letter').meta({
      description:
        'What happens to a record over maxRecordBytes: written to the dead-letter file (the rest goes on), fatal, or shortened by cutting truncateField.',
    }),
    truncateField: z
      .string()
      .regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path such as message.content.value')
      .optional()
      .meta({
        description:
          'Dotted path of the string field cut when oversizePolicy is "truncate", e.g. message.content.value.',
      }),
    requestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .meta({ description: 'How long a produce or metadata request may take before it is retried.' }),
    connectionTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(3000)
      .meta({ description: 'How long opening a broker connection may take.' }),
    retryMaxAttempts: z.number().int().min(0).default(10).meta({
      description:
        'Attempts of a transiently failing send (broker down, leader moved, timeout), the first included, before the sink stops (fatal). 0 retries without limit.',
    }),
    retryInitialDelayMs: z
      .number()
      .int()
      .min(1)
      .default(500)
      .meta({ description: 'Ceiling of the first retry delay (full jitter); doubles per retry.' }),
    retryMaxDelayMs: z.number().int().min(1).default(30_000).meta({ description: 'Cap of the retry delay.' }),
    tls: tlsSchema.optional(),
    sasl: saslSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const topicProblems = templateProblems(c.topic);
    for (const message of topicProblems) ctx.addIssue({ code: 'custom', path: ['topic'], message });
    if (topicProblems.length === 0) {
      // Literal text must be legal on its own; substituted values are sanitised when rendered.
      const literal = isFixedTemplate(c.topic) ? c.topic : c.topic.replace(/\{[^{}]*\}/g, 'x');
      const problem = topicNameProblem(literal);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['topic'], message: problem });
    }
    for (const message of templateProblems(c.key)) ctx.addIssue({ code: 'custom', path: ['key'], message });
    if (c.idempotent && c.acks !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['acks'],
        message: 'the idempotent producer needs acks "all"; set idempotent: false to use acks "leader"',
      });
    }
    if (c.idempotent && c.maxInFlightRequests > IDEMPOTENT_MAX_IN_FLIGHT) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInFlightRequests'],
        message: `the idempotent producer allows at most ${IDEMPOTENT_MAX_IN_FLIGHT} requests in flight`,
      });
    }
    if (c.oversizePolicy === 'truncate' && c.truncateField === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['truncateField'],
        message: 'oversizePolicy "truncate" needs truncateField (e.g. message.content.value)',
      });
    }
    if (c.tls !== undefined && (c.tls.certFile === undefined) !== (c.tls.key === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'a client certificate needs both tls.certFile and tls.key',
      });
    }
    if (c.retryMaxDelayMs < c.retryInitialDelayMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['retryMaxDelayMs'],
        message: 'retryMaxDelayMs must be at least retryInitialDelayMs',
      });
    }
    // librdkafka compresses zstd itself; kafkajs needs Node's zstd.
    if (c.compression === 'zstd' && !zstdAvailable() && c.client !== 'librdkafka') {
      ctx.addIssue({
        code: 'custom',
        path: ['compression'],
        message: `zstd compression needs Node.js >= ${ZSTD_MIN_NODE} with kafkajs (this is ${process.version}); choose gzip, snappy or lz4, or client: librdkafka`,
      });
    }
  })
  .meta({
    description:
      'Produces each record to a Kafka topic (librdkafka or kafkajs), acknowledged once the brokers have it.',
  });

export type KafkaSinkConfig = z.infer<typeof kafkaSinkConfigSchema>;
