import type { Secret } from '../../core/secret.js';
import type { HttpEgress } from '../../http/index.js';
import { HttpEndpoint } from '../shared/http-delivery/index.js';
import { type HecReply, parseHecReply } from './reply.js';

export interface HecClientOptions {
  /** Base URL as configured; a /services/collector... path is cut, a prefix before it kept. */
  readonly url: string;
  readonly token: Secret;
  /** X-Splunk-Request-Channel: one random UUID per sink instance. */
  readonly channel: string;
  /** Sockets to the HEC (event requests plus one for ack polls and probes). */
  readonly connections: number;
  readonly requestTimeoutMs: number;
  /** PEM text of the CA that signed the HEC's certificate. */
  readonly ca: string | undefined;
  readonly rejectUnauthorized: boolean;
  /** Which requests go through which forward proxy; default the environment's. */
  readonly egress?: HttpEgress | undefined;
}

/**
 * The HEC wire protocol over the shared HTTP endpoint (shared/http-delivery: pool, proxy, TLS
 * trust): one method per endpoint, each resolving with the parsed reply whatever its status
 * (the verdict table decides), and rejecting only when no reply arrived, with a classified
 * CfError (socket errors retriable, TLS verification fatal). The token goes only into the
 * Authorization header of requests to this origin.
 */
export class HecClient {
  readonly endpoint: string;
  /** The proxy the requests go through (for messages), if any. */
  readonly proxy: string | undefined;
  private readonly http: HttpEndpoint;
  private readonly basePath: string;
  private readonly token: Secret;
  private readonly channel: string;

  constructor(options: HecClientOptions) {
    const url = new URL(options.url);
    const cut = url.pathname.search(/\/services\/collector(\/|$)/);
    this.basePath = (cut >= 0 ? url.pathname.slice(0, cut) : url.pathname).replace(/\/+$/, '');
    this.endpoint = `${url.origin}${this.basePath}/services/collector/event`;
    this.token = options.token;
    this.channel = options.channel;
    this.http = new HttpEndpoint({
      url: options.url,
      destination: 'the Splunk HEC',
      shownUrl: this.endpoint,
      connections: options.connections,
      requestTimeoutMs: options.requestTimeoutMs,
      ca: options.ca,
      rejectUnauthorized: options.rejectUnauthorized,
      egress: options.egress,
    });
    this.proxy = this.http.proxy;
  }

  /** POST /services/collector/event with a body of envelopes (gzip-compressed when `gzip`). */
  postEvents(body: Buffer, gzip: boolean, signal: AbortSignal): Promise<HecReply> {
    return this.call('POST', '/services/collector/event', body, gzip, signal);
  }

  /** POST /services/collector/ack: which of these ack ids are indexed. */
  pollAcks(ackIds: readonly number[], signal: AbortSignal): Promise<HecReply> {
    return this.call(
      'POST',
      '/services/collector/ack',
      Buffer.from(JSON.stringify({ acks: ackIds })),
      false,
      signal,
    );
  }

  /** GET /services/collector/health (no token needed). */
  health(signal: AbortSignal): Promise<HecReply> {
    return this.call('GET', '/services/collector/health', undefined, false, signal);
  }

  /**
   * Checks the token without sending data: an empty ack poll when acknowledgement is on (which
   * also checks it is enabled for the token), else an empty event request ("No data" = accepted).
   */
  probeToken(useAck: boolean, signal: AbortSignal): Promise<HecReply> {
    return useAck
      ? this.pollAcks([], signal)
      : this.call('POST', '/services/collector/event', Buffer.alloc(0), false, signal);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | undefined,
    gzip: boolean,
    signal: AbortSignal,
  ): Promise<HecReply> {
    const headers: Record<string, string> = {
      'user-agent': 'compliance-forwarder',
      'x-splunk-request-channel': this.channel,
    };
    if (method === 'POST') {
      // Revealed per request, so no field of this object holds the token (util.inspect, logs).
      headers.authorization = `Splunk ${this.token.reveal()}`;
      headers['content-type'] = 'application/json';
      if (gzip) headers['content-encoding'] = 'gzip';
    }
    const answer = await this.http.call({ method, path: this.basePath + path, headers, body, signal });
    return parseHecReply(answer.status, answer.text, answer.retryAfterMs);
  }
}
