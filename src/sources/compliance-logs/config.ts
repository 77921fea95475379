import { z } from 'zod';
import { ALL_EVENT_TYPES, ORGANIZATION_EVENT_TYPES } from '../../core/event-types.js';
import { secretRefSchema } from '../../core/secret-ref.js';
import { eventTimeConfigSchema } from '../shared/event-time.js';
import { upstreamHttpShape } from '../shared/http-settings.js';

/**
 * The Compliance Logs Platform source, configured as it always was: the `source` section (where
 * and how to call the API) and `principals` (what to forward). Its instance is both together.
 */

/** Timeout, attempt and backoff settings (its rate limits are its own, per endpoint). */
const { requestsPerMinute: _perKey, ...UPSTREAM_HTTP } = upstreamHttpShape(1);

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ORG = /^org-[A-Za-z0-9]{1,64}$/;
const EVENT_TYPES: readonly string[] = ALL_EVENT_TYPES;

export const principalIdSchema = z
  .string()
  .refine((s) => UUID.test(s) || ORG.test(s), {
    message: 'must be a workspace id (UUID) or an organization id (org-...)',
  })
  .meta({ description: 'A ChatGPT workspace id (UUID) or an API Platform organization id (org-...).' });

/**
 * What an event type the API may add later looks like: OpenAI adds types over time and the API
 * accepts any string, so a well-formed unknown type is accepted (with a warning, see
 * unknownEventTypes); the built-in list stays for help texts and defaults.
 */
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{1,63}$/;

/** The types in `types` that are well-formed but not in the built-in list. */
export function unknownEventTypes(types: Iterable<string>): string[] {
  return [...new Set([...types].filter((t) => !EVENT_TYPES.includes(t) && EVENT_TYPE_PATTERN.test(t)))];
}

export const eventTypeSchema = z
  .string()
  .refine((s) => EVENT_TYPES.includes(s) || EVENT_TYPE_PATTERN.test(s), {
    message: `must be one of ${EVENT_TYPES.join(', ')}, or a type the API added since (upper case letters, digits and _)`,
  })
  .meta({
    description:
      'A Compliance Logs Platform event type: a built-in one, or one the API added since (A-Z, 0-9, _; accepted with a warning).',
  });

export const principalConfigSchema = z
  .strictObject({
    id: principalIdSchema,
    eventTypes: z
      .array(eventTypeSchema)
      .min(1)
      .meta({ description: 'Event types to forward for this principal.' }),
    apiKey: secretRefSchema.optional().meta({
      description: 'This principal’s key, when it differs from source.apiKey.',
    }),
  })
  .superRefine((p, ctx) => {
    if (ORG.test(p.id)) {
      for (const t of p.eventTypes) {
        // A type the API added since is the API's to refuse; a known workspace type is not served.
        if (EVENT_TYPES.includes(t) && !(ORGANIZATION_EVENT_TYPES as readonly string[]).includes(t)) {
          ctx.addIssue({
            code: 'custom',
            path: ['eventTypes'],
            message: `${t} is not served for organizations (only ${ORGANIZATION_EVENT_TYPES.join(', ')})`,
          });
        }
      }
    } else if (p.eventTypes.includes('COSTS')) {
      ctx.addIssue({ code: 'custom', path: ['eventTypes'], message: 'COSTS exists only for organizations' });
    }
  });

/** Keys that moved to the `pipeline` section: an old config names them, the error says where to. */
const MOVED_TO_PIPELINE: Readonly<Record<string, string>> = {
  concurrency: 'pipeline.concurrency',
  skipExpiredFiles: 'pipeline.skipExpiredFiles',
};

export const complianceLogsSourceConfigSchema = z
  .strictObject(
    {
      type: z.literal('compliance-logs').default('compliance-logs').meta({ description: 'The source kind.' }),
      baseUrl: z
        .url({ protocol: /^https?$/ })
        .default('https://api.chatgpt.com/v1/compliance')
        .meta({ description: 'Compliance Logs Platform base URL (env COMPLIANCE_API_BASE overrides).' }),
      apiKey: secretRefSchema.default({ env: 'COMPLIANCE_API_KEY' }).meta({
        description: 'The Compliance API key (default: env COMPLIANCE_API_KEY or COMPLIANCE_API_KEY_FILE).',
      }),
      pageSize: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(100)
        .meta({ description: 'Files per list page (1..100).' }),
      eventTime: eventTimeConfigSchema,
      maxPages: z
        .number()
        .int()
        .min(1)
        .optional()
        .meta({ description: 'Stop listing after this many pages.' }),
      downloadsPerMinute: z
        .number()
        .int()
        .min(1)
        .default(50)
        .meta({ description: 'Client-side limit on Download calls per key (the API allows 50 a minute).' }),
      listsPerMinute: z
        .number()
        .int()
        .min(1)
        .default(100)
        .meta({ description: 'Client-side limit on List calls per key.' }),
      // Timeouts, attempts and backoff: the same names and defaults as every other API source.
      ...UPSTREAM_HTTP,
    },
    {
      error: (issue) => {
        if (issue.code !== 'unrecognized_keys') return undefined;
        const moved = issue.keys.filter((k) => MOVED_TO_PIPELINE[k] !== undefined);
        if (moved.length === 0) return undefined;
        return `${moved.map((k) => `source.${k} moved to ${MOVED_TO_PIPELINE[k]}`).join('; ')} (pipeline-wide settings, for every source); unrecognized keys`;
      },
    },
  )
  .meta({ description: 'Where the logs come from.' });

export type ComplianceLogsSourceConfig = z.infer<typeof complianceLogsSourceConfigSchema>;
export type ComplianceLogsSourceConfigInput = z.input<typeof complianceLogsSourceConfigSchema>;
export type PrincipalConfig = z.infer<typeof principalConfigSchema>;

/** One instance: the `source` section and the principals it serves. */
export interface ComplianceLogsInstance extends ComplianceLogsSourceConfig {
  readonly principals: readonly PrincipalConfig[];
}
