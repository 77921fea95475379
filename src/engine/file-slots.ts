import { CfError } from '../core/errors/index.js';

/**
 * A first-come, first-served counting semaphore for files in flight, shared by several pipeline
 * runs (the service runs one per stream poll) so the files downloaded at once stay bounded
 * across all streams. A worker takes a slot before it pulls its next file and gives it back once
 * that file is read to the end; waiting workers are served in arrival order, so busy streams
 * cannot starve the others.
 */
export class FileSlots {
  #free: number;
  readonly #waiters: Array<{ grant: () => void; reject: (err: unknown) => void }> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new CfError('CF_ERR_CONFIG', `The number of files in flight must be at least 1, got ${size}.`);
    }
    this.#free = size;
  }

  /** Slots in use. */
  get inUse(): number {
    return this.size - this.#free;
  }

  /**
   * Resolves with a release function (idempotent) once a slot is free; rejects with the signal's
   * reason if it aborts first (an aborted waiter takes nothing).
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
        reject,
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // Hand the slot straight to the next waiter, so a newcomer cannot jump the queue.
      if (next !== undefined) next.grant();
      else this.#free++;
    };
  }
}
