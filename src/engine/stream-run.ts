import type { DeadLetter } from '../core/dead-letter.js';
import { type CfError, classify } from '../core/errors/index.js';
import type { ListedFile, StreamSource } from '../core/stream-source.js';
import type { WatermarkPosition } from '../core/watermark-position.js';
import type { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { ProgressEvent, StreamResult } from './run-types.js';
import { StreamWatermark } from './watermark.js';

export interface StreamRunDeps {
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly deadLetter: DeadLetter;
  /** Where checkpoints go; none for one-off runs without state. */
  readonly checkpoints: CheckpointStore | undefined;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  /** Ends the whole run: a checkpoint that cannot be saved is fatal. */
  readonly abort: (err: unknown) => void;
}

/**
 * One stream's part in a run: its listing, its watermark, and the checkpoint that follows the
 * watermark over the prefix of completely acknowledged files (the dead-letter file synced first).
 */
export class StreamRun {
  readonly iterator: AsyncIterator<ListedFile>;
  readonly watermark: StreamWatermark;
  /** No more files will be pulled from it: listed to the end, or failed. */
  exhausted = false;
  error: CfError | undefined;
  filesDone = 0;
  records = 0;
  /** Resolves when the last file pulled from this stream has been written (ordered output). */
  lastWritten: Promise<void> = Promise.resolve();
  /** The checkpoint saves in progress, chained. */
  saving: Promise<void> = Promise.resolve();

  constructor(
    readonly source: StreamSource,
    listing: AbortSignal,
    private readonly deps: StreamRunDeps,
  ) {
    this.iterator = source.files(listing)[Symbol.asyncIterator]();
    this.watermark = new StreamWatermark(source.resume);
    this.watermark.on('advance', (position) => this.#advanced(position));
    this.watermark.on('failed', (err) => {
      this.error ??= err;
      this.exhausted = true;
    });
  }

  get key(): string {
    return this.source.key;
  }

  /** Stops the stream: its checkpoint stays at the last delivered file. */
  fail(err: unknown): void {
    const e = classify(err);
    if (this.error === undefined) {
      this.error = e;
      this.deps.metrics.streamFailing.set({ stream: this.key }, 1);
      this.deps.logger.error(
        { stream: this.key, err: e, code: e.code },
        'Stream failed; its checkpoint stays put.',
      );
    }
    this.exhausted = true;
  }

  /**
   * Every registered file is acknowledged, or the stream failed and every file listed before the
   * failure is: those are checkpointed rather than sent again by the next poll.
   */
  get settled(): boolean {
    return this.watermark.inFlightBeforeFailure === 0;
  }

  result(): StreamResult {
    return {
      stream: this.key,
      filesDone: this.filesDone,
      records: this.records,
      position: this.watermark.current,
      error: this.error ?? this.watermark.failed,
    };
  }

  #advanced(position: WatermarkPosition): void {
    const { metrics, onProgress } = this.deps;
    this.filesDone = position.filesDelivered - (this.source.resume?.filesDelivered ?? 0);
    metrics.checkpointLag.set(
      { stream: this.key },
      Math.max(0, (Date.now() - Date.parse(position.endTime)) / 1000),
    );
    onProgress?.({ kind: 'checkpoint', stream: this.key, position });
    this.saving = this.saving
      .then(() => this.#persist(position))
      .catch((err: unknown) => this.deps.abort(err));
  }

  async #persist(position: WatermarkPosition): Promise<void> {
    const { checkpoints, deadLetter } = this.deps;
    if (checkpoints === undefined) return;
    // Only persist the newest position; older queued saves are skipped.
    if (this.watermark.current !== position) return;
    await deadLetter.sync();
    await checkpoints.save({
      stream: this.key,
      endTime: position.endTime,
      idsAtEndTime: position.idsAtEndTime,
      filesDelivered: position.filesDelivered,
    });
  }
}

/** Resolves when every stream is settled, or the run aborted. */
export function waitForAcks(streams: readonly StreamRun[], signal: AbortSignal): Promise<void> {
  const settled = () => streams.every((s) => s.settled);
  if (settled() || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (!settled() && !signal.aborted) return;
      for (const s of streams) {
        s.watermark.off('advance', check);
        s.watermark.off('failed', check);
      }
      signal.removeEventListener('abort', check);
      resolve();
    };
    for (const s of streams) {
      s.watermark.on('advance', check);
      s.watermark.on('failed', check);
    }
    signal.addEventListener('abort', check, { once: true });
  });
}
