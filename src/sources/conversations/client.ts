import { CfError } from '../../core/errors/index.js';
import { isWorkspaceId } from '../../core/principal.js';
import type { Secret } from '../../core/secret.js';
import type { BackoffPolicy, HttpResponse, RetryEvent } from '../../http/index.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { type ApiClientOptions, BearerApi, bearerApiOptions } from '../shared/index.js';

/** Where a page starts: a time (first page) or the previous page's `last_id`, never both. */
export type PageCursor = { readonly sinceTimestamp: number } | { readonly after: string };

export interface ConversationsClientOptions extends ApiClientOptions {
  /** e.g. https://api.chatgpt.com/v1/compliance (COMPLIANCE_API_BASE). */
  readonly baseUrl: string;
  readonly apiKey: Secret;
  readonly workspaceId: string;
}

/**
 * Client of the legacy `GET /workspaces/{id}/conversations` (Compliance API key, the same base as
 * the Compliance Logs Platform). `openPage` answers with the page's response, body unread: the
 * caller streams it and owns retries (see page-stream.ts), using `retry` and `onRetry` from here so
 * that a 429 pauses every request on the key. Lifecycle: construct, use, `close()`.
 */
export class ConversationsClient {
  readonly workspaceId: string;
  readonly metrics: Metrics | undefined;
  readonly #api: BearerApi;
  readonly #path: string;

  constructor(opts: ConversationsClientOptions) {
    if (!isWorkspaceId(opts.workspaceId)) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `The conversations source needs a workspace id (a UUID), got ${JSON.stringify(opts.workspaceId)}.`,
      );
    }
    this.workspaceId = opts.workspaceId;
    this.metrics = opts.metrics;
    this.#path = `/workspaces/${encodeURIComponent(opts.workspaceId)}/conversations`;
    this.#api = new BearerApi(
      bearerApiOptions(opts, {
        baseUrl: opts.baseUrl,
        apiKey: opts.apiKey,
        endpoint: 'conversations',
        defaultRequestsPerMinute: 50,
        authHint:
          'the Compliance API key is wrong or revoked, or lacks the legacy Compliance API read scope (newer tenants only have the Compliance Logs Platform)',
      }),
    );
  }

  get retry(): BackoffPolicy {
    return this.#api.retry;
  }

  /** One page request, rate-limited, not retried; resolves at a 2xx with the body unread. */
  async openPage(cursor: PageCursor, limit: number, signal?: AbortSignal): Promise<HttpResponse> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `The conversations page size must be an integer from 1 to 500, got ${limit}.`,
      );
    }
    const url = this.#api.url(this.#path);
    if ('after' in cursor) url.searchParams.set('after', cursor.after);
    else url.searchParams.set('since_timestamp', String(cursor.sinceTimestamp));
    url.searchParams.set('limit', String(limit));
    return this.#api.getOk(url, 'The conversations list', signal);
  }

  onRetry(event: RetryEvent, context: Record<string, unknown> = {}): void {
    this.#api.onRetry(event, context);
  }

  close(): Promise<void> {
    return this.#api.close();
  }
}
