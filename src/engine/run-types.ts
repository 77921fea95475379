import type { DeadLetter } from '../core/dead-letter.js';
import type { CfError } from '../core/errors/index.js';
import type { ListedFile, StreamSource } from '../core/stream-source.js';
import type { WatermarkPosition } from '../core/watermark-position.js';
import type { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RecordEnricher, SplitterOptions } from '../transforms/index.js';
import type { FileOutcome } from './file-processor.js';
import type { FileSlots } from './file-slots.js';
import type { Router } from './router.js';

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
