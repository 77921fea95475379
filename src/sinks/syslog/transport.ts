import type { Logger } from 'pino';
import type { CfError } from '../../core/errors/index.js';
import type { BackoffPolicy } from '../../lib/retry.js';

/**
 * Moves framed syslog bytes to the receiver. Implemented for TCP/TLS (stream-transport.ts) and
 * UDP (datagram-transport.ts).
 *
 * Lifecycle: `open()` once (connects, retrying) -> `send()` any number of times, in order ->
 * `close()` (flushes and ends gracefully) or `destroy()` (tears down now).
 * Retries: the transport retries transient failures itself, with capped backoff and jitter, up to
 * `retry.maxAttempts` consecutive failures; it rejects only with a fatal CfError.
 */
export interface SyslogTransport {
  open(): Promise<void>;
  /**
   * Resolves once every buffer is written to the socket (TCP/TLS: handed to the kernel on a live
   * connection; UDP: the datagram was sent). Calls are serialised, so the wire order is the call
   * order.
   */
  send(payload: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}

/** What a transport reports to its sink (health, metrics) and how it retries. */
export interface TransportHooks {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly retry: BackoffPolicy;
  /** Connection state for readiness; `error` is the failure that broke it. */
  onState(connected: boolean, error?: CfError): void;
  /** Called once per retried failure. */
  onRetry(error: CfError): void;
  /** A failure outside any `send()` (e.g. reconnecting while idle) that is fatal. */
  onFatal(error: CfError): void;
}
