import type { Logger } from 'pino';
import type { DeadLetter } from '../../core/dead-letter.js';
import type { HttpEgress } from '../../http/index.js';
import type { Metrics } from '../../telemetry/metrics.js';

/** What every sink is constructed with besides its own config. */
export interface SinkContext {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deadLetter: DeadLetter;
  /** Aborted when the pipeline stops: sinks give up retrying and waiting. */
  readonly signal: AbortSignal;
  /** Which HTTP requests go through which forward proxy (the `http` section); default the environment's. */
  readonly egress?: HttpEgress;
}

export type { Sink, SinkHealth } from '../../core/sink.js';
