import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type SecureContext, connect as tlsConnect } from 'node:tls';
import { CfError, classify, isCfError } from '../../core/errors/index.js';

/** A TCP or TLS receiver and how to reach it. */
export interface StreamEndpoint {
  readonly host: string;
  readonly port: number;
  /** Present for TLS: the context (CAs, client certificate) built once at start. */
  readonly tls?: {
    readonly secureContext: SecureContext;
    readonly serverName: string | undefined;
    readonly verifyServer: boolean;
  };
  readonly connectTimeoutMs: number;
  /** For messages: `tcp://host:port` or `tcp+tls://host:port`. */
  readonly label: string;
}

/**
 * Opens one connection (one attempt, no retry) and resolves once it can carry data: after the
 * TCP handshake, or after the TLS handshake and certificate check for TLS. Rejects with a
 * classified CfError: retriable for network failures, CF_ERR_SINK_TLS (fatal) for TLS trust
 * and certificate problems, which no retry fixes.
 */
export function openStream(endpoint: StreamEndpoint, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortedError(signal));
      return;
    }
    const { host, port } = endpoint;
    const socket: Socket = endpoint.tls
      ? tlsConnect({
          host,
          port,
          secureContext: endpoint.tls.secureContext,
          rejectUnauthorized: endpoint.tls.verifyServer,
          // SNI and the name check use the URL host unless told otherwise; SNI is not sent for IPs.
          ...(endpoint.tls.serverName === undefined
            ? isIP(host) === 0
              ? { servername: host }
              : {}
            : { servername: endpoint.tls.serverName }),
        })
      : netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy(
        new CfError(
          'CF_ERR_TIMEOUT',
          `Connecting to ${endpoint.label} took over ${endpoint.connectTimeoutMs} ms.`,
        ),
      );
    }, endpoint.connectTimeoutMs);
    const onAbort = () => socket.destroy(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (err?: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('error', done);
      socket.off(endpoint.tls ? 'secureConnect' : 'connect', onReady);
      if (err === undefined) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(classifyConnectError(err, endpoint.label));
      }
    };
    const onReady = () => done();
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', onReady);
    socket.once('error', done);
  });
}

/** OpenSSL verification results Node reports as `err.code`: a trust or name problem, not the network. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * Connection failures: TLS trust, certificate and protocol errors are fatal (CF_ERR_SINK_TLS);
 * refused, reset, unreachable, DNS and timeouts are retriable (CF_ERR_SINK_CONNECT, or the
 * timeout's own code); anything else goes through the total classifier.
 */
export function classifyConnectError(err: unknown, label: string): CfError {
  if (isCfError(err)) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string') {
    if (CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_')) {
      return new CfError('CF_ERR_SINK_TLS', `TLS with ${label} failed (${code}): ${message}`, { cause: err });
    }
    if (code === 'ENOTFOUND' || classify(err).retriable) {
      return new CfError('CF_ERR_SINK_CONNECT', `Cannot connect to ${label} (${code}): ${message}`, {
        cause: err,
      });
    }
  }
  return classify(err);
}

/** The pipeline stopped (or the sink was destroyed): give up retrying and waiting. */
export function abortedError(signal: AbortSignal): CfError {
  return new CfError('CF_ERR_ABORTED', 'The syslog sink was stopped.', { cause: signal.reason });
}
