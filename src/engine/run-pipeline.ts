/*
 * The pipeline, assembled. One run takes every stream from its resume point to the end of its
 * listing (or its window) and returns when every record is acknowledged or something failed.
 *
 *   stream A: list pages ─┐                       ┌─> file → split → enrich ─┐
 *   stream B: list pages ─┼─> N download workers ─┼─> file → split → enrich ─┼─> router ─> sinks
 *   stream C: list pages ─┘   (pull, round robin)  └─> file → split → enrich ─┘    (fan-out)
 *                                                                                     │ acks
 *   checkpoint store <── per-stream ordered watermark <── per-file tickets <──────────┘
 *
 * Workers pull the next file from the streams in turn, so no listing runs ahead of the
 * downloads, and at most `concurrency` files are open at once. Each file registers a ticket
 * with its stream's watermark in list order; the ticket is the Delivery its records carry.
 * The watermark advances over the prefix of completely acknowledged files and the checkpoint
 * follows it (dead-letter file synced first). A file that fails stops its stream; a sink that
 * fails stops the run (its error is fatal by the sink contract).
 *
 * Several runs may share one FileSlots (the service runs one per stream poll): a worker takes a
 * slot before it pulls a file, so the files in flight stay bounded across all of them. Aborting
 * `stopPulling` drains a run: no new file is listed or started, the files already started finish
 * and are acknowledged and checkpointed, and the run returns without error.
 */
import { setMaxListeners } from 'node:events';
import { type DeadLetter, deadLetterEntry } from '../core/dead-letter.js';
import { type CfError, classify, isCfError } from '../core/errors/index.js';
import type { SourceRef } from '../core/record.js';
import type { ListedFile, StreamSource } from '../core/stream-source.js';
import type { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RecordEnricher, SplitterOptions } from '../transforms/index.js';
import { type FileOutcome, processFile } from './file-processor.js';
import type { FileSlots } from './file-slots.js';
import type { Router } from './router.js';
import { type FileTicket, StreamWatermark, type WatermarkPosition } from './watermark.js';

export interface PipelineOptions {
  readonly streams: readonly StreamSource[];
  readonly router: Router;
  readonly enricher: RecordEnricher;
  readonly splitter: SplitterOptions;
  readonly deadLetter: DeadLetter;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Files downloaded and processed at once, across all streams. */
  readonly concurrency: number;
  /** Where checkpoints go; none for one-off runs without state. */
  readonly checkpoints?: CheckpointStore;
  /** Dead-letter expired (404) files and go on, instead of failing the stream. */
  readonly skipExpiredFiles?: boolean;
  /** Write each stream's files in list order (fetch): later files wait, bounded, for earlier ones. */
  readonly ordered?: boolean;
  /** Slots shared with other runs, bounding the files in flight across all of them. */
  readonly fileSlots?: FileSlots;
  /** Aborted to drain: start no new file, finish and checkpoint the started ones, return. */
  readonly stopPulling?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { kind: 'file-started'; stream: string; file: ListedFile }
  | { kind: 'file-read'; stream: string; file: ListedFile; outcome: FileOutcome }
  | { kind: 'checkpoint'; stream: string; position: WatermarkPosition };

export interface StreamResult {
  readonly stream: string;
  readonly filesDone: number;
  readonly records: number;
  readonly position: WatermarkPosition | undefined;
  readonly error: CfError | undefined;
}

export interface PipelineResult {
  readonly streams: readonly StreamResult[];
  /** The first failure, if any: a failed stream or a failed sink. */
  readonly error: CfError | undefined;
}

interface StreamState {
  readonly source: StreamSource;
  readonly iterator: AsyncIterator<ListedFile>;
  readonly watermark: StreamWatermark;
  exhausted: boolean;
  error: CfError | undefined;
  filesDone: number;
  records: number;
  lastWritten: Promise<void>;
  saving: Promise<void>;
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { metrics, logger } = options;
  const controller = new AbortController();
  const abort = (err: unknown) => {
    if (!controller.signal.aborted) controller.abort(classify(err));
  };
  const onOuterAbort = () => abort(options.signal.reason ?? new Error('aborted'));
  if (options.signal.aborted) onOuterAbort();
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  const signal = controller.signal;
  // Listing stops on a drain too; downloads already started keep the run's signal.
  const listing = new AbortController();
  // Every worker waiting for a file slot listens on it.
  setMaxListeners(Math.max(10, options.concurrency + 4), listing.signal);
  const stopListing = () => listing.abort(options.stopPulling?.reason);
  const onRunAbort = () => listing.abort(signal.reason);
  signal.addEventListener('abort', onRunAbort, { once: true });
  if (options.stopPulling?.aborted) stopListing();
  options.stopPulling?.addEventListener('abort', stopListing, { once: true });
  const draining = () => options.stopPulling?.aborted === true && !signal.aborted;

