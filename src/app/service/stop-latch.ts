import type { CfError } from '../../core/errors/index.js';
import type { Logger } from '../../telemetry/logger.js';

/**
 * Why and when the service stops: the first error that will not heal (kept, logged once), or a
 * request to stop. `stopping` resolves on either; `hardStop` aborts work in flight at once.
 */
export class StopLatch {
  #fatal: CfError | undefined;
  #wake: () => void = () => {};
  readonly stopping = new Promise<void>((resolve) => {
    this.#wake = resolve;
  });

  constructor(
    private readonly logger: Logger,
    private readonly controller: AbortController,
  ) {}

  get fatal(): CfError | undefined {
    return this.#fatal;
  }

  get hardStopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** An error that will not heal, at `where` (a sink, a stream): the service stops. */
  fail(error: CfError, where: string): void {
    if (this.#fatal === undefined && !this.hardStopped) {
      this.#fatal = error;
      this.logger.error(
        { err: error, code: error.code, where },
        'An error that will not heal; the service stops.',
      );
    }
    this.wake();
  }

  /** Asked to stop. */
  wake(): void {
    this.#wake();
  }

  hardStop(reason: CfError): void {
    this.controller.abort(reason);
  }

  /** Rejects a start that an error or a stop overtook. */
  throwIfStopped(): void {
    if (this.#fatal !== undefined) throw this.#fatal;
    if (this.hardStopped) throw this.controller.signal.reason;
  }
}
