import { type Dispatcher, Pool } from 'undici';
import { CfError, classify, tlsVerifyCode } from '../../core/errors/index.js';
import type { Secret } from '../../core/secret.js';
import { createProxyAgent, defaultEgress, type HttpEgress, tlsTrust } from '../../http/index.js';
import { parseRetryAfterMs } from '../../lib/retry.js';
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

/** Reply bodies kept at most; HEC answers are tiny, a proxy's error page need not be read whole. */
const REPLY_MAX_BYTES = 64 * 1024;

/**
 * The HEC wire protocol over an undici Pool: one method per endpoint, each resolving with the
 * parsed reply whatever its status (the verdict table decides), and rejecting only when no
 * reply arrived, with a classified CfError (socket errors retriable, TLS verification fatal).
 * The token goes only into the Authorization header of requests to this origin.
 */
export class HecClient {
  readonly endpoint: string;
  /** A Pool to the HEC, or a proxy agent whose CONNECT tunnels all lead to it. */
  private readonly pool: Dispatcher;
  private readonly origin: string;
  /** The proxy the requests go through (for messages), if any. */
  readonly proxy: string | undefined;
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
    this.origin = url.origin;
    // tls.ca is trusted besides the public roots and NODE_EXTRA_CA_CERTS (a TLS-inspecting proxy's CA).
    const targetTls = { rejectUnauthorized: options.rejectUnauthorized, ...tlsTrust(options.ca) };
    const proxy = (options.egress ?? defaultEgress()).proxyFor(url);
    this.proxy = proxy?.uri;
    this.pool =
      proxy === undefined
        ? new Pool(url.origin, {
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

  async close(): Promise<void> {
    // destroy, not close: a fatal error or shutdown must not wait for requests still retrying.
    await this.pool.destroy().catch(() => {});
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
    try {
      const res = await this.pool.request({
        origin: this.origin,
        method,
        path: this.basePath + path,
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
      const text = await readCapped(res.body);
      return parseHecReply(res.statusCode, text, parseRetryAfterMs(res.headers['retry-after']));
    } catch (err) {
      throw transportError(
        err,
        this.proxy === undefined ? this.endpoint : `${this.endpoint} (through the proxy ${this.proxy})`,
      );
    }
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < REPLY_MAX_BYTES) chunks.push(chunk);
    size += chunk.length; // keep reading past the cap: an unconsumed body starves the pool
  }
  return Buffer.concat(chunks).subarray(0, REPLY_MAX_BYTES).toString('utf8');
}

/** A request that got no reply, as a CfError whose message names the HEC and what to check. */
export function transportError(err: unknown, endpoint: string): CfError {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const tlsCode = tlsVerifyCode(err);
  if (tlsCode !== undefined) {
    return new CfError(
      'CF_ERR_SINK_CONNECT',
      `TLS verification of the Splunk HEC at ${endpoint} failed (${tlsCode}): give the CA that signed its certificate (a TLS-inspecting proxy's, behind one) as tls.ca (PEM file) or in NODE_EXTRA_CA_CERTS, or check the host name in the URL.`,
      { cause: err, retriable: false },
    );
  }
  const classified = classify(err);
  if (classified.code === 'CF_ERR_SOCKET' || classified.code === 'CF_ERR_TIMEOUT') {
    return new CfError(classified.code, `Cannot reach the Splunk HEC at ${endpoint}: ${classified.message}`, {
      cause: err,
    });
  }
  // TLS handshakes that fail for other reasons (plain HTTP port, protocol mismatch) surface as
  // OpenSSL errors: retrying them would not help, and the message says where to look.
  if (typeof code === 'string' && /^ERR_SSL_|^EPROTO$/.test(code)) {
    return new CfError(
      'CF_ERR_SINK_CONNECT',
      `TLS handshake with the Splunk HEC at ${endpoint} failed (${code}): is the HEC served over https on this port?`,
      { cause: err, retriable: false },
    );
  }
  return classified;
}
