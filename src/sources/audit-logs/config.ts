import { z } from 'zod';
import { ORGANIZATION_ID_PATTERN } from '../../core/principal.js';
import { secretRefSchema } from '../../core/secret-ref.js';
import { eventTimeConfigSchema } from '../shared/event-time.js';
import { upstreamHttpShape } from '../shared/http-settings.js';

const filterList = (what: string) =>
  z
    .array(z.string().min(1))
    .default([])
    .meta({ description: `Only events ${what} (empty: all).` });

/**
 * The API Platform audit log source (`GET /v1/organization/audit_logs`, an Admin API key). One
 * stream per organization; which events it carries is part of its identity (see stream-source.ts).
 */
export const auditLogsSourceConfigSchema = z
  .strictObject({
    type: z.literal('audit-logs').meta({ description: 'The source kind.' }),
    organizationId: z.string().regex(ORGANIZATION_ID_PATTERN, 'must be an organization id (org-...)').meta({
      description: 'The organization the admin key belongs to (org-...); labels records and checkpoints.',
    }),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .default('https://api.openai.com/v1')
      .meta({ description: 'OpenAI API base URL (env OPENAI_API_BASE overrides).' }),
    adminKey: secretRefSchema.default({ env: 'OPENAI_ADMIN_KEY' }).meta({
      description: 'An Admin API key (default: env OPENAI_ADMIN_KEY or OPENAI_ADMIN_KEY_FILE).',
    }),
    eventTypes: filterList('of these types, e.g. api_key.created, login.failed'),
    actorIds: filterList('by these actor ids'),
    actorEmails: filterList('by these actor emails'),
    projectIds: filterList('in these projects'),
    resourceIds: filterList('on these resources'),
    eventTime: eventTimeConfigSchema,
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(100)
      .meta({ description: 'Events per page (1..100).' }),
    overlapMs: z.number().int().min(0).max(86_400_000).default(120_000).meta({
      description:
        'How far before the checkpoint a resumed run re-reads, for events that became visible late; events already delivered there are skipped by id.',
    }),
    sliceMs: z.number().int().min(60_000).default(3_600_000).meta({
      description:
        'The window is listed in slices, oldest first, the first this long; each slice is read whole (newest first, as the API answers) before its events go out oldest first. Slices double while one half-full page holds them and halve, down to this length, when one takes more than 10 pages.',
    }),
    maxSliceMs: z
      .number()
      .int()
      .min(60_000)
      .default(7 * 24 * 3_600_000)
      .meta({
        description:
          'The longest a slice grows to while slices are sparse (set it to sliceMs for fixed slices).',
      }),
    memoryMaxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(8 * 1024 * 1024)
      .meta({
        description:
          'Bytes of one slice held in memory while it is reordered; beyond this it spills to a temporary file.',
      }),
    spillDirectory: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Where spill files go (default: the system temp directory).' }),
    batchMaxRecords: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .meta({ description: 'Events per delivered batch (a batch is the unit the checkpoint advances by).' }),
    batchMaxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(4 * 1024 * 1024)
      .meta({ description: 'Bytes per delivered batch.' }),
    recentIdsMax: z.number().int().min(1).max(100_000).default(10_000).meta({
      description:
        'Most event ids of the overlap window kept in the checkpoint; past it a restart may repeat a few overlap events.',
    }),
    ...upstreamHttpShape(60),
  })
  .meta({ description: 'API Platform audit logs of one organization.' });

export type AuditLogsSourceConfig = z.infer<typeof auditLogsSourceConfigSchema>;
export type AuditLogsSourceConfigInput = z.input<typeof auditLogsSourceConfigSchema>;
