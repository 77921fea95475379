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
    const proxied = proxyTunnelError(err);
    if (proxied) return proxied;
    const tlsCode = tlsVerifyCode(err);
    if (tlsCode !== undefined) {
      const message = err instanceof Error ? err.message : tlsCode;
      return new CfError('CF_ERR_TLS_VERIFY', `TLS verification failed (${tlsCode}): ${message}`, {
        cause: err,
        retriable: false,
      });
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

/** undici's ProxyAgent reports a CONNECT answered other than 200 this way (a RequestAbortedError). */
const PROXY_TUNNEL_STATUS = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/;

/** The status the forward proxy answered CONNECT with, when `err` is that failure. */
export function proxyTunnelStatus(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const m = PROXY_TUNNEL_STATUS.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

/**
 * A refused CONNECT: 407 is CF_ERR_PROXY_AUTH, 502/503/504 (the proxy could not reach the target,
 * or is overloaded) retriable like the upstream's own, anything else CF_ERR_PROXY_CONNECT.
 */
function proxyTunnelError(err: unknown): CfError | undefined {
  const status = proxyTunnelStatus(err);
  if (status === undefined) return undefined;
  // 407 is the standard answer; some proxies (tinyproxy) answer 401 to wrong credentials.
  if (status === 407 || status === 401) {
    return new CfError(
      'CF_ERR_PROXY_AUTH',
      `The forward proxy answered ${status} (${status === 407 ? 'Proxy Authentication Required' : 'Unauthorized'}) to CONNECT: give its credentials (http.proxy.username and password, or user:password in the proxy URL), or check them.`,
      { cause: err, retriable: false, details: { proxyStatus: status } },
    );
  }
  if (status === 502 || status === 503 || status === 504) {
    return new CfError('CF_ERR_HTTP_SERVER', `The forward proxy answered ${status} to CONNECT; retrying.`, {
      cause: err,
      retriable: true,
      details: { proxyStatus: status },
    });
  }
  return new CfError(
    'CF_ERR_PROXY_CONNECT',
    `The forward proxy refused the CONNECT tunnel with ${status}: it does not allow this host or port (check its allow list, or NO_PROXY).`,
    { cause: err, retriable: false, details: { proxyStatus: status } },
  );
}

const TLS_VERIFY_CODES =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_REVOKED|CERT_SIGNATURE_FAILURE|CERT_REJECTED|INVALID_CA|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)$/;

/** The code of a certificate verification failure in `err` or its causes (undici wraps some). */
export function tlsVerifyCode(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_VERIFY_CODES.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
