import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, Pool } from 'undici';
import { CfError } from '../core/errors/index.js';
import type { Secret } from '../core/secret.js';
import type { Metrics } from '../telemetry/metrics.js';
import { statusClass } from './response.js';

export interface HttpTimeouts {
  /** TCP (and TLS) connection establishment. */
  connectTimeoutMs?: number;
  /** From sending the request to the complete response headers. */
  headersTimeoutMs?: number;
  /** Longest silence between two pieces of body data (not the whole transfer). */
  bodyTimeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUTS: Readonly<Required<HttpTimeouts>> = Object.freeze({
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
});

export interface HttpClientOptions extends HttpTimeouts {
  /**
   * Binds the client to one origin (a connection Pool to it): a request for any other origin is
   * refused. Only a bound client may carry credentials.
   */
  origin?: string;
  /** Sent as `Authorization: Bearer …`, and only to `origin`. Requires `origin`. */
  bearer?: Secret;
  userAgent?: string;
  /** Connections per origin. Default 8. */
  connections?: number;
  /** Latency per request goes to httpRequests{endpoint}, 429s to http429{endpoint}. */
  metrics?: Metrics;
}

export interface HttpRequest {
  /** Label for metrics: which upstream endpoint this is ('list', 'download', 'signed'). */
  endpoint: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Bytes buffered in the response body before the socket is paused. Default 64 KiB. */
  highWaterMark?: number;
}

/**
 * The response as undici gives it. Contract: the caller MUST consume the body or destroy it,
 * on every path, or the connection is never released (undici keeps it busy).
 */
export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** undici's body: a Readable, plus `dump()` to discard a small body and keep the connection. */
  body: Dispatcher.ResponseData['body'];
}

/** Request headers that carry credentials; only a bound client may send them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * A thin client over undici's Dispatcher.request (not fetch: no WHATWG streams in the hot path).
 * It never follows redirects: the caller decides where a Location may go, and which client
 * (which credentials) follows it. Errors are undici's own (classified by src/core/errors/classify.ts:
 * UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT, ECONNRESET…); statuses are returned, not thrown.
 */
export class HttpClient {
  readonly #dispatcher: Dispatcher;
  readonly #origin: string | undefined;
  readonly #bearer: Secret | undefined;
  readonly #userAgent: string;
  readonly #metrics: Metrics | undefined;

  constructor(options: HttpClientOptions = {}) {
    if (options.bearer && options.origin === undefined) {
      throw new CfError('CF_ERR_INTERNAL', 'An HTTP client with credentials must be bound to one origin.');
    }
    const dispatcherOptions = {
      connections: options.connections ?? 8,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_HTTP_TIMEOUTS.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs ?? DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs ?? DEFAULT_HTTP_TIMEOUTS.bodyTimeoutMs,
    };
    this.#origin = options.origin === undefined ? undefined : new URL(options.origin).origin;
    this.#dispatcher =
      this.#origin === undefined ? new Agent(dispatcherOptions) : new Pool(this.#origin, dispatcherOptions);
    this.#bearer = options.bearer;
    this.#userAgent = options.userAgent ?? 'compliance-forwarder';
    this.#metrics = options.metrics;
  }

  /** Sends one request; resolves at the response headers. See HttpResponse for the body contract. */
  async request(url: URL, req: HttpRequest): Promise<HttpResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CfError('CF_ERR_INTERNAL', `Refusing a ${url.protocol} URL: only http and https are used.`);
    }
    if (this.#origin !== undefined && url.origin !== this.#origin) {
      throw new CfError(
        'CF_ERR_INTERNAL',
        `This HTTP client is bound to ${this.#origin} and refuses a request to ${url.origin}.`,
      );
    }
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      const lower = name.toLowerCase();
      if (CREDENTIAL_HEADERS.has(lower)) {
        throw new CfError(
          'CF_ERR_INTERNAL',
          `Credentials (${lower}) are only sent through the bearer option.`,
        );
      }
      headers[lower] = value;
    }
    if (this.#bearer) headers.authorization = `Bearer ${this.#bearer.reveal()}`;

    const started = performance.now();
    const observe = (cls: string) =>
      this.#metrics?.httpRequests.observe(
        { endpoint: req.endpoint, status_class: cls },
        (performance.now() - started) / 1000,
      );
    try {
      const res = await this.#dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method ?? 'GET',
        headers,
        signal: req.signal ?? null,
        ...(req.highWaterMark === undefined ? {} : { highWaterMark: req.highWaterMark }),
      });
      observe(statusClass(res.statusCode));
      if (res.statusCode === 429) this.#metrics?.http429.inc({ endpoint: req.endpoint });
      return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      observe('error');
      throw err;
    }
  }

  /** Waits for in-flight requests to finish, then releases every connection. */
  close(): Promise<void> {
    return this.#dispatcher.close();
  }

  /** Aborts in-flight requests and releases every connection at once. */
  destroy(): Promise<void> {
    return this.#dispatcher.destroy();
  }
}
