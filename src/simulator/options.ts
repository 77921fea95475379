import { z } from 'zod';
import { CfError } from '../core/errors/index.js';
import { ALL_EVENT_TYPES, type EventType, principalKindOf } from './event-types.js';
import { faultsSchema } from './faults.js';

/**
 * The simulator's options: one zod declaration gives validation, the TypeScript type and the
 * JSON Schema. Unknown keys are rejected; durations end in `Ms`, sizes in `Bytes`.
 */

const eventTypeSchema = z.enum(ALL_EVENT_TYPES);
const range = (minimum: number) =>
  z
    .strictObject({ min: z.int().min(minimum), max: z.int().min(minimum) })
    .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });

export const volumeProfileSchema = z.strictObject({
  fileRatio: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta({ description: 'Share of 10-minute windows that have any file of this type.' }),
  filesPerWindow: range(1)
    .optional()
    .meta({ description: 'Files sharing one end_time, as when the 15 MB cap splits a window.' }),
  recordsPerFile: range(1).optional(),
});

export type VolumeProfile = { fileRatio: number; filesPerWindow: Range; recordsPerFile: Range };
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Defaults: light enough that a week lists and hashes quickly, with every quirk present. */
export const DEFAULT_PROFILES: Readonly<Record<EventType, VolumeProfile>> = Object.freeze({
  CONVERSATION_MESSAGE: {
    fileRatio: 1,
    filesPerWindow: { min: 1, max: 3 },
    recordsPerFile: { min: 20, max: 160 },
  },
  AUDIT_LOG: { fileRatio: 1, filesPerWindow: { min: 1, max: 2 }, recordsPerFile: { min: 5, max: 80 } },
  AUTH_LOG: { fileRatio: 1, filesPerWindow: { min: 1, max: 1 }, recordsPerFile: { min: 5, max: 60 } },
  APP_LOG: { fileRatio: 0.7, filesPerWindow: { min: 1, max: 2 }, recordsPerFile: { min: 5, max: 60 } },
  APP_AUTH_LOG: { fileRatio: 0.2, filesPerWindow: { min: 1, max: 1 }, recordsPerFile: { min: 1, max: 5 } },
  CODEX_LOG: { fileRatio: 0.6, filesPerWindow: { min: 1, max: 1 }, recordsPerFile: { min: 5, max: 60 } },
  CODEX_SECURITY_LOG: {
    fileRatio: 0.2,
    filesPerWindow: { min: 1, max: 1 },
    recordsPerFile: { min: 1, max: 10 },
  },
  CHATGPT_PLUGIN_SPREADSHEET: {
    fileRatio: 0.15,
    filesPerWindow: { min: 1, max: 1 },
    recordsPerFile: { min: 1, max: 10 },
  },
  CUSTOM_AGENTS_LOG: {
    fileRatio: 0.4,
    filesPerWindow: { min: 1, max: 1 },
    recordsPerFile: { min: 2, max: 30 },
  },
  COSTS: { fileRatio: 0.25, filesPerWindow: { min: 1, max: 1 }, recordsPerFile: { min: 5, max: 40 } },
});

const timeSchema = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => new Date(v));

export const extraFileSchema = z
  .strictObject({
    eventType: eventTypeSchema,
    endTime: timeSchema.meta({ description: 'The file end_time; it may share one with generated files.' }),
    sizeBytes: z
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Records are added until the file reaches this size (it ends on a line).' }),
    records: z.int().min(1).optional(),
    principalId: z
      .string()
      .refine((id) => principalKindOf(id) !== undefined, 'must be a workspace UUID or an org- id')
      .optional()
      .meta({ description: 'Only for this principal; default every principal.' }),
  })
  .refine((f) => (f.sizeBytes === undefined) !== (f.records === undefined), {
    message: 'give exactly one of sizeBytes or records',
  });

export type ExtraFile = z.output<typeof extraFileSchema>;

export const auditLogOptionsSchema = z
  .strictObject({
    eventsPerMinute: range(0).default({ min: 0, max: 4 }).meta({
      description:
        'Audit events per minute of the span (effective_at seconds drawn inside it, so some share one).',
    }),
    activeMinuteRatio: z.number().min(0).max(1).default(1).meta({
      description:
        'The share of minutes that hold any events (e.g. 0.005 with eventsPerMinute 1..1: a quiet organization, ~7 events a day).',
    }),
    lateRatio: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .meta({ description: 'Events that become visible only some time after their effective_at.' }),
    maxLateMs: z.int().min(0).default(90_000).meta({ description: 'Longest such visibility delay.' }),
  })
  .meta({ description: 'GET /v1/organization/audit_logs (API Platform audit log of sampleOrgId).' });