  // A failed sink ends the run: its records will never be acknowledged.
  const sinkErrors: Array<[import('../core/sink.js').Sink, (err: Error) => void]> = [];
  for (const sink of options.router.sinks) {
    const onError = (err: Error) => abort(err);
    sink.on('error', onError);
    sinkErrors.push([sink, onError]);
  }

  const states: StreamState[] = options.streams.map((source) => {
    const watermark = new StreamWatermark(source.resume);
    const state: StreamState = {
      source,
      iterator: source.files(listing.signal)[Symbol.asyncIterator](),
      watermark,
      exhausted: false,
      error: undefined,
      filesDone: 0,
      records: 0,
      lastWritten: Promise.resolve(),
      saving: Promise.resolve(),
    };
    watermark.on('advance', (position) => {
      state.filesDone = position.filesDelivered - (source.resume?.filesDelivered ?? 0);
      metrics.checkpointLag.set(
        { stream: source.key },
        Math.max(0, (Date.now() - Date.parse(position.endTime)) / 1000),
      );
      options.onProgress?.({ kind: 'checkpoint', stream: source.key, position });
      state.saving = state.saving.then(() => persist(state, position)).catch((err: unknown) => abort(err));
    });
    watermark.on('failed', (err) => {
      state.error ??= err;
      state.exhausted = true;
    });
    return state;
  });

  async function persist(state: StreamState, position: WatermarkPosition): Promise<void> {
    if (options.checkpoints === undefined) return;
    // Only persist the newest position; older queued saves are skipped.
    if (state.watermark.current !== position) return;
    await options.deadLetter.sync();
    await options.checkpoints.save({
      stream: state.source.key,
      endTime: position.endTime,
      idsAtEndTime: position.idsAtEndTime,
      filesDelivered: position.filesDelivered,
    });
  }

  let next = 0;
  /** Round robin over streams that still have files; undefined when all are exhausted. */
  async function pull(): Promise<
    { state: StreamState; file: ListedFile; ticket: FileTicket; turn: Promise<void> } | undefined
  > {
    for (;;) {
      if (signal.aborted || options.stopPulling?.aborted) return undefined;
      const live = states.filter((s) => !s.exhausted);
      if (live.length === 0) return undefined;
      const state = live[next++ % live.length]!;
      let r: IteratorResult<ListedFile>;
      try {
        r = await state.iterator.next();
      } catch (err) {
        if (draining()) return undefined; // the listing was stopped on purpose
        failStream(state, err);
        continue;
      }
      if (r.done) {
        state.exhausted = true;
        continue;
      }
      if (state.exhausted) continue; // failed while we were listing
      // Listed but not started: not registered, so the next run lists it again.
      if (options.stopPulling?.aborted) return undefined;
      const { id, endTime, checkpoint } = r.value;
      const ticket = state.watermark.register({ id, endTime, ...(checkpoint ? { checkpoint } : {}) });
      const turn = state.lastWritten;
      let written!: () => void;
      state.lastWritten = new Promise<void>((resolve) => {
        written = resolve;
      });
      // The turn promise of the next file resolves when this one is written (or failed).
      ticketWritten.set(ticket, written);
      return { state, file: r.value, ticket, turn };
    }
  }
  const ticketWritten = new WeakMap<FileTicket, () => void>();

  function failStream(state: StreamState, err: unknown): void {
    const e = classify(err);
    if (state.error === undefined) {
      state.error = e;
      metrics.streamFailing.set({ stream: state.source.key }, 1);
      logger.error(
        { stream: state.source.key, err: e, code: e.code },
        'Stream failed; its checkpoint stays put.',
      );
    }
    state.exhausted = true;
  }

