import type { PipelineRecord } from '../../core/record.js';
import type { Batch } from '../shared/batching-sink.js';
import type { SinkContext } from '../shared/contract.js';
import {
  type HttpAnswer,
  type HttpDeliverySettings,
  HttpDeliverySink,
} from '../shared/http-delivery/index.js';
import type { HttpPreset, PreparedPreset } from './presets/index.js';
import type { PresetWire } from './wire.js';

export interface HttpPresetSinkOptions {
  readonly preset: HttpPreset;
  readonly prepared: PreparedPreset;
  /** Largest entry sent; a larger record is dead-lettered before any request. */
  readonly maxRecordBytes: number | undefined;
  /** The receiver as logs show it (no secret). */
  readonly shownUrl: string;
  readonly insecure: boolean;
}

/**
 * The `http` sink: the shared HTTP delivery core (batching, gzip, in-flight bound, retries with
 * Retry-After, 413 splitting, isolation by bisection, the poison-batch rule) with a preset's wire.
 * Two things are its own, before a batch reaches the core:
 *
 *   - a record whose entry is over the preset's per-entry limit is dead-lettered with its size
 *     (Datadog would truncate it and still answer 2xx, so sending it would lose data silently);
 *   - a batch is cut into runs of one header group (Sumo's X-Sumo-Category per event type), each
 *     in arrival order, each sent as its own requests.
 *
 * Acknowledged means the receiver answered 2xx (or the record was dead-lettered): at least once,
 * since a retry after a lost answer sends the same records again.
 */
export class HttpPresetSink extends HttpDeliverySink<HttpAnswer> {
  private readonly options: HttpPresetSinkOptions;
  private readonly presetWire: PresetWire;

  constructor(
    name: string,
    settings: HttpDeliverySettings,
    ctx: SinkContext,
    wire: PresetWire,
    options: HttpPresetSinkOptions,
  ) {
    super(name, settings, ctx, wire);
    this.options = options;
    this.presetWire = wire;
  }

  override async start(): Promise<void> {
    if (this.options.insecure) {
      this.log.warn(
        { endpoint: this.options.shownUrl },
        `TLS certificate verification is off for ${this.options.preset.title} (tls.rejectUnauthorized: false).`,
      );
    }
    this.log.info(
      { endpoint: this.options.shownUrl, preset: this.options.preset.name, gzip: this.settings.gzip },
      'HTTP sink ready.',
    );
  }

  protected override async sendBatch(batch: Batch): Promise<void> {
    const { prepared, maxRecordBytes } = this.options;
    // One run per header group, each in arrival order (records of one stream share a group, so
    // a stream's order is kept); a batch interleaving two event types makes two requests, not many.
    const runs = new Map<string | undefined, PipelineRecord[]>();
    for (const record of batch.records) {
      if (maxRecordBytes !== undefined) {
        const bytes = prepared.entryBytes(record);
        if (bytes > maxRecordBytes) {
          await this.deadLetterOversize(record, bytes, maxRecordBytes);
          continue;
        }
      }
      const key = this.presetWire.groupKey(record);
      const run = runs.get(key);
      if (run === undefined) runs.set(key, [record]);
      else run.push(record);
    }
    for (const records of runs.values()) {
      await super.sendBatch({ records, bytes: records.reduce((n, r) => n + this.sizeOf(r), 0) });
    }
  }

  private async deadLetterOversize(record: PipelineRecord, bytes: number, limit: number): Promise<void> {
    const { preset } = this.options;
    const reason = `The record is ${bytes} bytes as ${preset.title} entry, over its limit of ${limit} bytes (maxRecordBytes); it was not sent.`;
    await this.deadLetterTooLarge(
      record,
      reason,
      { bytes, maxRecordBytes: limit, preset: preset.name },
      'http_too_large',
    );
    this.log.warn(
      { eventId: record.eventId, bytes, maxRecordBytes: limit },
      `A record over ${preset.title}'s entry limit was dead-lettered.`,
    );
  }
}