export const conversationOptionsSchema = z
  .strictObject({
    count: z
      .int()
      .min(0)
      .max(100_000)
      .default(300)
      .meta({ description: 'Conversations per workspace, created over the span.' }),
    maxUpdates: z
      .int()
      .min(0)
      .max(20)
      .default(3)
      .meta({ description: 'Each conversation is updated (a new exchange) up to this many times.' }),
    conversationBytes: z.int().min(1).optional().meta({
      description: 'Pad each conversation to about this many bytes of JSON (e.g. 2000000 for 2 MB).',
    }),
    shortPageRatio: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .meta({ description: 'Pages answered shorter than `limit` although more follow.' }),
  })
  .meta({ description: 'GET /v1/compliance/workspaces/{id}/conversations (the legacy Compliance API).' });

const keySchema = z.strictObject({
  key: z.string().min(8),
  scopes: z.union([z.literal('*'), z.array(eventTypeSchema).min(1)]).default('*'),
});

export const simulatorOptionsSchema = z.strictObject({
  seed: z.union([z.string(), z.number()]).default('compliance-forwarder'),
  port: z.int().min(0).max(65535).default(0),
  downloadPort: z.int().min(0).max(65535).default(0).meta({ description: 'Port of the signed-URL origin.' }),
  tls: z
    .strictObject({
      cert: z.string().min(1).meta({ description: 'PEM certificate (chain) for 127.0.0.1 / localhost.' }),
      key: z.string().min(1).meta({ description: 'PEM private key of the certificate.' }),
    })
    .optional()
    .meta({ description: 'Serve the API origin and the signed download origin over HTTPS.' }),
  apiKey: z.string().min(8).optional().meta({ description: 'Default: derived from the seed.' }),
  keys: z
    .array(keySchema)
    .min(1)
    .optional()
    .meta({ description: 'Keys with per-event-type scopes; replaces apiKey. The first is reported.' }),
  spanMs: z
    .int()
    .min(60_000)
    .default(7 * 24 * 3_600_000)
    .meta({ description: 'Data covers now - span .. now.' }),
  windowMs: z.int().min(60_000).max(3_600_000).default(600_000),
  profiles: z.partialRecord(eventTypeSchema, volumeProfileSchema).default({}),
  extraFiles: z.array(extraFileSchema).max(128).default([]),
  duplicateRatio: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.01)
    .meta({ description: 'Events repeated from an earlier file.' }),
  lateEventRatio: z
    .number()
    .min(0)
    .max(1)
    .default(0.03)
    .meta({ description: 'Events older than their window.' }),
  signedUrlTtlMs: z.int().min(1).default(300_000),
  faults: faultsSchema.default({}),
  clock: z
    .custom<() => Date>((v) => typeof v === 'function', 'clock must be a function returning a Date')
    .optional(),
  live: z
    .union([z.boolean(), z.strictObject({ speed: z.number().positive().default(1) })])
    .default(false)
    .meta({ description: 'Time advances (at `speed` x real time) and new files appear as windows close.' }),
  control: z.boolean().default(true).meta({ description: 'Serve /__control/* on the API origin.' }),
  auditLogs: auditLogOptionsSchema.prefault({}),
  conversations: conversationOptionsSchema.prefault({}),
});

export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
export type ResolvedOptions = z.output<typeof simulatorOptionsSchema>;

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const result = simulatorOptionsSchema.safeParse(options);
  if (!result.success) {
    throw new CfError(
      'CF_ERR_CONFIG',
      `Invalid simulator options: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`,
    );
  }
  return result.data;
}

export function profileFor(options: ResolvedOptions, type: EventType): VolumeProfile {
  const base = DEFAULT_PROFILES[type];
  const o = options.profiles[type];
  return {
    fileRatio: o?.fileRatio ?? base.fileRatio,
    filesPerWindow: o?.filesPerWindow ?? base.filesPerWindow,
    recordsPerFile: o?.recordsPerFile ?? base.recordsPerFile,
  };
}
