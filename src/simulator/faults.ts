import { z } from 'zod';
import { combine, hashString, Prng, unitFloat } from './random.js';

/**
 * The faults the simulator can inject. All are off by default except the rate limits, which are
 * part of the real API. They can be given at construction, changed with `sim.setFaults()`, or
 * through `POST /__control/faults` (the same JSON). Two families:
 *  - transport faults break a request (5xx, reset, truncation, stall, slowness, expiry); each
 *    request draws from a seeded PRNG, so a run with the same request order fails the same way;
 *  - content faults make a file ugly but truthful: the listed `file_size` and `file_sha256`
 *    describe the ugly bytes. A file is affected when a hash of (seed, file id, fault) falls
 *    under the ratio, so the same file stays ugly for as long as the fault is set.
 * Only `truncatedBody` makes the served bytes disagree with the listed size and digest.
 */

const ratio = z.number().min(0).max(1);

/** A ratio of requests, optionally capped to the first `count` injections (then it stops). */
const faultRateSchema = z.union([ratio, z.strictObject({ ratio, count: z.int().min(0).optional() })]);

const rateLimitSchema = z
  .strictObject({ limit: z.int().min(1), windowMs: z.int().min(1) })
  .nullable()
  .meta({ description: 'Requests allowed per key per window; null disables the limit.' });

export const faultsSchema = z.strictObject({
  rateLimit: z
    .strictObject({ list: rateLimitSchema.optional(), download: rateLimitSchema.optional() })
    .optional()
    .meta({ description: 'Per endpoint per key. Default: list 100/min, download 50/min.' }),
  listServerErrors: faultRateSchema.optional().meta({ description: '5xx on list and max_event_time.' }),
  downloadServerErrors: faultRateSchema.optional().meta({ description: '5xx on the download route.' }),
  resetMidBody: faultRateSchema.optional().meta({ description: 'TCP reset halfway through a body.' }),
  truncatedBody: faultRateSchema
    .optional()
    .meta({ description: 'A clean response carrying only the first half of the file.' }),
  stall: faultRateSchema
    .optional()
    .meta({ description: 'Headers and part of the body, then silence without closing.' }),
  slowBody: z
    .strictObject({ bytesPerSecond: z.int().min(1), ratio: ratio.optional() })
    .nullable()
    .optional()
    .meta({ description: 'Bodies trickle at this rate (on `ratio` of downloads, default all).' }),
  firstByteLatencyMs: z.int().min(0).optional().meta({ description: 'Delay before every response.' }),
  bandwidthBytesPerSecond: z
    .int()
    .min(0)
    .optional()
    .meta({ description: 'Per-connection cap on the signed origin; 0 means none.' }),
  expiredFiles: z
    .strictObject({ ratio: ratio.optional(), fileIds: z.array(z.string()).optional() })
    .optional()
    .meta({ description: 'Files whose download answers 404, by ratio of files or by id.' }),
  malformedLines: ratio.optional().meta({ description: 'Files with one line cut short (not JSON).' }),
  missingFinalNewline: ratio.optional().meta({ description: 'Files whose last line has no newline.' }),
  crlf: ratio.optional().meta({ description: 'Files with CRLF line endings.' }),
  runTogether: ratio.optional().meta({ description: 'Files where two objects share a line (`}{`).' }),
  invalidUtf8: ratio.optional().meta({ description: 'Files with invalid UTF-8 bytes inside one string.' }),
});

export type FaultsInput = z.input<typeof faultsSchema>;

export interface FaultRate {
  readonly ratio: number;
  readonly count: number | undefined;
}

export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface ContentFaults {
  readonly malformedLines: number;
  readonly missingFinalNewline: number;
  readonly crlf: number;
  readonly runTogether: number;
  readonly invalidUtf8: number;
}

/** The fault set in force, every field present. */
export interface Faults extends ContentFaults {
  readonly rateLimit: { readonly list: RateLimit | null; readonly download: RateLimit | null };
  readonly listServerErrors: FaultRate;
  readonly downloadServerErrors: FaultRate;
  readonly resetMidBody: FaultRate;
  readonly truncatedBody: FaultRate;
  readonly stall: FaultRate;
  readonly slowBody: { readonly bytesPerSecond: number; readonly ratio: number } | null;
  readonly firstByteLatencyMs: number;
  readonly bandwidthBytesPerSecond: number;
  readonly expiredFiles: { readonly ratio: number; readonly fileIds: readonly string[] };
}

const OFF: FaultRate = { ratio: 0, count: undefined };

