/** Shared set-up for the Kafka sink's integration tests: a sink with in-memory collaborators. */
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import pino, { type Logger } from 'pino';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { createKafkaSink, kafkaSinkConfigSchema } from '../../src/sinks/kafka/index.js';
import type { Sink } from '../../src/sinks/shared/contract.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';

export interface SinkUnderTest {
  readonly sink: Sink;
  readonly deadLetter: MemoryDeadLetter;
  readonly metrics: Metrics;
  readonly abort: AbortController;
}

/** Builds a sink from a raw config (validated by the schema, as the config loader would). */
export function kafkaSink(raw: Record<string, unknown>, logger: Logger = silentLogger()): SinkUnderTest {
  const config = kafkaSinkConfigSchema.parse({ type: 'kafka', ...raw });
  const deadLetter = new MemoryDeadLetter();
  const metrics = new Metrics();
  const abort = new AbortController();
  const sink = createKafkaSink(config, { logger, metrics, deadLetter, signal: abort.signal });
  return { sink, deadLetter, metrics, abort };
}

export { KAFKA_CLIENTS, type KafkaClientName } from '../helpers/kafka-clients.js';

/** Short retry delays so that fault tests wait seconds, not minutes. */
export const FAST_RETRY = { retryMaxAttempts: 0, retryInitialDelayMs: 100, retryMaxDelayMs: 500 };

export { writeAll } from '../helpers/write-all.js';

/** Resolves with the error the sink was destroyed with (rejects if it finished instead). */
export function sinkError(sink: Sink): Promise<Error> {
  return finished(sink).then(
    () => {
      throw new Error('the sink finished without an error');
    },
    (err: Error) => err,
  );
}

/** A pino logger at `level` whose lines are kept in memory, to assert what was logged. */
export function memoryLogger(level = 'trace'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Counts occurrences of each value. */
export function tally<T>(values: Iterable<T>): Map<T, number> {
  const out = new Map<T, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}
