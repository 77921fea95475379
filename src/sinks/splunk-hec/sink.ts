import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import type { Secret } from '../../core/secret.js';
import type { SinkContext } from '../shared/contract.js';
import { type DeliveryVerdict, HttpDeliverySink, type HttpWire } from '../shared/http-delivery/index.js';
import { AckTracker } from './ack-tracker.js';
import type { SplunkHecSinkConfig } from './config.js';
import { HecEnvelopeEncoder } from './envelope.js';
import { HecClient } from './hec-client.js';
import { describeReply, type HecReply, replyDetails } from './reply.js';
import { ackPollVerdict, eventVerdict, healthVerdict, tokenProbeVerdict } from './verdict.js';

export interface SplunkHecSinkDeps {
  readonly token: Secret;
  /** PEM text of tls.ca, already read. */
  readonly ca: string | undefined;
  /** The envelope `host`. */
  readonly host: string;
}

/**
 * Splunk HTTP Event Collector sink: batches of envelopes POSTed to /services/collector/event
 * on the shared HTTP delivery core (shared/http-delivery), with one random channel per instance.
 * This file is the HEC's wire (envelopes, its reply table in verdict.ts, indexer acks).
 *
 *   batch --encode+gzip--> POST /event --2xx--> [useAck: wait for ackId indexed] --> acked
 *                              |  413: split in halves; a lone record -> dead-letter
 *                              |  400 code 6/12/13 #i: before | [i] alone | after
 *                              |  429/5xx/socket: retry in place (capped backoff, Retry-After)
 *                              |  reset/timeout 3x in a row while the HEC answers a probe or
 *                              |    other requests: split in halves; a lone record -> dead-letter
 *                              |    (the poison-batch rule, shared/poison-batch.ts)
 *                              |  401/403, code 7, 14...: fatal, the records stay unacked
 *                              +-- ack never indexed (ackMaxPolls polls): the run is sent again
 *
 * Acknowledged means: without useAck, HEC answered 2xx (it accepted the events into its queue;
 * they are lost if that Splunk instance dies before indexing). With useAck, Splunk reported
 * the request's ackId indexed. A record written to the dead-letter file is acknowledged too.
 * Sends are at least once: a retry after a lost reply, or a resend after an ack that never
 * came, can index events twice.
 */
export class SplunkHecSink extends HttpDeliverySink<HecReply> {
  /** X-Splunk-Request-Channel of this instance. */
  readonly channel: string;
  /** The config without its token reference (a `{ value }` token must not sit on the sink). */
  private readonly config: Omit<SplunkHecSinkConfig, 'token'>;
  private readonly hec: HecWire;

  constructor(config: SplunkHecSinkConfig, ctx: SinkContext, deps: SplunkHecSinkDeps) {
    const name = config.name ?? 'splunk-hec';
    const wire = new HecWire(config, ctx.logger.child({ component: name }), ctx, deps);
    super(
      name,
      {
        ...config,
        // Batches waiting for their ack hold no request slot, so they get slots of their own.
        extraInFlightBatches: config.useAck ? config.ackMaxPendingBatches : 0,
      },
      ctx,
      wire,
    );
    const { token: _token, ...settings } = config;
    this.config = settings;
    this.hec = wire;
    this.channel = wire.channel;
    wire.signal = this.signal;
  }

  /** Checks that a HEC answers at the URL and accepts the token; rejects saying what is wrong. */
  override async start(): Promise<void> {
    const client = this.hec.client;
    if (!this.config.tls.rejectUnauthorized) {
      this.log.warn(
        { endpoint: client.endpoint },
        'TLS certificate verification is off for the Splunk HEC (tls.rejectUnauthorized: false).',
      );
    }
    if (this.config.healthCheck) {
      await this.retry('The Splunk HEC health check', async () => {
        const v = healthVerdict(await client.health(this.signal));
        return v.kind === 'ok' ? { kind: 'done', value: undefined } : v;
      });
      await this.retry('The Splunk HEC token check', async () => {
        const v = tokenProbeVerdict(await client.probeToken(this.config.useAck, this.signal));
        return v.kind === 'ok' ? { kind: 'done', value: undefined } : v;
      });
    }
    this.log.info(
      {
        endpoint: client.endpoint,
        channel: this.channel,
        useAck: this.config.useAck,
        gzip: this.config.gzip,
      },
      'Splunk HEC sink ready.',
    );
  }
}

