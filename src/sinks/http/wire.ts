import { CfError, type ErrorCode } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { redactSecrets } from '../../core/secret.js';
import {
  answerExcerpt,
  type DeliveryVerdict,
  type HttpAnswer,
  type HttpEndpoint,
  type HttpWire,
} from '../shared/http-delivery/index.js';
import { jsonLines } from '../shared/json-lines.js';
import type { HttpPreset, PreparedPreset } from './presets/index.js';
import type { Template } from './template.js';

export interface PresetWireOptions {
  readonly preset: HttpPreset;
  readonly prepared: PreparedPreset;
  readonly endpoint: HttpEndpoint;
  /** Path and query of the URL (for sumo: holds the Source token). */
  readonly path: string;
  /** The config's extra headers, parsed. */
  readonly extraHeaders: ReadonlyArray<readonly [string, Template]>;
}

/**
 * The `http` sink's wire: encodes a run of records as its preset says (NDJSON lines or a JSON
 * array of entries), POSTs it with the preset's headers (those per event type taken from the
 * run's first record: the sink sends runs of one group only), and maps the answer to the core's
 * verdict through the preset's answer table.
 */
export class PresetWire implements HttpWire<HttpAnswer> {
  readonly destination: string;
  private readonly preset: HttpPreset;
  private readonly prepared: PreparedPreset;
  private readonly endpoint: HttpEndpoint;
  private readonly path: string;
  private readonly extraHeaders: ReadonlyArray<readonly [string, Template]>;
  /** The preset sends each record's line unchanged as an NDJSON line: encode bytes directly. */
  private readonly rawLines: boolean;
  private readonly templatedHeaders: boolean;

  constructor(options: PresetWireOptions) {
    this.preset = options.preset;
    this.prepared = options.prepared;
    this.endpoint = options.endpoint;
    this.path = options.path;
    this.extraHeaders = options.extraHeaders;
    this.destination = options.preset.title;
    this.rawLines = options.preset.body === 'ndjson' && options.prepared.rawLines === true;
    this.templatedHeaders = options.extraHeaders.some(([, t]) => !t.fixed);
  }

  /**
   * Records with the same key get the same headers, so a request carries one key only: the
   * preset's groups (Sumo: per event type), and per event type too when a configured header
   * is a template. Undefined when every record gets the same headers.
   */
  groupKey(record: PipelineRecord): string | undefined {
    const own = this.prepared.groupKey(record);
    if (!this.templatedHeaders) return own;
    const s = record.source;
    return `${own ?? ''}\u0001${s.eventType}\u0000${s.principalId}\u0000${s.source}`;
  }

  /** The entry's bytes plus its separator (newline or comma). */
  sizeOf(record: PipelineRecord): number {
    return this.prepared.entryBytes(record) + 1;
  }

  encode(records: readonly PipelineRecord[]): string | Buffer {
    if (this.rawLines) return jsonLines(records);
    const entries = records.map((r) => this.prepared.entry(r));
    return this.preset.body === 'ndjson' ? `${entries.join('\n')}\n` : `[${entries.join(',')}]`;
  }

  post(body: Buffer, gzipped: boolean, signal: AbortSignal, records: readonly PipelineRecord[]) {
    const first = records[0];
    const headers: Record<string, string> = {};
    if (first !== undefined) for (const [name, t] of this.extraHeaders) headers[name] = t.render(first);
    Object.assign(headers, this.prepared.headers(first), {
      'content-type': this.preset.contentType,
      ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
    });
    return this.endpoint.call({ method: 'POST', path: this.path, headers, body, signal });
  }

  judge(answer: HttpAnswer): DeliveryVerdict {
    const { status } = answer;
    const kind = this.preset.classify(status, answer.text);
    if (kind === 'accepted') return { kind: 'accepted' };
    const what = this.preset.describe(status);
    const excerpt = answerExcerpt(redactSecrets(answer.text));
    const detail = { status, ...(excerpt === undefined ? {} : { answer: excerpt }) };
    const named = capitalised(this.destination);
    switch (kind) {
      case 'retry':
        return {
          kind: 'retry',
          error: new CfError(
            status === 429 ? 'CF_ERR_HTTP_RATE_LIMITED' : 'CF_ERR_HTTP_SERVER',
            `${named} answered ${what}.`,
            { retriable: true, details: detail, ...retryAfter(answer.retryAfterMs) },
          ),
        };
      case 'too-large':
        return {
          kind: 'too-large',
          rejection: {
            code: 'CF_ERR_RECORD_TOO_LARGE',
            reason: `${named} answered ${what} to this record alone: it is larger than the receiver accepts.`,
            detail,
            metric: 'http_too_large',
          },
        };
      case 'rejected':
        return {
          kind: 'rejected',
          index: undefined,
          rejection: {
            code: 'CF_ERR_RECORD_REJECTED',
            reason: `${named} refused this record: ${what}${excerpt === undefined ? '' : ` (${excerpt})`}.`,
            detail,
            metric: 'http_rejected',
          },
        };
      default: {
        const auth = status === 401 || status === 403 || (status === 400 && kind === 'fatal');
        const code: ErrorCode = auth ? 'CF_ERR_SINK_AUTH' : 'CF_ERR_SINK_FATAL';
        return {
          kind: 'fatal',
          error: new CfError(
            code,
            `${named} at ${this.endpoint.shownUrl} refused the request: ${what}${excerpt === undefined ? '' : ` (${excerpt})`}. ${auth ? this.authHint() : 'Check the URL and the preset.'}`,
            { retriable: false, details: detail },
          ),
        };
      }
    }
  }

  /**
   * The poison-batch rule's evidence that the receiver is up: an empty request (no line, or `[]`)
   * on the same path with the same credentials, which carries no record. Any answer but a 5xx
   * counts: a receiver that refuses an empty body still answered it.
   */
  async answers(signal: AbortSignal): Promise<boolean> {
    const answer = await this.endpoint.call({
      method: 'POST',
      path: this.path,
      headers: { ...this.prepared.headers(undefined), 'content-type': this.preset.contentType },
      body: Buffer.from(this.preset.body === 'json-array' ? '[]' : '', 'utf8'),
      signal,
    });
    return answer.status < 500;
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  private authHint(): string {
    switch (this.preset.name) {
      case 'sumo':
        return 'Check the Source URL (it holds the token; a regenerated URL invalidates the old one).';
      case 'datadog':
        return 'Check the API key (apiKey, DD_API_KEY) and that the URL is the intake of your Datadog site.';
      case 'secops':
        return 'Check the API key (apiKey, SECOPS_API_KEY) and the feed secret (webhookSecret, SECOPS_WEBHOOK_SECRET).';
      default:
        return 'Check auth (bearer token HTTP_AUTH_TOKEN or basic password HTTP_AUTH_PASSWORD).';
    }
  }
}

function retryAfter(ms: number | undefined): { retryAfterMs?: number } {
  return ms === undefined ? {} : { retryAfterMs: ms };
}

function capitalised(text: string): string {
  const t = text.replace(/^the /, '');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
