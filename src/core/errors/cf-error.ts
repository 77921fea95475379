import { ERROR_CODES, type ErrorCode } from './codes.js';

/** A brand instead of `instanceof`, so errors are recognised across copies of this package. */
const BRAND = Symbol.for('compliance-forwarder.error');

export interface CfErrorOptions {
  cause?: unknown;
  /** Overrides the code's default retriability (e.g. a 429 carrying Retry-After is retriable). */
  retriable?: boolean;
  /** Milliseconds the peer asked us to wait (Retry-After). */
  retryAfterMs?: number;
  /** Structured, secret-free details for logs and dead-letter records. */
  details?: Record<string, unknown>;
}

/** The only error class the forwarder throws on purpose; everything else is classified (classify.ts). */
export class CfError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: CfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CfError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }
}

export function isCfError(err: unknown): err is CfError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}
