import { z } from 'zod';
import { CfError } from '../../core/errors/index.js';
import { ISO_WITH_ZONE, isoToMs } from '../../lib/time.js';

/** One log file as List describes it. All six fields are always present upstream. */
export interface FileDescriptor {
  id: string;
  event_type: string;
  /** ISO-8601; the checkpoint unit. Files ascend by it; several files may share one. */
  end_time: string;
  file_name: string;
  /** Bytes; verified against what arrives. */
  file_size: number;
  /** Lower-case hex SHA-256 of the file's bytes; verified against what arrives. */
  file_sha256: string;
}

export interface ListPage {
  data: FileDescriptor[];
  has_more: boolean;
  /** Null on an empty page: the caller keeps its previous `after`. */
  last_end_time: string | null;
}

/**
 * An ISO-8601 time (already validated) as nanoseconds since the epoch, so times compare exactly
 * even when the API gives more precision than a Date keeps (Date.parse truncates to ms).
 */
export function timeKey(value: string | Date): bigint {
  if (value instanceof Date) return BigInt(value.getTime()) * 1_000_000n;
  const fraction = ISO_WITH_ZONE.exec(value)?.[2] ?? '';
  const belowMs = fraction.slice(4, 10).padEnd(6, '0'); // fraction is ".ddd…": digits 4.. are below 1 ms
  return BigInt(Date.parse(value)) * 1_000_000n + BigInt(belowMs);
}

/**
 * Parses a caller's time (a Date or an ISO-8601 string with a zone) into epoch milliseconds,
 * or fails with CF_ERR_BAD_TIME naming the option.
 */
export function parseTimeOption(value: string | Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : isoToMs(value);
  if (Number.isNaN(ms)) {
    throw new CfError(
      'CF_ERR_BAD_TIME',
      `${name} must be an ISO-8601 time with a zone (e.g. 2026-07-09T13:00:00Z), got ${JSON.stringify(String(value))}.`,
    );
  }
  return ms;
}

const isoTime = z.string().refine((s) => !Number.isNaN(isoToMs(s)), 'not an ISO-8601 time with a zone');

const fileDescriptorSchema = z.object({
  id: z.string().min(1),
  event_type: z.string().min(1),
  end_time: isoTime,
  file_name: z.string(),
  file_size: z.number().int().nonnegative(),
  file_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'not 64 hex digits')
    .transform((s) => s.toLowerCase()),
});

// z.object (not strictObject): fields the API adds later are dropped, not fatal.
const listPageSchema = z.object({
  data: z.array(fileDescriptorSchema),
  has_more: z.boolean(),
  last_end_time: isoTime.nullable(),
});

/**
 * Validates a List answer. Anything but the documented shape is CF_ERR_BAD_RESPONSE (retriable:
 * a proxy's error page or a truncated answer may not repeat), naming the first problems found.
 */
export function parseListPage(text: string): ListPage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CfError('CF_ERR_BAD_RESPONSE', 'List answered a body that is not JSON.');
  }
  const result = listPageSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new CfError('CF_ERR_BAD_RESPONSE', `List answered an unexpected shape: ${problems}.`);
  }
  return result.data;
}