/**
 * The HEC's side of the delivery core: envelopes, POST /services/collector/event, the reply
 * table (verdict.ts) and, with useAck, indexer acknowledgement as the accepted verdict's
 * confirmation (an ack id never reported indexed means the run is sent again).
 */
class HecWire implements HttpWire<HecReply> {
  readonly destination = 'the Splunk HEC';
  readonly unconfirmedMessage = 'Splunk HEC did not report records indexed in time; sending them again.';
  readonly channel = randomUUID();
  readonly client: HecClient;
  /** The sink's signal, set once the sink exists (ack polls end with it). */
  signal: AbortSignal;
  private readonly encoder: HecEnvelopeEncoder;
  private readonly acks: AckTracker | undefined;
  private readonly useAck: boolean;
  private readonly ackMaxPolls: number;

  constructor(config: SplunkHecSinkConfig, log: Logger, ctx: SinkContext, deps: SplunkHecSinkDeps) {
    this.signal = ctx.signal;
    this.useAck = config.useAck;
    this.ackMaxPolls = config.ackMaxPolls;
    this.client = new HecClient({
      url: config.url,
      token: deps.token,
      channel: this.channel,
      connections: config.maxInFlightRequests + 1,
      requestTimeoutMs: config.requestTimeoutMs,
      ca: deps.ca,
      rejectUnauthorized: config.tls.rejectUnauthorized,
      egress: ctx.egress,
    });
    this.encoder = new HecEnvelopeEncoder({
      host: deps.host,
      source: config.source,
      sourcetype: config.sourcetype,
      index: config.index,
      indexByEventType: config.indexByEventType,
    });
    this.acks = config.useAck
      ? new AckTracker(
          (ids) => this.pollAcks(ids),
          { pollIntervalMs: config.ackPollIntervalMs, maxPolls: config.ackMaxPolls },
          log,
        )
      : undefined;
  }

  sizeOf(record: PipelineRecord): number {
    return this.encoder.sizeOf(record);
  }

  encode(records: readonly PipelineRecord[], ingestTimeMs: number): string {
    return this.encoder.encodeBatch(records, ingestTimeMs);
  }

  post(body: Buffer, gzipped: boolean, signal: AbortSignal): Promise<HecReply> {
    return this.client.postEvents(body, gzipped, signal);
  }

  judge(reply: HecReply): DeliveryVerdict {
    const verdict = eventVerdict(reply, this.useAck);
    switch (verdict.kind) {
      case 'accepted': {
        if (verdict.ackId === undefined || this.acks === undefined) return { kind: 'accepted' };
        const confirmation = this.acks
          .wait(verdict.ackId)
          .then((outcome) => (outcome === 'indexed' ? 'confirmed' : 'unconfirmed'));
        return { kind: 'accepted', confirmation };
      }
      case 'too-large':
        return {
          kind: 'too-large',
          rejection: {
            code: 'CF_ERR_RECORD_TOO_LARGE',
            reason:
              'Splunk HEC answered 413 to this record alone: it is larger than the HEC accepts (max_content_length).',
            detail: replyDetails(reply),
            metric: 'hec_too_large',
          },
        };
      case 'invalid-event':
        return {
          kind: 'rejected',
          index: verdict.index,
          rejection: {
            code: 'CF_ERR_RECORD_REJECTED',
            reason: `Splunk HEC rejected this record (${describeReply(reply)}).`,
            detail: replyDetails(reply),
            metric: 'hec_rejected',
          },
        };
      default:
        return verdict;
    }
  }

  /**
   * True when the HEC answers a small event request (an empty one, "No data"): it goes to the
   * same endpoint through the same proxies as the records, so an answer means the HEC is up.
   */
  async answers(signal: AbortSignal): Promise<boolean> {
    return tokenProbeVerdict(await this.client.probeToken(false, signal)).kind === 'ok';
  }

  unconfirmedError(records: number, sends: number): CfError {
    return new CfError(
      'CF_ERR_SINK_ACK_TIMEOUT',
      `Splunk HEC did not report ${records} records indexed after ${sends} sends of ${this.ackMaxPolls} ack polls each.`,
      { retriable: false },
    );
  }

  async close(): Promise<void> {
    this.acks?.close();
    await this.client.close();
  }

  private async pollAcks(ids: readonly number[]): Promise<Readonly<Record<string, boolean>>> {
    const v = ackPollVerdict(await this.client.pollAcks(ids, this.signal));
    if (v.kind === 'acks') return v.acks;
    throw v.error;
  }
}
