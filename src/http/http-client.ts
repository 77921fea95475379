import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { CfError, classify, isCfError, proxyTunnelStatus, tlsVerifyCode } from '../core/errors/index.js';
import type { Secret } from '../core/secret.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createProxyAgent, HttpEgress, type ProxyEndpoint } from './proxy.js';
import { statusClass } from './response.js';
import { tlsTrust } from './tls.js';
import { undici } from './undici.js';

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
  /** Which targets go through which forward proxy. Default: the environment's (defaultEgress()). */
  egress?: HttpEgress;
  /** PEM CA bundle trusted for the targets besides the defaults (e.g. a TLS-inspecting proxy's CA). */
  ca?: string;
}

let envEgress: HttpEgress | undefined;

/** The egress of clients given none: HTTPS_PROXY, HTTP_PROXY and NO_PROXY, read once. */
export function defaultEgress(): HttpEgress {
  envEgress ??= HttpEgress.create({}, process.env);
  return envEgress;
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
  readonly #egress: HttpEgress;
  readonly #route: (url: URL) => { dispatcher: Dispatcher; proxy?: ProxyEndpoint };
  readonly #dispatchers: () => Dispatcher[];
  readonly #proxied = new Map<string, Dispatcher>();
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
    const trust = tlsTrust(options.ca);
    const proxyOptions = {
      connections: dispatcherOptions.connections,
      connectTimeoutMs: dispatcherOptions.connectTimeout,
      headersTimeoutMs: dispatcherOptions.headersTimeout,
      bodyTimeoutMs: dispatcherOptions.bodyTimeout,
      targetTls: trust,
    };
    this.#egress = options.egress ?? defaultEgress();
    this.#origin = options.origin === undefined ? undefined : new URL(options.origin).origin;
    const direct = { ...dispatcherOptions, connect: { ...trust } };
    if (this.#origin === undefined) {
      // Any origin (signed download URLs): direct or proxied, decided per request.
      const agent = new (undici().Agent)(direct);
      this.#route = (url) => {
        const proxy = this.#egress.proxyFor(url);
        if (proxy === undefined) return { dispatcher: agent };
        let proxied = this.#proxied.get(proxy.uri);
        if (proxied === undefined) {
          proxied = createProxyAgent(proxy, proxyOptions);
          this.#proxied.set(proxy.uri, proxied);
        }
        return { dispatcher: proxied, proxy };
      };
      this.#dispatchers = () => [agent, ...this.#proxied.values()];
    } else {
      // One origin: one Pool to it, or one proxy agent whose tunnels all lead to it.
      const proxy = this.#egress.proxyFor(new URL(this.#origin));
      const dispatcher =
        proxy === undefined
          ? new (undici().Pool)(this.#origin, direct)
          : createProxyAgent(proxy, proxyOptions);
      const route = proxy === undefined ? { dispatcher } : { dispatcher, proxy };
      this.#route = () => route;
      this.#dispatchers = () => [dispatcher];
    }
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
    const { dispatcher, proxy } = this.#route(url);
    try {
      const res = await dispatcher.request({
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
      throw transportError(err, url, proxy);
    }
  }

  /** Waits for in-flight requests to finish, then releases every connection. */
  async close(): Promise<void> {
    await Promise.all(this.#dispatchers().map((d) => d.close()));
  }

  /** Aborts in-flight requests and releases every connection at once. */
  async destroy(): Promise<void> {
    await Promise.all(this.#dispatchers().map((d) => d.destroy()));
  }
}

/**
 * A failed request's error, naming the target (and the proxy) where the fix is the user's: a
 * certificate that did not verify (CF_ERR_TLS_VERIFY), a proxy that refused the tunnel
 * (CF_ERR_PROXY_AUTH, CF_ERR_PROXY_CONNECT) or failed it (502/503/504, retriable). Other errors
 * pass unchanged, for the classifier. Never the path or query (a signed URL's query is a secret).
 */
export function transportError(err: unknown, url: URL, proxy: ProxyEndpoint | undefined): unknown {
  if (isCfError(err)) return err;
  const via = proxy === undefined ? '' : ` through the proxy ${proxy.uri}`;
  const tlsCode = tlsVerifyCode(err);
  if (tlsCode !== undefined) {
    const detail = err instanceof Error ? err.message : tlsCode;
    return new CfError(
      'CF_ERR_TLS_VERIFY',
      `TLS verification of ${url.host}${via} failed (${tlsCode}: ${detail}). Trust the CA that signed its certificate ` +
        `(tls.ca of this source or sink, or NODE_EXTRA_CA_CERTS)${proxy === undefined ? '' : '; a TLS-inspecting proxy signs with its own CA'}, or check the host name.`,
      { cause: err, retriable: false, details: { host: url.host, tlsCode } },
    );
  }
  if (proxy !== undefined && proxyTunnelStatus(err) !== undefined) {
    const c = classify(err);
    return new CfError(c.code, `${c.message} (target ${url.host}, proxy ${proxy.uri})`, {
      cause: err,
      retriable: c.retriable,
      details: { ...c.details, host: url.host },
    });
  }
  return err;
}
