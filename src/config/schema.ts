import { z } from 'zod';
import {
  ALL_EVENT_TYPES as COMPLIANCE_EVENT_TYPES,
  ORGANIZATION_EVENT_TYPES,
  WORKSPACE_EVENT_TYPES,
} from '../core/event-types.js';
import { httpConfigSchema } from '../http/index.js';
import { sinkConfigSchema } from '../sinks/schema.js';
import {
  complianceLogsSourceConfigSchema,
  eventTypeSchema,
  principalConfigSchema,
  principalIdSchema,
  unknownEventTypes,
} from '../sources/compliance-logs/index.js';
import { PRODUCED_EVENT_TYPES, sourceEntrySchema, sourceOf } from '../sources/index.js';
import { enrichConfigSchema, splitterConfigSchema } from '../transforms/index.js';
import { parseCron } from './cron.js';
import { parseTime } from './time.js';

/**
 * The one declaration of the configuration: the TypeScript types, the validation (every error
 * at once, unknown keys rejected) and the JSON Schema in docs/ all come from here.
 * Sizes and durations carry their unit in the name.
 */

export { ORGANIZATION_EVENT_TYPES, WORKSPACE_EVENT_TYPES };
export const ALL_EVENT_TYPES: readonly string[] = COMPLIANCE_EVENT_TYPES;

export { eventTypeSchema, principalConfigSchema, principalIdSchema };

/** The `source` section: the Compliance Logs Platform's settings (see src/sources/compliance-logs). */
export const sourceConfigSchema = complianceLogsSourceConfigSchema;

/** What an event type named in a route may look like (a files source may name its own). */
const EVENT_TYPE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * A route's event type: a name of the right shape here; whether some source produces it is
 * checked against the whole config (a files source may bring its own type), so a typo of a
 * known name is still refused, with the list of names that exist.
 */
const routeEventTypeSchema = z
  .string()
  .regex(EVENT_TYPE_NAME, 'must be an event type name (letters, digits, _ . : -)')
  .meta({
    description:
      'A Compliance Logs Platform event type, API_AUDIT_LOG, COMPLIANCE_CONVERSATION(_MESSAGE), ARCHIVE, or the eventType of a files source.',
  });

export const sinkRouteSchema = z.strictObject({
  eventTypes: z.array(routeEventTypeSchema).min(1).meta({ description: 'Event types this route sends.' }),
  sinks: z.array(z.string().min(1)).min(1).meta({ description: 'Names of configured sinks.' }),
});

/** `INDEX/COUNT` (0-based) or `ordinal/COUNT` (index from the StatefulSet pod name). */
export const SHARD_SPEC = /^(\d+|ordinal)\/(\d+)$/;

