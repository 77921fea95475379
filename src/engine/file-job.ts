import { type DeadLetter, deadLetterEntry } from '../core/dead-letter.js';
import { type CfError, classify, isCfError } from '../core/errors/index.js';
import type { SourceRef } from '../core/record.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RecordEnricher } from '../transforms/index.js';
import { type FileProcessorDeps, processFile } from './file-processor.js';
import type { FileJob } from './file-puller.js';
import type { ProgressEvent } from './run-types.js';

export interface FileJobDeps extends FileProcessorDeps {
  readonly enricher: RecordEnricher;
  readonly metrics: Metrics;
  readonly deadLetter: DeadLetter;
  readonly skipExpiredFiles: boolean;
  readonly ordered: boolean;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  /** Logs each file read (info): ids, sizes, records, duration; never keys or URLs. */
  readonly logger?: Logger;
}

/** Opens one pulled file and moves its records to the sinks; a failure goes to `settleFailedFile`. */
export async function runFileJob(job: FileJob, deps: FileJobDeps, signal: AbortSignal): Promise<void> {
  const { stream, file, ticket } = job;
  const src = stream.source;
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
  deps.metrics.filesInFlight.inc({ stream: src.key });
  deps.onProgress?.({ kind: 'file-started', stream: src.key, file });
  const started = performance.now();
  try {
    const enricher = deps.enricher.forFile({
      source: ref,
      delivery: ticket,
      ...(src.eventTime === undefined ? {} : { eventTime: src.eventTime }),
      ...(src.eventTypeFrom === undefined ? {} : { eventTypeFrom: src.eventTypeFrom }),
    });
    ticket.onDelivered = () => enricher.fileDelivered();
    const outcome = await processFile({
      body: src.open(file, signal),
      source: ref,
      ticket,
      enricher,
      deps,
      signal,
      ...(deps.ordered ? { turn: job.turn } : {}),
    });
    stream.records += outcome.records;
    deps.onProgress?.({ kind: 'file-read', stream: src.key, file, outcome });
    deps.logger?.info(
      {
        stream: src.key,
        fileId: file.id,
        endTime: file.endTime,
        ...(file.sizeBytes === undefined ? {} : { sizeBytes: file.sizeBytes }),
        bytes: outcome.bytes,
        records: outcome.records,
        durationMs: Math.round(performance.now() - started),
      },
      'File read.',
    );
    ticket.sourceDone();
  } catch (err) {
    await settleFailedFile(job, err, deps, signal);
  } finally {
    deps.metrics.filesInFlight.dec({ stream: src.key });
    job.written();
  }
}

/**
 * The failure policy for one file: an expired file may be skipped (dead-lettered) by
 * configuration when nothing of it was delivered yet; an abort is the run's failure, not the
 * file's; anything else fails the file, and so its stream, whose checkpoint stays before it.
 */
async function settleFailedFile(
  job: FileJob,
  err: unknown,
  deps: FileJobDeps,
  signal: AbortSignal,
): Promise<void> {
  const { stream, file, ticket } = job;
  const e: CfError = classify(err);
  if (e.code === 'CF_ERR_FILE_EXPIRED' && deps.skipExpiredFiles && ticket.records === 0) {
    deps.metrics.filesSkipped.inc({ stream: stream.key });
    await deps.deadLetter.write(
      deadLetterEntry({
        reason: `File expired or gone (404); skipped by configuration: ${e.message}`,
        code: 'CF_ERR_FILE_EXPIRED',
        stage: 'download',
        source: { stream: stream.key, fileId: file.id, fileName: file.fileName },
      }),
    );
    ticket.sourceDone();
  } else if (signal.aborted && !isCfError(err)) {
    // Aborted: not this file's fault; the run's error says why.
  } else {
    deps.metrics.filesFailed.inc({ stream: stream.key });
    ticket.fail(e);
    stream.fail(e);
  }
}
