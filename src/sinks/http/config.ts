import { z } from 'zod';
import { secretRefSchema } from '../../core/secret-ref.js';
import { httpDeliveryFields } from '../shared/http-delivery/index.js';
import { PRESET_NAMES, PRESETS } from './presets/index.js';
import { HTTP_TEMPLATE_PLACEHOLDERS, templateProblems } from './template.js';

const positiveInt = () => z.number().int().min(1);
const placeholders = HTTP_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');

const authSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('bearer'),
      token: secretRefSchema
        .default({ env: 'HTTP_AUTH_TOKEN' })
        .meta({ description: 'Sent as Authorization: Bearer <token>.', secret: true }),
    }),
    z.strictObject({
      type: z.literal('basic'),
      username: z.string().min(1).meta({ description: 'Basic auth user name.' }),
      password: secretRefSchema
        .default({ env: 'HTTP_AUTH_PASSWORD' })
        .meta({ description: 'Basic auth password.', secret: true }),
    }),
  ])
  .meta({ description: 'Authorization header for a plain webhook: bearer token or basic auth.' });

const sumoSchema = z
  .strictObject({
    category: z
      .string()
      .min(1)
      .default('openai/compliance/{event_type_lower}')
      .meta({
        description: `X-Sumo-Category (the _sourceCategory), a template with ${placeholders}.`,
      }),
    name: z
      .string()
      .min(1)
      .default('openai-compliance/{event_type_lower}')
      .meta({
        description: `X-Sumo-Name (the _sourceName), a template with ${placeholders}.`,
      }),
    host: z
      .string()
      .min(1)
      .optional()
      .meta({
        description: `X-Sumo-Host (the _sourceHost), a template with ${placeholders}; absent: the Source's own setting.`,
      }),
  })
  .default({
    category: 'openai/compliance/{event_type_lower}',
    name: 'openai-compliance/{event_type_lower}',
  })
  .meta({ description: 'preset sumo: the metadata headers Sumo Logic reads per request.' });

const datadogSchema = z
  .strictObject({
    source: z.string().min(1).default('openai').meta({ description: 'Each entry’s `ddsource`.' }),
    service: z.string().min(1).default('chatgpt-compliance').meta({ description: 'Each entry’s `service`.' }),
    tags: z
      .string()
      .default('event_type:{event_type_lower},principal_id:{principal_id}')
      .meta({
        description: `Each entry’s \`ddtags\` (comma-separated key:value), a template with ${placeholders}.`,
      }),
    hostname: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Each entry’s `hostname`; defaults to this machine’s hostname.' }),
  })
  .default({
    source: 'openai',
    service: 'chatgpt-compliance',
    tags: 'event_type:{event_type_lower},principal_id:{principal_id}',
  })
  .meta({ description: 'preset datadog: the reserved attributes of every log entry.' });

/**
 * Configuration of one `http` sink: a preset (the receiver's wire format, headers, limits and
 * answers) plus the settings every HTTP delivery shares. One declaration gives the validation, the
 * TypeScript type, the JSON Schema and the configuration reference (docs/sinks/http.md).
 */
