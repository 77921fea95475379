import type { PipelineRecord } from '../../core/record.js';
import type { Secret } from '../../core/secret.js';
import type { SinkContext } from '../shared/contract.js';
import {
  type DeliveryVerdict,
  type HttpAnswer,
  HttpDeliverySink,
  HttpEndpoint,
  type HttpWire,
} from '../shared/http-delivery/index.js';
import { bulkVerdict, rootVerdict } from './bulk-answer.js';
import { BulkEncoder } from './bulk-encoder.js';
import type { ElasticsearchSinkConfig } from './config.js';

/** How the sink authenticates; the secrets are revealed only into one request's header. */
export type ElasticsearchAuth =
  | { readonly kind: 'api-key'; readonly apiKey: Secret }
  | { readonly kind: 'basic'; readonly username: Secret; readonly password: Secret }
  | { readonly kind: 'none' };

export interface ElasticsearchSinkDeps {
  readonly auth: ElasticsearchAuth;
  /** PEM text of tls.ca, already read. */
  readonly ca: string | undefined;
}

/** A bulk answer with an error per item can be long; errors:false answers are small (filter_path). */
const BULK_ANSWER_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Elasticsearch / OpenSearch sink: batches of `create` actions POSTed to /_bulk on the shared
 * HTTP delivery core (shared/http-delivery). `_id` is the record's event_id, so a record sent
 * again (a retry after a lost answer, a resend after a crash) answers 409 and counts as
 * delivered: every event is in the index once. See bulk-answer.ts for the answer table.
 *
 * Acknowledged means Elasticsearch answered the bulk request and its item for the record was
 * 2xx or 409 (created now or before), or the record was dead-lettered (a 4xx item).
 */
export class ElasticsearchSink extends HttpDeliverySink<HttpAnswer> {
  private readonly es: ElasticsearchWire;
  private readonly rejectUnauthorized: boolean;
  private readonly healthCheck: boolean;

  constructor(config: ElasticsearchSinkConfig, ctx: SinkContext, deps: ElasticsearchSinkDeps) {
    const wire = new ElasticsearchWire(config, ctx, deps);
    super(config.name ?? 'elasticsearch', config, ctx, wire);
    this.es = wire;
    this.rejectUnauthorized = config.tls.rejectUnauthorized;
    this.healthCheck = config.healthCheck;
  }

  /** Checks that the cluster answers at the URL and accepts the credentials. */
  override async start(): Promise<void> {
    if (!this.rejectUnauthorized) {
      this.log.warn(
        { endpoint: this.es.endpoint.shownUrl },
        'TLS certificate verification is off for Elasticsearch (tls.rejectUnauthorized: false).',
      );
    }
    if (this.healthCheck) {
      await this.retry('The Elasticsearch check (GET /)', async () => {
        const v = rootVerdict(await this.es.root(this.signal));
        return v.kind === 'ok' ? { kind: 'done', value: undefined } : v;
      });
    }
    this.log.info(
      { endpoint: this.es.endpoint.shownUrl, auth: this.es.authKind, gzip: this.settings.gzip },
      'Elasticsearch sink ready.',
    );
  }
}

/** Elasticsearch's side of the delivery core: the bulk body, POST /_bulk, and its answers. */
class ElasticsearchWire implements HttpWire<HttpAnswer> {
  readonly destination = 'Elasticsearch';
  readonly endpoint: HttpEndpoint;
  readonly authKind: ElasticsearchAuth['kind'];
  private readonly auth: ElasticsearchAuth;
  private readonly encoder: BulkEncoder;
  private readonly basePath: string;
  private readonly bulkPath: string;

  constructor(config: ElasticsearchSinkConfig, ctx: SinkContext, deps: ElasticsearchSinkDeps) {
    const url = new URL(config.url);
    this.basePath = url.pathname.replace(/\/+$/, '');
    const query = new URLSearchParams({ filter_path: 'errors,items.*.status,items.*.error,items.*._index' });
    if (config.pipeline !== undefined) query.set('pipeline', config.pipeline);
    this.bulkPath = `${this.basePath}/_bulk?${query.toString()}`;
    this.auth = deps.auth;
    this.authKind = deps.auth.kind;
    this.encoder = new BulkEncoder(config.index);
    this.endpoint = new HttpEndpoint({
      url: config.url,
      destination: 'Elasticsearch',
      connections: config.maxInFlightRequests + 1,
      requestTimeoutMs: config.requestTimeoutMs,
      ca: deps.ca,
      rejectUnauthorized: config.tls.rejectUnauthorized,
      egress: ctx.egress,
    });
  }

  sizeOf(record: PipelineRecord): number {
    return this.encoder.sizeOf(record);
  }

  encode(records: readonly PipelineRecord[], ingestTimeMs: number): string {
    return this.encoder.encodeBatch(records, ingestTimeMs);
  }

  post(body: Buffer, gzipped: boolean, signal: AbortSignal): Promise<HttpAnswer> {
    const headers = this.headers();
    headers['content-type'] = 'application/x-ndjson';
    if (gzipped) headers['content-encoding'] = 'gzip';
    return this.endpoint.call({
      method: 'POST',
      path: this.bulkPath,
      headers,
      body,
      signal,
      maxAnswerBytes: BULK_ANSWER_MAX_BYTES,
    });
  }

  judge(answer: HttpAnswer, records: readonly PipelineRecord[]): DeliveryVerdict {
    return bulkVerdict(answer, records.length);
  }

  /** GET / with the credentials: the poison-batch rule's evidence that the cluster is up. */
  async answers(signal: AbortSignal): Promise<boolean> {
    return rootVerdict(await this.root(signal)).kind === 'ok';
  }

  root(signal: AbortSignal): Promise<HttpAnswer> {
    return this.endpoint.call({ method: 'GET', path: `${this.basePath}/`, headers: this.headers(), signal });
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  /** Built per request, so no long-lived object holds a revealed secret. */
  private headers(): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': 'compliance-forwarder',
      accept: 'application/json',
    };
    const auth = this.auth;
    if (auth.kind === 'api-key') headers.authorization = `ApiKey ${auth.apiKey.reveal()}`;
    else if (auth.kind === 'basic') {
      const pair = `${auth.username.reveal()}:${auth.password.reveal()}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    }
    return headers;
  }
}
