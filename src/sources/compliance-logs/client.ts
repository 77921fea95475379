import type { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import { type PrincipalRoute, routePrincipal } from '../../core/principal.js';
import type { PrincipalType } from '../../core/record.js';
import type { Secret } from '../../core/secret.js';
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  HttpClient,
  type HttpEgress,
  limitedRequest,
  RateLimiter,
  type RetryEvent,
  readBodyText,
  withRetry,
} from '../../http/index.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { complianceApiError } from './api-errors.js';
import { type FileDescriptor, type ListPage, parseListPage, parseTimeOption } from './list-page.js';
import { type Endpoint, openTransfer, type TransferDeps } from './transfer.js';
import { VerifiedFileStream } from './verified-file-stream.js';

export type { FileDescriptor, ListPage } from './list-page.js';

export interface ComplianceClientOptions {
  /** e.g. https://api.chatgpt.com/v1/compliance (COMPLIANCE_API_BASE). */
  baseUrl: string;
  apiKey: Secret;
  /** A workspace UUID (→ /workspaces/{id}) or an organization id `org-…` (→ /organizations/{id}). */
  principalId: string;
  /** Share one per API key across streams (RateLimiterRegistry). Default: this client's own, 100/min. */
  listLimiter?: RateLimiter;
  /** Share one per API key across streams (RateLimiterRegistry). Default: this client's own, 50/min. */
  downloadLimiter?: RateLimiter;
  /** Attempts and backoff for List calls and for each file's transfers. Default DEFAULT_BACKOFF. */
  retry?: BackoffPolicy;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  metrics?: Metrics;
  logger?: Logger;
  userAgent?: string;
  /** Which requests go through which proxy; default the environment's. */
  egress?: HttpEgress;
  /** PEM CA bundle trusted for the API and the download host besides the defaults (source.tls.ca). */
  ca?: string | undefined;
}

export interface OpenFileOptions {
  /** Metrics label; default `workspace/<id>/<event_type>` (or `organization/…`), as SourceRef.stream. */
  stream?: string;
  /** Bytes buffered ahead of the consumer. Default 64 KiB. */
  highWaterMark?: number;
}

export interface ListQuery {
  eventTypes: string[];
  /** Strict lower bound on end_time (ISO-8601 with a zone, or a Date). */
  after: string | Date;
  /** Strict upper bound on end_time. */
  before?: string | Date;
  /** 1..100 files per page (default 100; the API answers 422 above 100). */
  limit?: number;
}

export const DEFAULT_LIST_PER_MINUTE = 100;
export const DEFAULT_DOWNLOADS_PER_MINUTE = 50;
/** A page of 100 descriptors is about 30 KB; anything near this is not a List answer. */
const LIST_BODY_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Client of the Compliance Logs Platform for one principal.
 *
 * Credentials: the bearer token is attached by an HTTP client bound to the API origin, which
 * refuses any other origin. Download's redirect is followed by a second client with no
 * credentials at all (no Authorization, no cookies), whatever host the Location names.
 *
 * Retries: List calls and file transfers retry in place (DEFAULT_BACKOFF unless `retry` is given):
 * socket errors, timeouts, 408, 429 (after Retry-After, which also pauses the shared limiter), 5xx
 * except 501, unexpected List shapes. What still fails reaches the caller as a non-retriable
 * CfError; the caller decides whether that stops the stream.
 *
 * Lifecycle: construct, use, `close()`; close() ends open file streams with CF_ERR_ABORTED.
 */
export class ComplianceLogsClient {
  readonly principalId: string;
  readonly principalType: PrincipalType;
  /** The metrics this client reports to (the pager counts listed files there too). */
  readonly metrics: Metrics | undefined;
  readonly #route: PrincipalRoute;
  readonly #logsUrl: string;
  readonly #api: HttpClient;
  readonly #signed: HttpClient;
  readonly #transferDeps: TransferDeps;
  readonly #listLimiter: RateLimiter;
  readonly #downloadLimiter: RateLimiter;
  readonly #retry: BackoffPolicy;
  readonly #logger: Logger;
  readonly #openFiles = new Set<VerifiedFileStream>();

