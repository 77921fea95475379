import { z } from 'zod';
import type { SplitLine } from '../split-jsonl/types.js';

/** The audit actions the forwarder's own List and Download calls produce upstream. */
export const OWN_AUDIT_ACTIONS: ReadonlySet<string> = new Set([
  'LIST_WORKSPACE_LOG_FILES',
  'DOWNLOAD_WORKSPACE_LOG_FILE',
  'LIST_ORGANIZATION_LOG_FILES',
  'DOWNLOAD_ORGANIZATION_LOG_FILE',
]);

export const dropOwnAuditEventsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description:
        "Drop the AUDIT_LOG events that the forwarder's own List/Download calls generate (actor API_KEY with one of `redactedIds`).",
    }),
    redactedIds: z.array(z.string().min(1)).default([]).meta({
      description:
        "The keys' redacted ids as upstream shows them (`actor.redacted_id`, e.g. `sk-...AbCd`); the forwarder adds its own key's id.",
    }),
  })
  .meta({ description: "Dropping the forwarder's own audit noise." });

export type DropOwnAuditEventsConfig = z.infer<typeof dropOwnAuditEventsConfigSchema>;

/**
 * Recognises the forwarder's own audit noise: an AUDIT_LOG record whose actor is an API key with one
 * of the given redacted ids and whose action is one of OWN_AUDIT_ACTIONS. Anything else, including
 * the same actions by another key, is not matched.
 */
const API_KEY_UTF8 = Buffer.from('"API_KEY"');

export class OwnAuditEventMatcher {
  readonly #redactedIds: ReadonlySet<string>;

  constructor(redactedIds: Iterable<string>) {
    this.#redactedIds = new Set(redactedIds);
  }

  /** A cheap search first (of the bytes when the splitter kept them), so other records are never decoded or parsed for it. */
  matches(line: SplitLine): boolean {
    if (this.#redactedIds.size === 0) return false;
    const utf8 = line.utf8;
    if (utf8 !== undefined ? utf8.indexOf(API_KEY_UTF8) === -1 : !line.text.includes('"API_KEY"'))
      return false;
    const record = line.parsed;
    if (record.type !== 'AUDIT_LOG') return false;
    const action = record.action;
    if (typeof action !== 'string' || !OWN_AUDIT_ACTIONS.has(action)) return false;
    const actor = record.actor;
    if (typeof actor !== 'object' || actor === null || Array.isArray(actor)) return false;
    const { type, redacted_id: redactedId } = actor as Record<string, unknown>;
    return type === 'API_KEY' && typeof redactedId === 'string' && this.#redactedIds.has(redactedId);
  }
}
