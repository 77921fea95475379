import { setMaxListeners } from 'node:events';
import { classify } from '../core/errors/index.js';
import type { Sink } from '../core/sink.js';

/**
 * The abort signals of one run. `run` aborts on the caller's signal, a failed sink or a fatal error;
 * `listing` also aborts on a drain (`stopPulling`): no file is listed or started after it, while the
 * downloads already started keep `run` and finish.
 */
export class RunSignals {
  readonly #run = new AbortController();
  readonly #listing = new AbortController();
  readonly #detach: Array<() => void> = [];

  constructor(
    outer: AbortSignal,
    private readonly stopPulling: AbortSignal | undefined,
    concurrency: number,
  ) {
    // Every worker waiting for a file slot listens on the listing signal.
    setMaxListeners(Math.max(10, concurrency + 4), this.#listing.signal);
    this.#listen(outer, () => this.abort(outer.reason ?? new Error('aborted')));
    this.#listen(this.#run.signal, () => this.#listing.abort(this.#run.signal.reason));
    if (stopPulling !== undefined) this.#listen(stopPulling, () => this.#listing.abort(stopPulling.reason));
  }

  get run(): AbortSignal {
    return this.#run.signal;
  }

  get listing(): AbortSignal {
    return this.#listing.signal;
  }

  /** No new file may start: the run was aborted or asked to drain. */
  get stopped(): boolean {
    return this.#run.signal.aborted || this.stopPulling?.aborted === true;
  }

  /** Asked to drain, and not aborted. */
  get draining(): boolean {
    return this.stopPulling?.aborted === true && !this.#run.signal.aborted;
  }

  get drainRequested(): boolean {
    return this.stopPulling?.aborted === true;
  }

  /** Ends the run with `err` (the first one wins). */
  readonly abort = (err: unknown): void => {
    if (!this.#run.signal.aborted) this.#run.abort(classify(err));
  };

  /** A failed sink ends the run: its records will never be acknowledged. */
  watchSinks(sinks: readonly Sink[]): void {
    for (const sink of sinks) {
      const onError = (err: Error) => this.abort(err);
      sink.on('error', onError);
      this.#detach.push(() => sink.off('error', onError));
    }
  }

  /** Removes every listener this run added to signals and sinks it does not own. */
  dispose(): void {
    for (const detach of this.#detach.splice(0)) detach();
  }

  #listen(signal: AbortSignal, onAbort: () => void): void {
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    this.#detach.push(() => signal.removeEventListener('abort', onAbort));
  }
}
