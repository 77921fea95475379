import { z } from 'zod';
import { CfError } from '../../core/errors/index.js';

/** One audit log event as the API lists it; every other field is kept as it came. */
export interface AuditLogEvent {
  readonly id: string;
  readonly type: string;
  /** Unix seconds. */
  readonly effective_at: number;
  readonly [field: string]: unknown;
}

export interface AuditLogPage {
  /** Newest first. */
  readonly data: readonly AuditLogEvent[];
  readonly has_more: boolean;
  /** The cursor for the next (older) page: pass it as `after`. */
  readonly last_id: string | null;
}

// z.looseObject: fields the API adds later (and each event's payload) pass through untouched.
const eventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  effective_at: z.number().int().nonnegative(),
});

const pageSchema = z.looseObject({
  data: z.array(eventSchema),
  has_more: z.boolean(),
  last_id: z.string().min(1).nullable().optional(),
});

/**
 * Validates an audit log page. Anything but the documented shape is CF_ERR_BAD_RESPONSE
 * (retriable once or twice: a proxy's error page or a cut answer may not repeat), naming the
 * first problems.
 */
export function parseAuditLogPage(text: string): AuditLogPage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CfError('CF_ERR_BAD_RESPONSE', 'The audit log API answered a body that is not JSON.');
  }
  const result = pageSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new CfError('CF_ERR_BAD_RESPONSE', `The audit log API answered an unexpected shape: ${problems}.`);
  }
  const page = result.data;
  return { data: page.data as AuditLogEvent[], has_more: page.has_more, last_id: page.last_id ?? null };
}
