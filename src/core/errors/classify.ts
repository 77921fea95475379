import { CfError, isCfError } from './cf-error.js';
import type { ErrorCode } from './codes.js';

/** Socket-level error codes that mean "the transfer failed, try again". */
const RETRIABLE_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** The verdict for one HTTP status: which code, and whether a retry may help. */
export function classifyStatus(status: number): { code: ErrorCode; retriable: boolean } {
  if (status === 401 || status === 403) return { code: 'CF_ERR_HTTP_AUTH', retriable: false };
  if (status === 429) return { code: 'CF_ERR_HTTP_RATE_LIMITED', retriable: true };
  if (status === 408) return { code: 'CF_ERR_HTTP_SERVER', retriable: true };
  if (status === 501) return { code: 'CF_ERR_HTTP_NOT_IMPLEMENTED', retriable: false };
  if (status >= 500 && status <= 599) return { code: 'CF_ERR_HTTP_SERVER', retriable: true };
  return { code: 'CF_ERR_HTTP_CLIENT', retriable: false };
}

/**
 * Total classifier: turns anything thrown into a CfError and never throws itself.
 * Socket errors retry; CfErrors keep their verdict; everything unknown is a programming
 * error and fails loudly (CF_ERR_INTERNAL, not retriable).
 */
export function classify(err: unknown): CfError {
  if (isCfError(err)) return err;
  try {
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && RETRIABLE_SOCKET_CODES.has(code)) {
      const message = err instanceof Error ? err.message : String(code);
      return new CfError(
        TIMEOUT_CODES.has(code) ? 'CF_ERR_TIMEOUT' : 'CF_ERR_SOCKET',
        `${code}: ${message}`,
        {
          cause: err,
        },
      );
    }
    if (err instanceof Error && err.name === 'AbortError') {
      return new CfError('CF_ERR_ABORTED', 'The operation was aborted.', { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new CfError('CF_ERR_INTERNAL', `Unexpected error: ${message}`, { cause: err });
  } catch {
    return new CfError('CF_ERR_INTERNAL', 'Unexpected error that could not be described.');
  }
}
