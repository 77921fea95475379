import { type DeadLetterEntry, deadLetterEntry } from '../../core/dead-letter.js';
import type { CfError, ErrorCode } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { redactSecrets } from '../../core/secret.js';

/**
 * The poison-batch rule every batching sink applies to a request the destination drops instead
 * of answering (docs/delivery.md, "One record that can never be sent"):
 *
 *   a request fails K times in a row with a transport error (reset, timeout; never a reply)
 *     and the destination is otherwise healthy (a request sent after the streak began
 *     succeeded, or the sink's probe, a small request to the same destination, succeeds)
 *       -> several records: split in halves and send each (the same rule applies to each half)
 *       -> one record: dead-letter it (CF_ERR_RECORD_UNDELIVERABLE, reason naming the sink, the
 *          error and the record's size) and acknowledge it, so the checkpoint moves
 *     and the destination is not proven healthy (nothing gets through: it is down)
 *       -> nothing changes: the sink keeps retrying under its policy, then fails (fatal)
 *
 * A verdict the destination answered (auth, 4xx, "too large") is never a transport failure:
 * each sink keeps its own rules for those. The rule only decides when to stop retrying a request
 * as it is; what a split or a dead-letter means stays with the sink.
 */

/** K: transport failures in a row of one request before the rule looks at it. */
export const POISON_AFTER_FAILURES = 3;

/** K for a retry policy: never more than the attempts it allows (0 means unlimited). */
export function poisonThreshold(maxAttempts: number): number {
  return maxAttempts > 0 ? Math.min(POISON_AFTER_FAILURES, maxAttempts) : POISON_AFTER_FAILURES;
}

/** Codes of a request that got no answer: the connection was reset or the request timed out. */
const TRANSPORT_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set(['CF_ERR_SOCKET', 'CF_ERR_TIMEOUT']);

/** True for a failure where no answer came: a reset connection or a timeout. */
export function isTransportFailure(
  error: CfError,
  codes: ReadonlySet<string> = TRANSPORT_FAILURE_CODES,
): boolean {
  return codes.has(error.code);
}

export interface PoisonGuardOptions {
  /** K (see poisonThreshold). */
  readonly threshold: number;
  /**
   * Asks the destination, with a small request, whether it answers at all; resolves true when it
   * does. Gets the size of the failing request (a sink may also ask that it be larger than what
   * succeeded). A rejection counts as "no". Absent: only successes count as evidence.
   */
  readonly probe?: ((requestBytes: number) => Promise<boolean>) | undefined;
  /** Codes that count as transport failures; default CF_ERR_SOCKET and CF_ERR_TIMEOUT. */
  readonly transportCodes?: ReadonlySet<string> | undefined;
}

/**
 * One destination's evidence that it is healthy: requests that succeeded, and a probe. Only a
 * request *sent after* a streak began counts for that streak: one already on the wire when the
 * destination went down may still succeed, and proves nothing about now.
 */
export class PoisonGuard {
  /** Requests started so far; each one's ticket is its number. */
  private starts = 0;
  /** The highest ticket of a request that succeeded. */
  private lastSuccess = 0;
  readonly threshold: number;

  constructor(private readonly options: PoisonGuardOptions) {
    this.threshold = Math.max(1, options.threshold);
  }

  /** A request is about to go out: returns its ticket, for succeeded(). */
  started(): number {
    return ++this.starts;
  }

  /** The request with this ticket was accepted by the destination. */
  succeeded(ticket: number): void {
    if (ticket > this.lastSuccess) this.lastSuccess = ticket;
  }

  /**
   * Follows one request (one run of records) through its attempts. `since`: a mark() taken when
   * the trouble began, for a part of a batch that was split (its sibling parts, sent later, then
   * count as evidence); default: when this request's own streak begins.
   */
  watch(since?: number): PoisonWatch {
    return new PoisonWatch(this, since);
  }

  /** The requests started so far: a request that succeeds and started after it is evidence. */
  mark(): number {
    return this.starts;
  }

  /** @internal */
  isTransportFailure(error: CfError): boolean {
    return isTransportFailure(error, this.options.transportCodes ?? TRANSPORT_FAILURE_CODES);
  }

  /** True when a request started after `since` (a mark) succeeded, or the probe is answered. */
  async healthySince(since: number, requestBytes = 0): Promise<boolean> {
    if (this.lastSuccess > since) return true;
    const { probe } = this.options;
    if (probe === undefined) return false;
    try {
      return await probe(requestBytes);
    } catch {
      return false;
    }
  }
}

/** The attempts of one request: counts its transport failures in a row. */
export class PoisonWatch {
  private streak = 0;
  private streakMark = 0;

  constructor(
    private readonly guard: PoisonGuard,
    private readonly since?: number,
  ) {}

  /** Transport failures in a row so far. */
  get failures(): number {
    return this.streak;
  }

  /** The request got an answer (whatever its verdict): the streak ends. */
  answered(): void {
    this.streak = 0;
  }

  /**
   * After a failed attempt: true when the request is poison by the rule (K transport failures
   * in a row and the destination proven healthy), so the caller stops retrying it as it is
   * and splits it or dead-letters its record. False: retry as usual.
   */
  async isPoison(error: CfError, requestBytes = 0): Promise<boolean> {
    if (!this.guard.isTransportFailure(error)) {
      this.streak = 0;
      return false;
    }
    if (this.streak === 0) this.streakMark = this.since ?? this.guard.mark();
    this.streak++;
    if (this.streak < this.guard.threshold) return false;
    return this.guard.healthySince(this.streakMark, requestBytes);
  }
}

/** The two halves of a run (the first one the larger when odd), for a split. */
export function halves<T>(items: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

export interface PoisonRecordInput {
  /** The sink's name. */
  readonly sink: string;
  /** What the sink calls the destination in a sentence: `Splunk HEC`, `Kafka`. */
  readonly destination: string;
  /** The record, or what is left of it (source, line number, event id, line). */
  readonly record?: Pick<PipelineRecord, 'source' | 'lineNumber' | 'eventId' | 'line'> | undefined;
  /** The offending text when there is no record; the record's line otherwise. */
  readonly text?: string | undefined;
  /** The record's size as the sink sends it (bytes). */
  readonly bytes: number;
  /** The last transport failure. */
  readonly error: CfError;
  /** Attempts that failed in a row. */
  readonly attempts: number;
  /** Secret-free details (topic, partition, wire bytes). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** The dead-letter entry of a record the rule gave up on: says why, never a secret. */
export function poisonRecordEntry(input: PoisonRecordInput): DeadLetterEntry {
  const { sink, destination, bytes, error, attempts } = input;
  const message = redactSecrets(error.message);
  return deadLetterEntry({
    stage: 'sink',
    code: 'CF_ERR_RECORD_UNDELIVERABLE',
    reason:
      `Sink ${sink}: this record (${bytes} bytes) could not be sent to ${destination} alone: ` +
      `${attempts} attempts in a row failed with ${error.code} (${message}) while ${destination} ` +
      'accepted other requests. Something on the way (a proxy, a load balancer, the receiver) ' +
      'drops a request this large instead of answering it.',
    sink,
    ...(input.record === undefined ? {} : { record: input.record }),
    ...(input.text === undefined ? {} : { text: input.text }),
    size: bytes,
    detail: { error: error.code, attempts, bytes, ...input.detail },
  });
}
