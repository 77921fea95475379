import type { Dispatcher } from 'undici';
import { CfError, classify, tlsVerifyCode } from '../../../core/errors/index.js';
import { createProxyAgent, defaultEgress, type HttpEgress, tlsTrust, undici } from '../../../http/index.js';
import { parseRetryAfterMs } from '../../../lib/retry.js';

export interface HttpEndpointOptions {
  /** The receiver's URL; its origin is where every request goes. It must not hold a secret in messages: see `shownUrl`. */
  readonly url: string;
  /** How messages name the receiver in a sentence: `the Splunk HEC`, `Elasticsearch`. */
  readonly destination: string;
  /**
   * The URL as messages and logs show it. Default the URL without query and credentials; a
   * receiver whose path holds a secret (a Sumo Logic HTTP Source) passes its origin only.
   */
  readonly shownUrl?: string | undefined;
  /** Sockets to the receiver. */
  readonly connections: number;
  readonly requestTimeoutMs: number;
  /** PEM text of the CA that signed the receiver's certificate, trusted besides the public roots. */
  readonly ca: string | undefined;
  readonly rejectUnauthorized: boolean;
  /** Which requests go through which forward proxy; default the environment's. */
  readonly egress?: HttpEgress | undefined;
}

/** What a receiver answered: status, the headers, and the body's text (capped). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as text, cut at REPLY_MAX_BYTES (a proxy's error page need not be read whole). */
  readonly text: string;
  /** Retry-After (delta-seconds or an HTTP date), in ms; undefined when absent. */
  readonly retryAfterMs: number | undefined;
}

export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  /** Path (and query) on the receiver's origin. */
  readonly path: string;
  /** Headers; an Authorization value is built per call, so no long-lived object holds a secret. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | undefined;
  readonly signal: AbortSignal;
  /** Answer bytes kept at most; default REPLY_MAX_BYTES. A bulk answer naming every item needs more. */
  readonly maxAnswerBytes?: number | undefined;
}

/** Answer bytes kept by default; the rest is read and dropped (an unconsumed body starves the pool). */
export const REPLY_MAX_BYTES = 64 * 1024;

/**
 * One HTTP receiver over an undici Pool (or a proxy agent whose CONNECT tunnels lead to it),
 * with the TLS trust (`tls.ca` besides the public roots and NODE_EXTRA_CA_CERTS) and the forward
 * proxy of the `http` section. `call` resolves with the answer whatever its status and rejects
 * only when no answer came, with a classified CfError naming the receiver (socket errors and
 * timeouts retriable, TLS verification fatal). Secrets travel only in headers the caller builds.
 */
export class HttpEndpoint {
  /** The receiver as messages show it (no credentials, query, or a secret path). */
  readonly shownUrl: string;
  readonly origin: string;
  /** The proxy the requests go through (for messages), if any. */
  readonly proxy: string | undefined;
  private readonly pool: Dispatcher;
  private readonly destination: string;

  constructor(options: HttpEndpointOptions) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.destination = options.destination;
    this.shownUrl = options.shownUrl ?? `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
    const targetTls = { rejectUnauthorized: options.rejectUnauthorized, ...tlsTrust(options.ca) };
    const proxy = (options.egress ?? defaultEgress()).proxyFor(url);
    this.proxy = proxy?.uri;
    this.pool =
      proxy === undefined
        ? new (undici().Pool)(url.origin, {
            connections: options.connections,
            headersTimeout: options.requestTimeoutMs,
            bodyTimeout: options.requestTimeoutMs,
            connect: { timeout: options.requestTimeoutMs, ...targetTls },
          })
        : createProxyAgent(proxy, {
            connections: options.connections,
            connectTimeoutMs: options.requestTimeoutMs,
            headersTimeoutMs: options.requestTimeoutMs,
            bodyTimeoutMs: options.requestTimeoutMs,
            targetTls,
          });
  }

  async call(call: HttpCall): Promise<HttpAnswer> {
    try {
      const res = await this.pool.request({
        origin: this.origin,
        method: call.method,
        path: call.path,
        headers: call.headers,
        ...(call.body === undefined ? {} : { body: call.body }),
        signal: call.signal,
      });
      const text = await readCapped(res.body, call.maxAnswerBytes ?? REPLY_MAX_BYTES);
      return {
        status: res.statusCode,
        headers: res.headers,
        text,
        retryAfterMs: parseRetryAfterMs(res.headers['retry-after']),
      };
    } catch (err) {
      throw transportError(
        err,
        this.proxy === undefined ? this.shownUrl : `${this.shownUrl} (through the proxy ${this.proxy})`,
        this.destination,
      );
    }
  }

  async close(): Promise<void> {
    // destroy, not close: a fatal error or shutdown must not wait for requests still retrying.
    await this.pool.destroy().catch(() => {});
  }
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < maxBytes) chunks.push(chunk);
    size += chunk.length; // keep reading past the cap: an unconsumed body starves the pool
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/**
 * A request that got no answer, as a CfError whose message names the receiver (`destination`,
 * e.g. `the Splunk HEC`) at `endpoint` and what to check.
 */
export function transportError(err: unknown, endpoint: string, destination: string): CfError {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const tlsCode = tlsVerifyCode(err);
  if (tlsCode !== undefined) {
    return new CfError(
      'CF_ERR_SINK_CONNECT',
      `TLS verification of ${destination} at ${endpoint} failed (${tlsCode}): give the CA that signed its certificate (a TLS-inspecting proxy's, behind one) as tls.ca (PEM file) or in NODE_EXTRA_CA_CERTS, or check the host name in the URL.`,
      { cause: err, retriable: false },
    );
  }
  const classified = classify(err);
  if (classified.code === 'CF_ERR_SOCKET' || classified.code === 'CF_ERR_TIMEOUT') {
    return new CfError(classified.code, `Cannot reach ${destination} at ${endpoint}: ${classified.message}`, {
      cause: err,
    });
  }
  // TLS handshakes that fail for other reasons (plain HTTP port, protocol mismatch) surface as
  // OpenSSL errors: retrying them would not help, and the message says where to look.
  if (typeof code === 'string' && /^ERR_SSL_|^EPROTO$/.test(code)) {
    return new CfError(
      'CF_ERR_SINK_CONNECT',
      `TLS handshake with ${destination} at ${endpoint} failed (${code}): is it served over https on this port?`,
      { cause: err, retriable: false },
    );
  }
  return classified;
}
