import type { Logger } from 'pino';
import { CfError, classify } from '../../core/errors/index.js';

/** How one ack id ended: Splunk reported it indexed, or it never did within the poll budget. */
export type AckOutcome = 'indexed' | 'timed-out';

/** Polls the ack endpoint for some ids; resolves with id -> indexed, rejects with a CfError. */
export type AckPoll = (ackIds: readonly number[]) => Promise<Readonly<Record<string, boolean>>>;

export interface AckTrackerOptions {
  readonly pollIntervalMs: number;
  /** Polls of one id answered "not yet" (or failed transiently) before it times out. */
  readonly maxPolls: number;
}

interface PendingAck {
  polls: number;
  resolve(outcome: AckOutcome): void;
  reject(err: CfError): void;
}

/**
 * Indexer acknowledgement for one channel. `wait(ackId)` resolves when Splunk reports the id
 * indexed, or with 'timed-out' after `maxPolls` polls (the caller sends the batch again).
 * Every `pollIntervalMs` while ids are pending, all of them are asked in one request.
 * A fatal poll answer (token refused, acknowledgement disabled) rejects every waiter; a
 * transient one counts as a poll, so a HEC that stays down still ends in a resend, not a hang.
 */
export class AckTracker {
  private readonly pending = new Map<number, PendingAck>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  constructor(
    private readonly poll: AckPoll,
    private readonly options: AckTrackerOptions,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  wait(ackId: number): Promise<AckOutcome> {
    if (this.closed) return Promise.reject(new CfError('CF_ERR_ABORTED', 'The ack tracker is closed.'));
    // Splunk restarts its ack ids after a restart: an id we still wait for is then ambiguous,
    // so its batch is resent (a duplicate at worst) rather than acknowledged on a stranger's ack.
    this.pending.get(ackId)?.resolve('timed-out');
    return new Promise<AckOutcome>((resolve, reject) => {
      this.pending.set(ackId, { polls: 0, resolve, reject });
      this.schedule();
    });
  }

  /** Stops polling; every waiter rejects with `reason`. */
  close(reason: CfError = new CfError('CF_ERR_ABORTED', 'The Splunk HEC sink was closed.')): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.rejectAll(reason);
  }

  private schedule(): void {
    if (this.closed || this.polling || this.timer !== undefined || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, this.options.pollIntervalMs);
  }

  private async tick(): Promise<void> {
    this.polling = true;
    const ids = [...this.pending.keys()];
    try {
      const acks = await this.poll(ids);
      for (const id of ids) {
        if (acks[String(id)] === true) this.settle(id, 'indexed');
        else this.countPoll(id);
      }
    } catch (err) {
      const e = classify(err);
      if (!e.retriable) {
        this.rejectAll(e);
      } else {
        this.logger.warn({ err: e, pendingAcks: ids.length }, 'Splunk HEC ack poll failed; polling again.');
        for (const id of ids) this.countPoll(id);
      }
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private countPoll(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    p.polls++;
    if (p.polls >= this.options.maxPolls) this.settle(id, 'timed-out');
  }

  private settle(id: number, outcome: AckOutcome): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.resolve(outcome);
  }

  private rejectAll(err: CfError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
