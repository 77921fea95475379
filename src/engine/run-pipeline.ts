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
import { classify } from '../core/errors/index.js';
import { type FileJobDeps, runFileJob } from './file-job.js';
import { FilePuller } from './file-puller.js';
import type { FileSlots } from './file-slots.js';
import { RunSignals } from './run-signals.js';
import type { PipelineOptions, PipelineResult } from './run-types.js';
import { StreamRun, waitForAcks } from './stream-run.js';

export type { PipelineOptions, PipelineResult, ProgressEvent, StreamResult } from './run-types.js';

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const signals = new RunSignals(options.signal, options.stopPulling, options.concurrency);
  signals.watchSinks(options.router.sinks);
  const streams = options.streams.map(
    (source) =>
      new StreamRun(source, signals.listing, {
        metrics: options.metrics,
        logger: options.logger,
        deadLetter: options.deadLetter,
        checkpoints: options.checkpoints,
        onProgress: options.onProgress,
        abort: signals.abort,
      }),
  );
  const puller = new FilePuller(streams, signals);
  const deps: FileJobDeps = {
    router: options.router,
    splitter: options.splitter,
    enricher: options.enricher,
    metrics: options.metrics,
    deadLetter: options.deadLetter,
    skipExpiredFiles: options.skipExpiredFiles ?? false,
    ordered: options.ordered ?? false,
    onProgress: options.onProgress,
    logger: options.logger.child({ component: 'pipeline' }),
  };
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, () =>
    pullAndRunFiles(puller, deps, signals, options.fileSlots),
  );
  await Promise.all(workers);
  // Everything is read; wait for the sinks to acknowledge it (their linger timers flush).
  await waitForAcks(streams, signals.run);
  await Promise.all(streams.map((s) => s.saving));
  signals.dispose();

  const runError = signals.run.aborted ? classify(signals.run.reason) : undefined;
  const results = streams.map((s) => s.result());
  return { streams: results, error: runError ?? results.find((r) => r.error !== undefined)?.error };
}

/** One worker: takes a file slot (when runs share them), pulls the next file, reads it; until none is left. */
async function pullAndRunFiles(
  puller: FilePuller,
  deps: FileJobDeps,
  signals: RunSignals,
  fileSlots: FileSlots | undefined,
): Promise<void> {
  for (;;) {
    let release = () => {};
    if (fileSlots !== undefined) {
      try {
        release = await fileSlots.acquire(signals.listing);
      } catch {
        return; // aborted or draining while waiting for a slot
      }
    }
    try {
      const job = await puller.next();
      if (job === undefined) return;
      await runFileJob(job, deps, signals.run);
    } finally {
      release();
    }
  }
}