  constructor(opts: ComplianceClientOptions) {
    this.#route = routePrincipal(opts.principalId);
    this.principalId = opts.principalId;
    this.principalType = this.#route.type;
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new CfError('CF_ERR_CONFIG', `The Compliance API base URL is not a URL: ${opts.baseUrl}.`);
    }
    if ((base.protocol !== 'https:' && base.protocol !== 'http:') || base.username || base.search) {
      throw new CfError(
        'CF_ERR_CONFIG',
        'The Compliance API base URL must be a plain http(s) URL without credentials or query, ' +
          `e.g. https://api.chatgpt.com/v1/compliance; got ${base.protocol}//${base.host}.`,
      );
    }
    const basePath = base.pathname.replace(/\/+$/, '');
    this.#logsUrl = `${base.origin}${basePath}/${this.#route.collection}/${encodeURIComponent(opts.principalId)}/logs`;
    this.metrics = opts.metrics;
    const logger = opts.logger ?? silentLogger();
    // One child per component, unless the caller already made it.
    this.#logger = 'component' in logger.bindings() ? logger : logger.child({ component: 'compliance-logs' });
    this.#retry = opts.retry ?? DEFAULT_BACKOFF;
    this.#listLimiter = opts.listLimiter ?? new RateLimiter(DEFAULT_LIST_PER_MINUTE, 60_000);
    this.#downloadLimiter = opts.downloadLimiter ?? new RateLimiter(DEFAULT_DOWNLOADS_PER_MINUTE, 60_000);
    const common = {
      ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
      ...(opts.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: opts.headersTimeoutMs }),
      ...(opts.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: opts.bodyTimeoutMs }),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      userAgent: opts.userAgent ?? 'compliance-forwarder',
      ...(opts.egress ? { egress: opts.egress } : {}),
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
    };
    this.#api = new HttpClient({ ...common, origin: base.origin, bearer: opts.apiKey });
    this.#signed = new HttpClient(common);
    this.#transferDeps = {
      api: this.#api,
      signed: this.#signed,
      downloadLimiter: this.#downloadLimiter,
      logsUrl: this.#logsUrl,
      principalId: this.principalId,
    };
  }

  /** This client's logger (the pager logs its pages there); never given the key or a signed URL. */
  get logger(): Logger {
    return this.#logger;
  }

  /** The stream key of one event type of this principal, as in SourceRef.stream. */
  streamKey(eventType: string): string {
    return `${this.#route.streamPrefix}/${eventType}`;
  }

  /**
   * One List page. Rate-limited (list limiter), retried in place, and validated: a body that is
   * not the documented shape is CF_ERR_BAD_RESPONSE. Bad arguments fail before any request.
   */
  async listPage(q: ListQuery, signal?: AbortSignal): Promise<ListPage> {
    const url = this.#listUrl(q);
    const what = `List for ${q.eventTypes.join(',')}`;
    return withRetry(
      async () => {
        const res = await limitedRequest(this.#api, this.#listLimiter, url, {
          endpoint: 'list',
          headers: { accept: 'application/json' },
          ...(signal ? { signal } : {}),
        });
        if (res.statusCode < 200 || res.statusCode > 299) {
          throw await complianceApiError(what, res, q.eventTypes, this.principalId);
        }
        return parseListPage(await readBodyText(res.body, LIST_BODY_MAX_BYTES, what));
      },
      {
        policy: this.#retry,
        ...(signal ? { signal } : {}),
        onRetry: this.#onRetry(() => 'list', { eventTypes: q.eventTypes }),
      },
    );
  }

  /**
   * A Readable of the file's bytes, exactly once and in order, ending only once `file_size` and
   * `file_sha256` matched (see VerifiedFileStream). Each transfer calls Download (download
   * limiter), follows its redirect without credentials, and on failure starts over with a fresh
   * Download. 404 is CF_ERR_FILE_EXPIRED (not retried: the caller decides skip or fail).
   * Destroying the stream aborts the transfer.
   */
  openFile(file: FileDescriptor, signal?: AbortSignal, options: OpenFileOptions = {}): Readable {
    const stream = options.stream ?? this.streamKey(file.event_type);
    const phase: { endpoint: Endpoint } = { endpoint: 'download' };
    const fileStream = new VerifiedFileStream({
      file,
      retry: this.#retry,
      openTransfer: (transferSignal) =>
        openTransfer(this.#transferDeps, file, transferSignal, phase, options.highWaterMark),
      onRetry: this.#onRetry(() => phase.endpoint, { fileId: file.id, stream }),
      onBytes: (bytes) => this.metrics?.downloadedBytes.inc({ stream }, bytes),
      onVerified: () => this.metrics?.filesDownloaded.inc({ stream }),
      ...(signal ? { signal } : {}),
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
    this.#openFiles.add(fileStream);
    fileStream.once('close', () => this.#openFiles.delete(fileStream));
    return fileStream;
  }

  /** Ends open file streams (CF_ERR_ABORTED) and releases all connections. */
  async close(): Promise<void> {
    for (const f of this.#openFiles) f.destroy(new CfError('CF_ERR_ABORTED', 'The client was closed.'));
    await Promise.all([this.#api.close(), this.#signed.close()]);
  }

  #listUrl(q: ListQuery): URL {
    if (q.eventTypes.length === 0 || q.eventTypes.some((t) => !/^[A-Za-z0-9_]+$/.test(t))) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `Event types must be names like AUTH_LOG, got ${JSON.stringify(q.eventTypes)}.`,
      );
    }
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `The List page size must be an integer from 1 to 100, got ${limit}.`,
      );
    }
    const url = new URL(this.#logsUrl);
    for (const t of q.eventTypes) url.searchParams.append('event_type', t);
    url.searchParams.set('after', timeParam(q.after, 'after'));
    if (q.before !== undefined) url.searchParams.set('before', timeParam(q.before, 'before'));
    url.searchParams.set('limit', String(limit));
    return url;
  }

  #onRetry(endpointOf: () => Endpoint, context: Record<string, unknown>): (event: RetryEvent) => void {
    return ({ attempt, delayMs, error }) => {
      const endpoint = endpointOf();
      this.metrics?.httpRetries.inc({ endpoint, error_code: error.code });
      // Every request on the same key waits out a 429, not only the one that got it.
      if (error.code === 'CF_ERR_HTTP_RATE_LIMITED') {
        if (endpoint === 'list') this.#listLimiter.pauseFor(delayMs);
        if (endpoint === 'download') this.#downloadLimiter.pauseFor(delayMs);
      }
      this.#logger.warn(
        { ...context, endpoint, attempt, delayMs, errorCode: error.code, err: error },
        'Upstream request failed; retrying.',
      );
    };
  }
}

function timeParam(value: string | Date, name: string): string {
  const ms = parseTimeOption(value, name);
  return typeof value === 'string' ? value : new Date(ms).toISOString();
}
