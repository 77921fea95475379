import type { CfError } from '../../core/errors/index.js';
import { afterFailure } from '../../lib/retry.js';
import type { TransportHooks } from './transport.js';

/**
 * Counts consecutive failures of a transport and applies the shared retry policy (lib/retry.ts)
 * to each: a failure that is not retriable, or one that uses up `retry.maxAttempts` in a row,
 * is thrown (fatal, CF_ERR_RETRIES_EXHAUSTED at exhaustion); otherwise it is logged, counted and
 * followed by a capped, jittered backoff. The transport says when the count starts again
 * (`succeeded()`): UDP after a send the kernel took, TCP/TLS after a connection proved stable, so
 * a receiver that accepts and then drops every connection still runs out of attempts.
 */
export class RetryBudget {
  private failures = 0;

  constructor(
    private readonly hooks: TransportHooks,
    private readonly label: string,
    private readonly signal: AbortSignal,
  ) {}

  succeeded(): void {
    this.failures = 0;
  }

  async failed(error: CfError): Promise<void> {
    const attempt = error.retriable && !this.signal.aborted ? ++this.failures : this.failures;
    await afterFailure(error, attempt, {
      policy: this.hooks.retry,
      what: `The syslog receiver ${this.label}`,
      signal: this.signal,
      onRetry: ({ delayMs }) => {
        this.hooks.onRetry(error);
        this.hooks.logger.warn(
          { err: error, attempt, delayMs, receiver: this.label },
          'Syslog receiver failed; retrying.',
        );
      },
    });
  }
}