export const DEFAULT_FAULTS: Faults = Object.freeze({
  rateLimit: { list: { limit: 100, windowMs: 60_000 }, download: { limit: 50, windowMs: 60_000 } },
  listServerErrors: OFF,
  downloadServerErrors: OFF,
  resetMidBody: OFF,
  truncatedBody: OFF,
  stall: OFF,
  slowBody: null,
  firstByteLatencyMs: 0,
  bandwidthBytesPerSecond: 0,
  expiredFiles: { ratio: 0, fileIds: [] },
  malformedLines: 0,
  missingFinalNewline: 0,
  crlf: 0,
  runTogether: 0,
  invalidUtf8: 0,
});

function rate(value: z.output<typeof faultRateSchema> | undefined, previous: FaultRate): FaultRate {
  if (value === undefined) return previous;
  return typeof value === 'number'
    ? { ratio: value, count: undefined }
    : { ratio: value.ratio, count: value.count };
}

/**
 * Applies a validated patch on top of `base`: keys present in the patch replace the base's
 * (rateLimit per endpoint), absent keys are kept.
 */
export function mergeFaults(base: Faults, patch: z.output<typeof faultsSchema>): Faults {
  return Object.freeze({
    rateLimit: {
      list: patch.rateLimit?.list !== undefined ? patch.rateLimit.list : base.rateLimit.list,
      download: patch.rateLimit?.download !== undefined ? patch.rateLimit.download : base.rateLimit.download,
    },
    listServerErrors: rate(patch.listServerErrors, base.listServerErrors),
    downloadServerErrors: rate(patch.downloadServerErrors, base.downloadServerErrors),
    resetMidBody: rate(patch.resetMidBody, base.resetMidBody),
    truncatedBody: rate(patch.truncatedBody, base.truncatedBody),
    stall: rate(patch.stall, base.stall),
    slowBody:
      patch.slowBody === undefined
        ? base.slowBody
        : patch.slowBody && {
            bytesPerSecond: patch.slowBody.bytesPerSecond,
            ratio: patch.slowBody.ratio ?? 1,
          },
    firstByteLatencyMs: patch.firstByteLatencyMs ?? base.firstByteLatencyMs,
    bandwidthBytesPerSecond: patch.bandwidthBytesPerSecond ?? base.bandwidthBytesPerSecond,
    expiredFiles: patch.expiredFiles
      ? { ratio: patch.expiredFiles.ratio ?? 0, fileIds: patch.expiredFiles.fileIds ?? [] }
      : base.expiredFiles,
    malformedLines: patch.malformedLines ?? base.malformedLines,
    missingFinalNewline: patch.missingFinalNewline ?? base.missingFinalNewline,
    crlf: patch.crlf ?? base.crlf,
    runTogether: patch.runTogether ?? base.runTogether,
    invalidUtf8: patch.invalidUtf8 ?? base.invalidUtf8,
  });
}

/** Validates untrusted fault JSON; the error lists every problem at once. */
export function parseFaults(input: unknown):
  | { ok: true; value: z.output<typeof faultsSchema> }
  | {
      ok: false;
      message: string;
    } {
  const result = faultsSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: `Invalid faults: ${z.prettifyError(result.error).replace(/\n/g, '; ')}` };
}

export type TransportFault =
  | 'listServerErrors'
  | 'downloadServerErrors'
  | 'resetMidBody'
  | 'truncatedBody'
  | 'stall'
  | 'slowBody';

/**
 * Per-request fault decisions from one seeded PRNG per fault kind: deterministic for a given
 * request order, independent between kinds (turning one fault on does not shift another's draws).
 */
export class FaultDice {
  private readonly rngs = new Map<TransportFault, Prng>();
  private readonly injected = new Map<TransportFault, number>();
  constructor(private readonly seed: number) {}

  /** Resets the `count` budgets (called when faults are replaced). */
  resetBudgets(): void {
    this.injected.clear();
  }

  roll(kind: TransportFault, fault: FaultRate): boolean {
    if (fault.ratio <= 0) return false;
    const used = this.injected.get(kind) ?? 0;
    if (fault.count !== undefined && used >= fault.count) return false;
    let rng = this.rngs.get(kind);
    if (rng === undefined) {
      rng = new Prng(combine(this.seed, hashString(kind)));
      this.rngs.set(kind, rng);
    }
    if (!rng.chance(fault.ratio)) return false;
    this.injected.set(kind, used + 1);
    return true;
  }
}

/** Whether a content fault (or file expiry) applies to one file: stable for (seed, file, fault). */
export function fileIsAffected(seed: number, fileId: string, fault: string, ratioOfFiles: number): boolean {
  if (ratioOfFiles <= 0) return false;
  if (ratioOfFiles >= 1) return true;
  return unitFloat(combine(seed, hashString(fileId), hashString(fault))) < ratioOfFiles;
}
