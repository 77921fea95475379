import type { Writable } from 'node:stream';
import type { ProgressEvent } from '../engine/run-pipeline.js';
import type { RateLimitHold } from '../http/index.js';

/** Shorter holds are not worth a word: at 50 downloads a minute every file waits about a second. */
const HOLD_SHOWN_FROM_MS = 1000;

/**
 * Progress of an export on stderr: a line redrawn twice a second on a TTY (files, events,
 * bytes, rates, and an ETA when the window has an end; "waiting for the rate limit (next slot in
 * N s)" while the client-side limiter holds requests back), and a summary at the end.
 */
export class ProgressReporter {
  private files = 0;
  private events = 0;
  private bytes = 0;
  private badLines = 0;
  private dropped = 0;
  private readonly started = Date.now();
  private readonly positions = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private rateLimits: (() => readonly RateLimitHold[]) | undefined;

  constructor(
    private readonly out: Writable,
    private readonly live: boolean,
    private readonly windowStartMs: number,
    private readonly windowEndMs: number | undefined,
    private readonly streams: number,
  ) {
    if (live) {
      this.timer = setInterval(() => this.draw(), 500);
      this.timer.unref();
    }
  }

  readonly onEvent = (e: ProgressEvent): void => {
    if (e.kind === 'file-read') {
      this.files++;
      this.events += e.outcome.records;
      this.bytes += e.outcome.bytes;
      this.badLines += e.outcome.badLines;
      this.dropped += e.outcome.dropped;
    } else if (e.kind === 'checkpoint') {
      this.positions.set(e.stream, Date.parse(e.position.endTime));
    }
  };

  /** Where the line learns that the rate limiter holds requests back (polled at each redraw). */
  readonly watchRateLimits = (probe: () => readonly RateLimitHold[]): void => {
    this.rateLimits = probe;
  };

  /** The live line: the counters, and the rate-limit wait when there is one. */
  liveLine(): string {
    // The soonest slot: whatever frees first lets work go on.
    const hold = this.rateLimits?.()[0];
    if (hold === undefined || hold.nextSlotInMs < HOLD_SHOWN_FROM_MS) return this.line();
    return `${this.line()}; waiting for the rate limit (next slot in ${Math.ceil(hold.nextSlotInMs / 1000)} s)`;
  }

  private line(): string {
    const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
    const mib = this.bytes / 1048576;
    let eta = '';
    if (this.windowEndMs !== undefined && this.windowEndMs > this.windowStartMs) {
      const span = this.windowEndMs - this.windowStartMs;
      let done = 0;
      for (const p of this.positions.values())
        done += Math.min(1, Math.max(0, (p - this.windowStartMs) / span));
      const fraction = done / Math.max(1, this.streams);
      if (fraction > 0.01 && fraction < 1)
        eta = `, ETA ${formatDuration((secs * (1 - fraction)) / fraction)}`;
    }
    return (
      `${this.files} files, ${this.events.toLocaleString('en-US')} events, ${mib.toFixed(1)} MiB, ` +
      `${(mib / secs).toFixed(1)} MiB/s, ${Math.round(this.events / secs).toLocaleString('en-US')} events/s${eta}`
    );
  }

  private draw(): void {
    this.out.write(`\r\x1b[2K${this.liveLine()}`);
  }

  finish(outcome: string): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.live) this.out.write('\r\x1b[2K');
    const extra = [
      this.badLines > 0 ? `${this.badLines} bad lines dead-lettered` : '',
      this.dropped > 0 ? `${this.dropped} records dropped (duplicates or filtered)` : '',
    ].filter(Boolean);
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    this.out.write(`${outcome}: ${this.line()} in ${secs} s${extra.length ? `; ${extra.join('; ')}` : ''}\n`);
  }
}

function formatDuration(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return `${h > 0 ? `${h}h` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}m${String(sec).padStart(2, '0')}s`;
}
