import { z } from 'zod';
import { secretRefSchema } from '../../core/secret-ref.js';
import { httpDeliveryFields } from '../shared/http-delivery/index.js';

const positiveInt = () => z.number().int().min(1);

/**
 * Configuration of one Splunk HTTP Event Collector sink. One declaration gives the validation,
 * the TypeScript type, the JSON Schema and the configuration reference (docs/sinks/splunk-hec.md).
 */
export const splunkHecSinkConfigSchema = z
  .strictObject({
    type: z.literal('splunk-hec'),
    name: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Instance name for logs, metrics and routes; defaults to "splunk-hec".' }),
    url: z.url({ protocol: /^https?$/ }).meta({
      description:
        'Base URL of the HEC, e.g. https://splunk.example.com:8088. A path ending in /services/collector... is accepted and cut there; a path before it (a proxy prefix) is kept.',
    }),
    token: secretRefSchema
      .default({ env: 'HEC_TOKEN' })
      .meta({ description: 'The HEC token: { env: VAR } or { file: /path }. Sent only to the HEC.' }),
    host: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'The envelope `host`; defaults to this machine’s hostname.' }),
    source: z.string().min(1).default('openai:compliance').meta({ description: 'The envelope `source`.' }),
    sourcetype: z.string().min(1).optional().meta({
      description:
        'The envelope `sourcetype` for every record; by default openai:compliance:<event type in lower case>, the naming of Splunk’s OpenAI Compliance add-on.',
    }),
    index: z.string().min(1).optional().meta({
      description: 'Index for event types not in indexByEventType; absent: the token’s default index.',
    }),
    indexByEventType: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .meta({ description: 'Index per event type, e.g. { CONVERSATION_MESSAGE: openai_conversations }.' }),
    gzip: z.boolean().default(true).meta({ description: 'Compress request bodies with gzip.' }),
    gzipLevel: z.number().int().min(1).max(9).default(3).meta({
      description:
        'gzip level (1 fastest, 9 smallest). On compliance records 3 compresses 5.0x at 121 MiB/s per core, 6 5.2x at 55 MiB/s, 1 4.6x at 154 MiB/s.',
    }),
    useAck: z.boolean().default(false).meta({
      description:
        'Indexer acknowledgement: records are acknowledged only when Splunk reports them indexed (Splunk Enterprise; the token must have it enabled).',
    }),
    ackPollIntervalMs: positiveInt()
      .default(10_000)
      .meta({ description: 'How often pending ack ids are polled on /services/collector/ack.' }),
    ackMaxPolls: positiveInt()
      .default(30)
      .meta({ description: 'Polls of one ack id before its batch is sent again (duplicates possible).' }),
    ackMaxPendingBatches: positiveInt().default(32).meta({
      description:
        'With useAck: batches held in memory while they wait to be reported indexed (each up to batchMaxBytes).',
    }),
    batchMaxBytes: z.number().int().min(1024).default(1_000_000).meta({
      description:
        'Request body bytes per batch before compression; a record larger than this is sent alone, never dropped for it.',
    }),
    batchMaxCount: positiveInt().default(1000).meta({ description: 'Records per batch at most.' }),
    ...httpDeliveryFields({
      inFlightDescription: 'Event requests in flight at once.',
      requestTimeoutMs: 30_000,
      retryAttemptsDescription:
        'Attempts for a request failing transiently (429, 5xx but 501, socket errors), and sends of a batch whose ack never comes; then fatal.',
    }),
    healthCheck: z
      .boolean()
      .default(true)
      .meta({ description: 'At start, check /services/collector/health and the token before sending.' }),
    tls: z
      .strictObject({
        ca: z.string().min(1).optional().meta({
          description: 'PEM file with the CA (or self-signed certificate) that signed the HEC’s certificate.',
        }),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .meta({ description: 'Verify the HEC’s certificate. false is insecure and logs a warning.' }),
      })
      .default({ rejectUnauthorized: true })
      .meta({ description: 'TLS settings for https URLs.' }),
  })
  .meta({
    description:
      'Splunk HTTP Event Collector (/services/collector/event), with optional indexer acknowledgement.',
  });

export type SplunkHecSinkConfig = z.infer<typeof splunkHecSinkConfigSchema>;