  async function worker(): Promise<void> {
    for (;;) {
      let release = () => {};
      if (options.fileSlots !== undefined) {
        try {
          release = await options.fileSlots.acquire(listing.signal);
        } catch {
          return; // aborted or draining while waiting for a slot
        }
      }
      let job: Awaited<ReturnType<typeof pull>>;
      try {
        job = await pull();
      } catch (err) {
        release();
        throw err;
      }
      if (job === undefined) {
        release();
        return;
      }
      try {
        await runJob(job);
      } finally {
        release();
      }
    }
  }

  async function runJob(job: NonNullable<Awaited<ReturnType<typeof pull>>>): Promise<void> {
    const { state, file, ticket } = job;
    const src = state.source;
    const ref: SourceRef = {
      source: src.source,
      stream: src.key,
      principalId: src.principalId,
      principalType: src.principalType,
      eventType: src.eventType,
      fileId: file.id,
      fileName: file.fileName,
      endTime: file.endTime,
    };
    metrics.filesInFlight.inc({ stream: src.key });
    options.onProgress?.({ kind: 'file-started', stream: src.key, file });
    try {
      const body = src.open(file, signal);
      const outcome = await processFile(
        body,
        ref,
        ticket,
        options.enricher.forFile({ source: ref, delivery: ticket }),
        options,
        signal,
        options.ordered ? job.turn : undefined,
      );
      state.records += outcome.records;
      options.onProgress?.({ kind: 'file-read', stream: src.key, file, outcome });
      ticket.sourceDone();
    } catch (err) {
      const e = classify(err);
      if (e.code === 'CF_ERR_FILE_EXPIRED' && options.skipExpiredFiles && ticket.records === 0) {
        metrics.filesSkipped.inc({ stream: src.key });
        await options.deadLetter.write(
          deadLetterEntry({
            reason: `File expired or gone (404); skipped by configuration: ${e.message}`,
            code: 'CF_ERR_FILE_EXPIRED',
            stage: 'download',
            source: { stream: src.key, fileId: file.id, fileName: file.fileName },
          }),
        );
        ticket.sourceDone();
      } else if (signal.aborted && !isCfError(err)) {
        // Aborted: not this file's fault; the run's error says why.
      } else {
        metrics.filesFailed.inc({ stream: src.key });
        ticket.fail(e);
        failStream(state, e);
      }
    } finally {
      metrics.filesInFlight.dec({ stream: src.key });
      ticketWritten.get(ticket)?.();
    }
  }

  const workers = Array.from({ length: Math.max(1, options.concurrency) }, () => worker());
  await Promise.all(workers);
  // Everything is read; wait for the sinks to acknowledge it (their linger timers flush).
  await waitForAcks(states, signal);
  await Promise.all(states.map((s) => s.saving));
  options.signal.removeEventListener('abort', onOuterAbort);
  options.stopPulling?.removeEventListener('abort', stopListing);
  signal.removeEventListener('abort', onRunAbort);
  for (const [sink, onError] of sinkErrors) sink.off('error', onError);

  const runError = signal.aborted ? classify(signal.reason) : undefined;
  const results = states.map<StreamResult>((s) => ({
    stream: s.source.key,
    filesDone: s.filesDone,
    records: s.records,
    position: s.watermark.current,
    error: s.error ?? s.watermark.failed,
  }));
  return { streams: results, error: runError ?? results.find((r) => r.error !== undefined)?.error };
}

/** Resolves when every registered file of every stream is acknowledged, failed, or the run aborted. */
function waitForAcks(states: readonly StreamState[], signal: AbortSignal): Promise<void> {
  const settled = () =>
    states.every((s) => s.watermark.inFlight === 0 || s.error !== undefined || s.watermark.failed);
  if (settled() || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (settled() || signal.aborted) {
        for (const s of states) {
          s.watermark.off('advance', check);
          s.watermark.off('failed', check);
        }
        signal.removeEventListener('abort', check);
        resolve();
      }
    };
    for (const s of states) {
      s.watermark.on('advance', check);
      s.watermark.on('failed', check);
    }
    signal.addEventListener('abort', check, { once: true });
  });
}
