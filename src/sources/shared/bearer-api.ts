import { CfError } from '../../core/errors/index.js';
import type { Secret } from '../../core/secret.js';
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  HttpClient,
  type HttpEgress,
  type HttpResponse,
  httpStatusError,
  limitedRequest,
  RateLimiter,
  type RetryEvent,
  readErrorMessage,
  withRetry,
} from '../../http/index.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';

export interface BearerApiOptions {
  /** e.g. https://api.openai.com/v1; requests go to paths under it. */
  readonly baseUrl: string;
  readonly apiKey: Secret;
  /** Metrics label of the endpoint (`audit_logs`, `conversations`). */
  readonly endpoint: string;
  /** Share one per key and endpoint (RateLimiterRegistry); default this client's own. */
  readonly limiter?: RateLimiter;
  readonly requestsPerMinute: number;
  readonly rateWindowMs: number;
  readonly retry: BackoffPolicy;
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
  readonly egress?: HttpEgress;
  /** PEM CA bundle trusted for this API besides the defaults. */
  readonly ca?: string | undefined;
  /** What a 401/403 means for this key, appended to the error: which key, which permission. */
  readonly authHint: string;
}

/** The options every API source's client takes besides its base URL and key. */
export interface ApiClientOptions {
  /** Share one per key (RateLimiterRegistry); default this client's own. */
  readonly limiter?: RateLimiter;
  readonly requestsPerMinute?: number;
  readonly rateWindowMs?: number;
  readonly retry?: BackoffPolicy;
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
  readonly egress?: HttpEgress;
  readonly ca?: string | undefined;
}

/** BearerApi's options from a client's: what is unset keeps BearerApi's default. */
export function bearerApiOptions(
  opts: ApiClientOptions,
  fixed: Pick<BearerApiOptions, 'baseUrl' | 'apiKey' | 'endpoint' | 'authHint'> & {
    defaultRequestsPerMinute: number;
  },
): BearerApiOptions {
  const { defaultRequestsPerMinute, ...rest } = fixed;
  return {
    ...rest,
    ...(opts.limiter ? { limiter: opts.limiter } : {}),
    requestsPerMinute: opts.requestsPerMinute ?? defaultRequestsPerMinute,
    rateWindowMs: opts.rateWindowMs ?? 60_000,
    retry: opts.retry ?? DEFAULT_BACKOFF,
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
    ...(opts.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: opts.headersTimeoutMs }),
    ...(opts.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: opts.bodyTimeoutMs }),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
    ...(opts.egress ? { egress: opts.egress } : {}),
    ...(opts.ca === undefined ? {} : { ca: opts.ca }),
  };
}

/**
 * An API origin reached with a bearer key: the HTTP client bound to that origin (the key never
 * goes anywhere else), a rate limiter, and the retry policy. Shared by the API sources.
 *
 * Retries: `getWithRetry` retries in place what the classifier calls retriable (sockets,
 * timeouts, 408, 429 after Retry-After, which also pauses the limiter for every request on the
 * key, 5xx but 501, and retriable errors thrown by `read`). What still fails reaches the caller as
 * a non-retriable CfError. Lifecycle: construct, use, `close()`.
 */
export class BearerApi {
  readonly base: URL;
  readonly limiter: RateLimiter;
  readonly #http: HttpClient;
  readonly #opts: BearerApiOptions;
  readonly #logger: Logger;

  constructor(opts: BearerApiOptions) {
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new CfError('CF_ERR_CONFIG', `The API base URL is not a URL: ${opts.baseUrl}.`);
    }
    if ((base.protocol !== 'https:' && base.protocol !== 'http:') || base.username || base.search) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `The API base URL must be a plain http(s) URL without credentials or query; got ${base.protocol}//${base.host}.`,
      );
    }
    base.pathname = base.pathname.replace(/\/+$/, '');
    this.base = base;
    this.#opts = opts;
    this.limiter = opts.limiter ?? new RateLimiter(opts.requestsPerMinute, opts.rateWindowMs);
    const logger = opts.logger ?? silentLogger();
    this.#logger = 'component' in logger.bindings() ? logger : logger.child({ component: opts.endpoint });
    this.#http = new HttpClient({
      origin: base.origin,
      bearer: opts.apiKey,
      ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
      ...(opts.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: opts.headersTimeoutMs }),
      ...(opts.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: opts.bodyTimeoutMs }),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      userAgent: opts.userAgent ?? 'compliance-forwarder',
      ...(opts.egress ? { egress: opts.egress } : {}),
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
    });
  }

  get retry(): BackoffPolicy {
    return this.#opts.retry;
  }

  /** `base` + `/path` (path segments already encoded by the caller). */
  url(path: string): URL {
    return new URL(`${this.base.origin}${this.base.pathname}${path}`);
  }

  /**
   * One GET in a limiter slot, answered 2xx, or the CfError its status calls for (body consumed).
   * No retry: for bodies the caller streams and resumes itself.
   */
  async getOk(
    url: URL,
    what: string,
    signal?: AbortSignal,
    accept = 'application/json',
  ): Promise<HttpResponse> {
    const res = await limitedRequest(this.#http, this.limiter, url, {
      endpoint: this.#opts.endpoint,
      headers: { accept },
      ...(signal ? { signal } : {}),
    });
    if (res.statusCode >= 200 && res.statusCode <= 299) return res;
    throw await this.#statusError(what, res);
  }

  /** `getOk` then `read` (which consumes the body), retried in place as the class comment says. */
  getWithRetry<T>(
    url: URL,
    what: string,
    read: (res: HttpResponse) => Promise<T>,
    signal?: AbortSignal,
    context: Record<string, unknown> = {},
  ): Promise<T> {
    return withRetry(
      async () => {
        const res = await this.getOk(url, what, signal);
        try {
          return await read(res);
        } finally {
          res.body.destroy();
        }
      },
      {
        policy: this.#opts.retry,
        ...(signal ? { signal } : {}),
        onRetry: (event) => this.onRetry(event, context),
      },
    );
  }

  /** Bookkeeping before a retry: metrics, a 429 pausing the whole key, a warning. */
  onRetry({ attempt, delayMs, error }: RetryEvent, context: Record<string, unknown> = {}): void {
    const endpoint = this.#opts.endpoint;
    this.#opts.metrics?.httpRetries.inc({ endpoint, error_code: error.code });
    if (error.code === 'CF_ERR_HTTP_RATE_LIMITED') this.limiter.pauseFor(delayMs);
    this.#logger.warn(
      { ...context, endpoint, attempt, delayMs, errorCode: error.code, err: error },
      'Upstream request failed; retrying.',
    );
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  async #statusError(what: string, res: HttpResponse): Promise<CfError> {
    if (res.statusCode !== 401 && res.statusCode !== 403) return httpStatusError(what, res);
    const said = await readErrorMessage(res.body);
    return new CfError(
      'CF_ERR_HTTP_AUTH',
      `${what} answered HTTP ${res.statusCode}: ${this.#opts.authHint}${said ? `. The API said: ${said}` : '.'}`,
      { details: { status: res.statusCode } },
    );
  }
}
