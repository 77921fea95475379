import { z } from 'zod';
import { secretRefSchema } from '../../core/secret-ref.js';
import { dedupeConfigSchema } from '../dedupe/dedupe-window.js';
import { filterRuleSchema } from '../filter/config.js';
import { dropOwnAuditEventsConfigSchema } from '../filter/own-audit-events.js';
import { redactRuleSchema } from '../redact/config.js';

const staticValueSchema = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .meta({ description: 'A JSON string, number, boolean or null.' });

/**
 * What happens to each record between the splitter and the sinks, in this order: drop own audit
 * events, filters, de-duplication, redaction, then static fields and the metadata object are added.
 * Enrichment only ever adds keys the record does not already have; it renames or removes nothing
 * unless a redaction says so.
 */
export const enrichConfigSchema = z
  .strictObject({
    metadataKey: z.string().min(1).nullable().default('_forwarder').meta({
      description:
        'Top-level key of the metadata object added to every record (principal, event type, file id/name/end time, line number, ingest time, forwarder version and host); null adds none and leaves records byte for byte as upstream wrote them.',
    }),
    staticFields: z.record(z.string().min(1), staticValueSchema).default({}).meta({
      description:
        'Top-level fields added to every record, e.g. { "env": "prod" }. A record that already has the field keeps its own value.',
    }),
    dedupe: dedupeConfigSchema.prefault({}),
    dropOwnAuditEvents: dropOwnAuditEventsConfigSchema.prefault({}),
    redact: z
      .array(redactRuleSchema)
      .default([])
      .meta({ description: 'JSON paths to remove or replace by a keyed hash, in every record.' }),
    hashKey: secretRefSchema.optional().meta({
      description: 'HMAC-SHA256 key for `hash` redactions; required when any is configured.',
      secret: true,
    }),
    filters: z.array(filterRuleSchema).default([]).meta({
      description:
        'Drop records matching any `drop` filter; when `keep` filters exist, keep only records matching one of them.',
    }),
  })
  .superRefine((config, ctx) => {
    if (config.hashKey === undefined && config.redact.some((r) => r.action === 'hash')) {
      ctx.addIssue({
        code: 'custom',
        path: ['hashKey'],
        message: 'a hash key is required when a redaction uses action "hash"',
      });
    }
    if (config.metadataKey !== null && Object.hasOwn(config.staticFields, config.metadataKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['staticFields', config.metadataKey],
        message: 'a static field cannot use the metadata key',
      });
    }
  })
  .meta({ description: 'Enrichment, de-duplication, filtering and redaction of records.' });

export type EnrichConfig = z.infer<typeof enrichConfigSchema>;
export type EnrichConfigInput = z.input<typeof enrichConfigSchema>;
