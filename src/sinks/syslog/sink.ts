import { CfError, classify } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { Sink, SinkContext } from '../shared/contract.js';
import { ChunkPool } from './chunk-pool.js';
import type { SyslogSinkConfig } from './config.js';
import { DatagramTransport } from './datagram-transport.js';
import { MessageEncoder, type OversizePolicy } from './encoder.js';
import { FrameWriter } from './frame-writer.js';
import type { Framing } from './framing.js';
import { formatterOf, labelOf, messageMaxBytesOf, secureContextOf, targetOf } from './settings.js';
import { StreamTransport } from './stream-transport.js';
import type { SyslogTransport, TransportHooks } from './transport.js';
import type { SyslogTarget } from './url.js';

/**
 * Syslog sink: each record becomes one RFC 5424 (or 3164) message whose MSG is the record's JSON
 * line, sent over UDP, TCP or TLS.
 *
 * Acknowledged means: TCP/TLS, every byte of the record's message was written to the socket
 * (handed to the kernel) on a live connection; UDP, its datagram was sent. A socket write is not
 * a receiver acknowledgement: after a break, the messages written within the resend window
 * (`resendWindowMs`, `resendWindowMaxBytes`) are sent again on the new connection (duplicates,
 * not loss); older ones are assumed read. See docs/sinks/syslog.md for the full guarantee.
 *
 * Retries: reconnects and resends happen inside `sendBatch` (capped backoff with jitter, up to
 * `retryMaxAttempts` failures in a row, honouring ctx.signal); it rejects only with a fatal error.
 * A record over `messageMaxBytes` is dead-lettered, truncated or fatal by `oversizePolicy`.
 *
 * Each record is framed into bytes as it arrives (`absorb`): the batch being filled holds its
 * frames and the records' delivery handles, not the records. A record that waited in a filling
 * batch long enough to reach V8's old space would otherwise keep its line there until a full GC
 * (the long-run CPU doubling this replaced). Only records over the limit stay in the batch, for
 * `sendBatch` to dead-letter or fail on.
 */
class SyslogSink extends BatchingSink<Buffer[]> {
  private readonly target: SyslogTarget;
  private readonly label: string;
  private readonly encoder: MessageEncoder;
  private readonly framing: Framing;
  private readonly messageMaxBytes: number;
  private readonly policy: OversizePolicy;
  private transportInstance: SyslogTransport | undefined;
  private ending = false;
  private readonly pool = new ChunkPool();
  /** Frames of the batch being filled. */
  private readonly frames: FrameWriter;
  /** UTF-8 sizes measured for batching (records without lineBytes), reused by the encoder. */
  private readonly lineBytes = new WeakMap<PipelineRecord, number>();
  /** Message sizes of the records absorb declined (over messageMaxBytes), for the dead-letter entry. */
  private readonly oversizeBytes = new WeakMap<PipelineRecord, number>();
  private truncated = 0;

  constructor(
    private readonly config: SyslogSinkConfig,
    ctx: SinkContext,
  ) {
    super(
      config.name ?? 'syslog',
      {
        batchMaxCount: config.batchMaxCount,
        batchMaxBytes: config.batchMaxBytes,
        lingerMs: config.lingerMs,
        maxInFlight: config.maxInFlight,
      },
      ctx,
    );
    this.target = targetOf(config);
    this.label = labelOf(this.target);
    this.framing = this.target.transport === 'udp' ? 'datagram' : config.framing;
    this.messageMaxBytes = messageMaxBytesOf(config, this.target);
    this.policy = config.oversizePolicy;
    this.encoder = new MessageEncoder(formatterOf(config), {
      maxBytes: this.messageMaxBytes,
      policy: this.policy,
      escapeNewlines: this.framing === 'newline',
    });
    this.frames = new FrameWriter(this.framing, this.encoder, this.pool);
  }

  override async start(): Promise<void> {
    if (this.target.transport === 'tls' && this.config.tls?.verifyServer === false) {
      this.ctx.logger.warn(
        { receiver: this.label },
        'TLS certificate verification is off for the syslog receiver: anyone on the path can read the records.',
      );
    }
    try {
      await this.transport().open();
      this.ctx.logger.info(
        { receiver: this.label, format: this.config.format, framing: this.framing },
        'Syslog sink ready.',
      );
    } catch (err) {
      const e = classify(err);
      this.connected = false;
      this.lastError = e.message;
      throw e;
    }
  }

  protected override absorb(record: PipelineRecord): boolean {
    const framed = this.frames.add(record, record.lineBytes ?? this.lineBytes.get(record));
    if (!framed.fits) {
      this.oversizeBytes.set(record, framed.bytes);
      return false;
    }
    if (framed.truncatedFrom !== undefined) this.countTruncated(framed.truncatedFrom);
    return true;
  }

