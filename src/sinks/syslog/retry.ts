import { CfError } from '../../core/errors/index.js';
import { backoffDelayMs, sleep } from '../../http/backoff.js';
import { abortedError } from './connect.js';
import type { TransportHooks } from './transport.js';

/**
 * Counts consecutive failures of a transport. A failure that is not retriable, or one past
 * `retry.maxAttempts` in a row, is thrown (fatal); otherwise it is logged, counted and followed by
 * a capped, jittered backoff. The transport says when the count starts again (`succeeded()`):
 * UDP after a send the kernel took, TCP/TLS after a connection proved stable, so a receiver that
 * accepts and then drops every connection still runs out of attempts.
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
    if (this.signal.aborted) throw abortedError(this.signal);
    if (!error.retriable) throw error;
    this.failures++;
    const { retry } = this.hooks;
    if (this.failures >= retry.maxAttempts) {
      throw new CfError(
        'CF_ERR_RETRIES_EXHAUSTED',
        `Gave up on the syslog receiver ${this.label} after ${this.failures} failed attempts in a row: ${error.message}`,
        { cause: error },
      );
    }
    this.hooks.onRetry(error);
    const delayMs = backoffDelayMs(retry, this.failures);
    this.hooks.logger.warn(
      { err: error, attempt: this.failures, delayMs, receiver: this.label },
      'Syslog receiver failed; retrying.',
    );
    try {
      await sleep(delayMs, this.signal);
    } catch {
      throw abortedError(this.signal);
    }
  }
}
