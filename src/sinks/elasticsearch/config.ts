import { z } from 'zod';
import { secretRefSchema } from '../../core/secret-ref.js';
import { httpDeliveryFields } from '../shared/http-delivery/index.js';

const positiveInt = () => z.number().int().min(1);

/** The default target: one data stream per event type, Elastic's `logs-<dataset>-<namespace>` naming. */
export const DEFAULT_ES_INDEX = 'logs-openai.compliance.{type}-default';

/**
 * Configuration of one Elasticsearch (or OpenSearch) sink. One declaration gives the validation,
 * the TypeScript type, the JSON Schema and the configuration reference (docs/sinks/elasticsearch.md).
 */
export const elasticsearchSinkConfigSchema = z
  .strictObject({
    type: z.literal('elasticsearch'),
    name: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Instance name for logs, metrics and routes; defaults to "elasticsearch".' }),
    url: z.url({ protocol: /^https?$/ }).meta({
      description:
        'Base URL of the cluster, e.g. https://es.example.com:9200. A path (a proxy prefix) is kept; /_bulk is added to it.',
    }),
    apiKey: secretRefSchema.optional().meta({
      description:
        'API key, the base64 "id:api_key" value Elasticsearch returns as `encoded`: { env: ES_API_KEY } or { file: /path }. Sent as Authorization: ApiKey. Not with username/password.',
    }),
    username: secretRefSchema.optional().meta({
      description: 'Basic auth user: { env: ES_USERNAME } or { file: /path }; needs password.',
    }),
    password: secretRefSchema.optional().meta({
      description: 'Basic auth password: { env: ES_PASSWORD } or { file: /path }; needs username.',
    }),
    index: z.string().min(1).default(DEFAULT_ES_INDEX).meta({
      description:
        'Index or data stream per record; {type} is the event type in lower case. The default is a data stream per event type (needs a matching index template, as the built-in logs-*-* one).',
    }),
    pipeline: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Ingest pipeline for every document (?pipeline=); absent: the index’s default.' }),
    gzip: z.boolean().default(true).meta({ description: 'Compress request bodies with gzip.' }),
    gzipLevel: z
      .number()
      .int()
      .min(1)
      .max(9)
      .default(3)
      .meta({ description: 'gzip level (1 fastest, 9 smallest).' }),
    batchMaxBytes: z.number().int().min(1024).default(5_000_000).meta({
      description:
        'Bulk body bytes per request before compression (Elastic suggests bulk requests of a few MB; http.max_content_length is 100 MB by default). A record larger than this is sent alone.',
    }),
    batchMaxCount: positiveInt().default(1000).meta({ description: 'Documents per bulk request at most.' }),
    ...httpDeliveryFields({
      inFlightDescription: 'Bulk requests in flight at once.',
      requestTimeoutMs: 60_000,
      retryAttemptsDescription:
        'Attempts for a request failing transiently (429, 5xx but 501, socket errors), and rounds of documents the bulk answer asks to retry (429/5xx items); then fatal.',
    }),
    healthCheck: z.boolean().default(true).meta({
      description: 'At start, GET / with the credentials: checks the URL and the auth before sending.',
    }),
    tls: z
      .strictObject({
        ca: z.string().min(1).optional().meta({
          description:
            'PEM file with the CA (or self-signed certificate) that signed the cluster’s certificate.',
        }),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .meta({ description: 'Verify the cluster’s certificate. false is insecure and logs a warning.' }),
      })
      .default({ rejectUnauthorized: true })
      .meta({ description: 'TLS settings for https URLs.' }),
  })
  .superRefine((c, ctx) => {
    if (/^[a-z]+:\/\/[^/?#]*@/i.test(c.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'credentials do not belong in the URL (they would be logged): use username/password or apiKey',
      });
    }
    if (c.apiKey !== undefined && (c.username !== undefined || c.password !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiKey'],
        message: 'give either apiKey or username/password, not both',
      });
    }
    if ((c.username === undefined) !== (c.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.username === undefined ? 'username' : 'password'],
        message: 'basic auth needs both username and password',
      });
    }
    if (/[A-Z]/.test(c.index.replaceAll('{type}', ''))) {
      ctx.addIssue({ code: 'custom', path: ['index'], message: 'index names must be lower case' });
    }
  })
  .meta({
    description:
      'Elasticsearch or OpenSearch _bulk API with create actions and _id = event_id: a record sent twice is indexed once.',
  });

export type ElasticsearchSinkConfig = z.infer<typeof elasticsearchSinkConfigSchema>;