export const httpSinkConfigSchema = z
  .strictObject({
    type: z.literal('http'),
    name: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Instance name for logs, metrics and routes; defaults to "http".' }),
    preset: z.enum(PRESET_NAMES).default('ndjson').meta({
      description:
        'The receiver: ndjson or json-array (a plain webhook), sumo (Sumo Logic HTTP Source), datadog (Logs intake v2), secops (Google SecOps webhook feed).',
    }),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({
        description:
          'Where to POST. With preset sumo the URL holds the Source’s token: prefer urlSecret, and it is never logged either way.',
      }),
    urlSecret: secretRefSchema.optional().meta({
      description:
        'The URL read from { env: VAR } or { file: /path } (a URL that embeds a token, such as a Sumo Logic Source URL); instead of url.',
      secret: true,
    }),
    headers: z
      .record(z.string().min(1), z.string())
      .default({})
      .meta({
        description: `Extra request headers; values may be templates with ${placeholders}. Cannot replace the preset’s auth or content headers.`,
      }),
    auth: authSchema.optional(),
    apiKey: secretRefSchema.optional().meta({
      description:
        'preset datadog: DD-API-KEY (default { env: DD_API_KEY }); preset secops: X-goog-api-key (default { env: SECOPS_API_KEY }).',
      secret: true,
    }),
    webhookSecret: secretRefSchema.optional().meta({
      description: 'preset secops: the feed’s X-Webhook-Access-Key (default { env: SECOPS_WEBHOOK_SECRET }).',
      secret: true,
    }),
    sumo: sumoSchema,
    datadog: datadogSchema,
    gzip: z.boolean().optional().meta({
      description:
        'Compress request bodies with gzip (Content-Encoding: gzip). Default: on for sumo and datadog, off for the others.',
    }),
    gzipLevel: z
      .number()
      .int()
      .min(1)
      .max(9)
      .default(3)
      .meta({ description: 'gzip level (1 fastest, 9 smallest).' }),
    batchMaxBytes: z.number().int().min(1024).optional().meta({
      description:
        'Request body bytes per batch before compression; default and ceiling: the preset’s (sumo 1 MB, datadog 5 MB, secops 4 MB, others 1 MB default).',
    }),
    batchMaxCount: positiveInt()
      .optional()
      .meta({ description: 'Records per request at most; default the preset’s (datadog at most 1000).' }),
    maxRecordBytes: positiveInt().optional().meta({
      description:
        'Largest record, as encoded for the receiver; a larger one is dead-lettered before it is sent. Default the preset’s (datadog 1 MB: larger entries are truncated silently).',
    }),
    ...httpDeliveryFields({
      inFlightDescription: 'Requests in flight at once.',
      requestTimeoutMs: 30_000,
      retryAttemptsDescription:
        'Attempts for a request failing transiently (408, 429, 5xx but 501, socket errors); then fatal.',
    }),
    tls: z
      .strictObject({
        ca: z.string().min(1).optional().meta({
          description:
            'PEM file with the CA (or self-signed certificate) that signed the receiver’s certificate.',
        }),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .meta({ description: 'Verify the receiver’s certificate. false is insecure and logs a warning.' }),
      })
      .default({ rejectUnauthorized: true })
      .meta({ description: 'TLS settings for https URLs.' }),
  })
  .superRefine((c, ctx) => {
    if ((c.url === undefined) === (c.urlSecret === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and urlSecret' });
    }
    if (c.url !== undefined && /^[a-z]+:\/\/[^/?#]*@/i.test(c.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'credentials in the URL are not sent (and would be shown in messages): use auth { type: basic } or a header',
      });
    }
    const preset = PRESETS[c.preset];
    const unused = (key: 'apiKey' | 'webhookSecret' | 'auth', presets: readonly string[]) => {
      if (c[key] !== undefined && !presets.includes(c.preset)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} is used by preset ${presets.join(' and ')} only, not ${c.preset}`,
        });
      }
    };
    unused('apiKey', ['datadog', 'secops']);
    unused('webhookSecret', ['secops']);
    unused('auth', ['ndjson', 'json-array']);
    const over = (key: 'batchMaxBytes' | 'batchMaxCount' | 'maxRecordBytes', max: number | undefined) => {
      const v = c[key];
      if (v !== undefined && max !== undefined && v > max) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `preset ${c.preset} accepts at most ${max} (${preset.title}'s documented limit)`,
        });
      }
    };
    over('batchMaxBytes', preset.limits.maxBatchBytes);
    over('batchMaxCount', preset.limits.maxBatchCount);
    over('maxRecordBytes', preset.limits.maxBatchBytes);
    const templates: Array<[string[], string | undefined]> = [
      [['sumo', 'category'], c.sumo.category],
      [['sumo', 'name'], c.sumo.name],
      [['sumo', 'host'], c.sumo.host],
      [['datadog', 'tags'], c.datadog.tags],
      ...Object.entries(c.headers).map(([k, v]): [string[], string] => [['headers', k], v]),
    ];
    for (const [path, text] of templates) {
      for (const message of text === undefined ? [] : templateProblems(text)) {
        ctx.addIssue({ code: 'custom', path, message });
      }
    }
    for (const name of Object.keys(c.headers)) {
      if (
        preset.reservedHeaders.includes(name.toLowerCase()) ||
        /^(authorization|content-(type|encoding|length))$/i.test(name)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `header ${name} is set by the sink (preset ${c.preset}); use the preset's own setting`,
        });
      }
    }
  })
  .meta({
    description:
      'HTTP event collectors other than Splunk: a plain NDJSON or JSON-array webhook, Sumo Logic, Datadog or Google SecOps, chosen by preset.',
  });

export type HttpSinkConfig = z.infer<typeof httpSinkConfigSchema>;