  protected override closeAbsorbed(): Buffer[] {
    return this.frames.finish();
  }

  protected async sendBatch(batch: Batch<Buffer[]>): Promise<void> {
    // The records still in the batch are the ones absorb declined: over messageMaxBytes.
    for (const record of batch.records) await this.oversized(record, this.oversizeBytes.get(record) ?? 0);
    this.releaseRecords(batch);
    // Always through the transport, even when empty, so batches settle in wire order.
    await this.transport().send(batch.absorbed ?? []);
  }

  protected override sizeOf(record: PipelineRecord): number {
    // The splitter's count when the record carries one; otherwise measure once and keep it.
    const known = record.lineBytes;
    if (known !== undefined) return known;
    const bytes = Buffer.byteLength(record.line, 'utf8');
    this.lineBytes.set(record, bytes);
    return bytes;
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.ending = true;
    super._final(callback);
  }

  protected override async disposeSink(): Promise<void> {
    const transport = this.transportInstance;
    if (transport === undefined) return;
    // A graceful end flushes and waits for the receiver; a destroy tears down at once.
    if (this.ending && !this.destroyed) await transport.close();
    else transport.destroy();
  }

  private transport(): SyslogTransport {
    this.transportInstance ??= this.createTransport();
    return this.transportInstance;
  }

  private createTransport(): SyslogTransport {
    const { config, ctx } = this;
    const hooks: TransportHooks = {
      logger: ctx.logger,
      signal: ctx.signal,
      retry: {
        maxAttempts: config.retryMaxAttempts,
        initialDelayMs: config.retryInitialDelayMs,
        maxDelayMs: config.retryMaxDelayMs,
        multiplier: 2,
      },
      onState: (connected, error) => {
        this.connected = connected;
        if (error !== undefined) {
          this.lastError = error.message;
          ctx.metrics.errors.inc({ component: this.sinkName, error_code: error.code });
        }
      },
      onRetry: (error) => ctx.metrics.retries.inc({ component: this.sinkName, error_code: error.code }),
      onFatal: (error) => {
        this.lastError = error.message;
        ctx.metrics.errors.inc({ component: this.sinkName, error_code: error.code });
        this.destroy(error);
      },
    };
    const { host, port } = this.target;
    if (this.target.transport === 'udp')
      return new DatagramTransport({ host, port, label: this.label }, hooks);
    return new StreamTransport(
      {
        endpoint: {
          host,
          port,
          label: this.label,
          connectTimeoutMs: config.connectTimeoutMs,
          ...(this.target.transport === 'tls'
            ? {
                tls: {
                  secureContext: secureContextOf(config.tls),
                  serverName: config.tls?.serverName,
                  verifyServer: config.tls?.verifyServer ?? true,
                },
              }
            : {}),
        },
        writeStallTimeoutMs: config.writeStallTimeoutMs,
        closeTimeoutMs: config.closeTimeoutMs,
        resendWindowMs: config.resendWindowMs,
        resendWindowMaxBytes: config.resendWindowMaxBytes,
        pool: this.pool,
      },
      hooks,
    );
  }

  /** A record whose message is over the limit: dead-letter it, or stop (policy "fail"). */
  private async oversized(record: PipelineRecord, bytes: number): Promise<void> {
    const reason = `The syslog message is ${bytes} bytes, over messageMaxBytes (${this.messageMaxBytes}).`;
    const detail = {
      messageBytes: bytes,
      messageMaxBytes: this.messageMaxBytes,
      oversizePolicy: this.policy,
    };
    if (this.policy === 'fail') {
      throw new CfError('CF_ERR_RECORD_TOO_LARGE', `${reason} oversizePolicy is "fail".`, {
        details: { ...detail, eventId: record.eventId, fileId: record.source.fileId },
      });
    }
    await this.deadLetterTooLarge(record, reason, detail, 'record_too_large');
  }

  private countTruncated(originalBytes: number): void {
    this.truncated++;
    this.ctx.metrics.errors.inc({ component: this.sinkName, error_code: 'CF_ERR_RECORD_TOO_LARGE' });
    if (this.truncated === 1) {
      this.ctx.logger.warn(
        { originalBytes, messageMaxBytes: this.messageMaxBytes },
        'Truncating syslog messages over messageMaxBytes (reported once; see component_errors_total).',
      );
    }
  }
}

/** Builds the syslog sink; `start()` connects (TCP/TLS) and rejects with a CfError saying what is wrong. */
export function createSyslogSink(config: SyslogSinkConfig, ctx: SinkContext): Sink {
  return new SyslogSink(config, ctx);
}