export const serviceConfigSchema = z
  .strictObject({
    pollIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(300_000)
      .meta({ description: 'Time between polls of a stream (the jitter is added to it).' }),
    pollJitterRatio: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .meta({ description: 'Random share of the interval added, so streams do not poll in step.' }),
    cron: z
      .string()
      .superRefine((expr, ctx) => {
        try {
          parseCron(expr);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional()
      .meta({
        description: 'A cron expression (5 fields, UTC, or @hourly...) instead of the interval.',
      }),
    lookback: z
      .string()
      .superRefine((text, ctx) => {
        try {
          parseTime(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .default('-7d')
      .meta({
        description:
          'Where a stream with no checkpoint starts: a relative time (-7d) or ISO-8601; the API keeps 30 days.',
      }),
    httpPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(9464)
      .meta({ description: 'Port of /healthz, /readyz, /metrics (0: any free port).' }),
    httpHost: z.string().default('0.0.0.0').meta({ description: 'Address the HTTP server binds.' }),
    shutdownGraceMs: z.number().int().min(0).default(25_000).meta({
      description:
        'On SIGTERM: time for in-flight files to finish and sinks to flush; keep it under terminationGracePeriodSeconds.',
    }),
    failingThresholdMs: z
      .number()
      .int()
      .min(0)
      .default(900_000)
      .meta({ description: 'A stream failing longer than this makes /readyz fail.' }),
    failureBackoffInitialMs: z
      .number()
      .int()
      .min(10)
      .default(30_000)
      .meta({ description: 'First wait before a failed stream polls again (doubles, with jitter).' }),
    failureBackoffMaxMs: z
      .number()
      .int()
      .min(10)
      .default(600_000)
      .meta({ description: 'Longest wait between polls of a failing stream.' }),
    shard: z.string().regex(SHARD_SPEC, 'must be INDEX/COUNT (e.g. 0/3) or ordinal/COUNT').optional().meta({
      description:
        'This replica’s share of the streams: INDEX/COUNT, or ordinal/COUNT to take INDEX from the StatefulSet pod name (--shard overrides).',
    }),
  })
  .refine((s) => s.failureBackoffInitialMs <= s.failureBackoffMaxMs, {
    path: ['failureBackoffMaxMs'],
    message: 'must not be less than failureBackoffInitialMs',
  });

/** Settings of the whole pipeline, whichever sources feed it. */
export const pipelineConfigSchema = z
  .strictObject({
    concurrency: z.number().int().min(1).max(64).default(4).meta({
      description:
        'Files downloaded and processed at once, across all sources (the service shares them among its streams).',
    }),
    skipExpiredFiles: z.boolean().default(false).meta({
      description: 'Dead-letter files that answer 404 (expired) and go on, instead of failing the stream.',
    }),
  })
  .meta({ description: 'Settings of the whole pipeline, for every source.' });

export const configSchema = z
  .strictObject({
    source: complianceLogsSourceConfigSchema.prefault({}),
    principals: z
      .array(principalConfigSchema)
      .default([])
      .meta({ description: 'What to forward from the Compliance Logs Platform (run mode).' }),
    pipeline: pipelineConfigSchema.prefault({}),
    http: httpConfigSchema.prefault({}),
    sources: z.array(sourceEntrySchema).default([]).meta({
      description:
        'Other sources `run` polls beside the principals, each on the same schedule with its own checkpoint (the same one `export --source` uses).',
    }),
    splitter: splitterConfigSchema.prefault({}),
    enrich: enrichConfigSchema.prefault({}),
    sinks: z
      .array(sinkConfigSchema)
      .prefault([{ type: 'stdout' }])
      .meta({ description: 'Destinations.' }),
    routes: z
      .array(sinkRouteSchema)
      .default([])
      .meta({ description: 'Event types to sinks; event types with no route go to every sink.' }),
    state: z
      .strictObject({ dir: z.string().optional().meta({ description: 'Checkpoint directory.' }) })
      .prefault({}),
    deadLetter: z
      .strictObject({
        path: z
          .string()
          .optional()
          .meta({ description: 'Dead-letter JSONL file (default: under the state dir).' }),
      })
      .prefault({}),
    service: serviceConfigSchema.prefault({}),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
  })
  .superRefine(
    (c, ctx) => {
      // Runs even when fields failed (`when` below), so cross-field problems are listed with
      // the rest; the value may be partly invalid, hence the defensive reads.
      const names = new Map<string, number>();
      const sinks: unknown[] = Array.isArray(c.sinks) ? c.sinks : [];
      sinks.forEach((s, i) => {
        const sink = (s ?? {}) as { name?: unknown; type?: unknown };
        const name =
          typeof sink.name === 'string' ? sink.name : typeof sink.type === 'string' ? sink.type : undefined;
        if (name === undefined) return;
        if (names.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sinks', i, 'name'],
            message: `sink name "${name}" is used twice`,
          });
        }
        names.set(name, i);
      });
      // Event types some source produces: every known one, plus those entries name (a files
      // source's eventType).
      const produced = new Set<string>(PRODUCED_EVENT_TYPES);
      const sources: unknown[] = Array.isArray(c.sources) ? c.sources : [];
      for (const s of sources) {
        if (typeof s !== 'object' || s === null) continue;
        const entry = s as Record<string, unknown>;
        const source = typeof entry.type === 'string' ? sourceOf(entry.type) : undefined;
        for (const t of source?.entryEventTypes?.(entry) ?? []) produced.add(t);
      }
      // And the types principals name that the API added since the built-in list.
      const principals: unknown[] = Array.isArray(c.principals) ? c.principals : [];
      for (const p of principals) {
        const types = (p as { eventTypes?: unknown } | null)?.eventTypes;
        if (Array.isArray(types)) {
          for (const t of unknownEventTypes(types.filter((x): x is string => typeof x === 'string')))
            produced.add(t);
        }
      }
      const routes: unknown[] = Array.isArray(c.routes) ? c.routes : [];
      routes.forEach((r, i) => {
        const types = (r as { eventTypes?: unknown } | null)?.eventTypes;
        if (Array.isArray(types)) {
          types.forEach((t, j) => {
            if (typeof t === 'string' && EVENT_TYPE_NAME.test(t) && !produced.has(t)) {
              ctx.addIssue({
                code: 'custom',
                path: ['routes', i, 'eventTypes', j],
                message: `no source produces the event type "${t}": expected one of ${[...produced].join(', ')} (a files source's eventType counts too)`,
              });
            }
          });
        }
        const targets = (r as { sinks?: unknown } | null)?.sinks;
        if (!Array.isArray(targets)) return;
        targets.forEach((s, j) => {
          if (typeof s === 'string' && !names.has(s)) {
            ctx.addIssue({
              code: 'custom',
              path: ['routes', i, 'sinks', j],
              message: `no sink is named "${s}"`,
            });
          }
        });
      });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type SourceConfig = Config['source'];
export type PrincipalConfig = Config['principals'][number];
export type PipelineConfig = Config['pipeline'];
/** One entry of `sources`. */
export type SourceEntryConfig = Config['sources'][number];

/**
 * The event types the config's principals name that are not in the built-in list (types the API
 * added since): accepted, and `export`, `run` and `fetch` warn once about them, `validate` lists them.
 */
export function unknownEventTypesOf(config: Pick<Config, 'principals'>): string[] {
  return unknownEventTypes(config.principals.flatMap((p) => p.eventTypes));
}
