/** Shared set-up of the splunk-hec sink integration tests (not a test file itself). */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino, { type Logger } from 'pino';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import type { HttpEgress } from '../../src/http/index.js';
import type { Sink, SinkContext } from '../../src/sinks/shared/contract.js';
import {
  createSplunkHecSink,
  type SplunkHecSinkConfig,
  splunkHecSinkConfigSchema,
} from '../../src/sinks/splunk-hec/index.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import type { HecReceivedEvent, HecReceiver } from '../infra/hec-receiver.js';

/** A pino logger at trace level writing into memory, without redaction: what we log is what we see. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

/** A sink under test and what it writes into: logs, dead letters, metrics; `abort` stops it. */
export interface SinkHarness {
  readonly sink: Sink;
  readonly ctx: SinkContext;
  readonly deadLetter: MemoryDeadLetter;
  readonly metrics: Metrics;
  readonly logLines: string[];
  readonly abort: AbortController;
}

export type HecHarness = SinkHarness;

/** A sink made by `create` with an in-memory logger, dead letter and metrics (and `egress` if given). */
export function sinkHarness(create: (ctx: SinkContext) => Sink, egress?: HttpEgress): SinkHarness {
  const { logger, lines } = memoryLogger();
  const deadLetter = new MemoryDeadLetter();
  const metrics = new Metrics();
  const abort = new AbortController();
  const ctx: SinkContext = {
    logger,
    metrics,
    deadLetter,
    signal: abort.signal,
    ...(egress === undefined ? {} : { egress }),
  };
  return { sink: create(ctx), ctx, deadLetter, metrics, logLines: lines, abort };
}

/** A sink against `receiver`, with fast retries and flushes; `overrides` are raw config input. */
export function hecSink(receiver: HecReceiver, overrides: Record<string, unknown> = {}): HecHarness {
  const config: SplunkHecSinkConfig = splunkHecSinkConfigSchema.parse({
    type: 'splunk-hec',
    url: receiver.url,
    token: { value: receiver.token },
    host: 'test-host',
    lingerMs: 10,
    retryInitialDelayMs: 5,
    retryMaxDelayMs: 20,
    ackPollIntervalMs: 10,
    ...overrides,
  });
  return sinkHarness((ctx) => createSplunkHecSink(config, ctx));
}

/** Writes the records with backpressure, ends the sink and waits for 'finish' (rejects on error). */
export async function deliver(sink: Sink, records: readonly PipelineRecord[]): Promise<void> {
  await pipeline(Readable.from(records, { objectMode: true }), sink);
}

/** event_id -> how many times the receiver indexed (or stored) it; for the HEC and http receivers. */
export function countByEventId(events: readonly Pick<HecReceivedEvent, 'event'>[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    const id = String(e.event.event_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export { counterTotal } from '../helpers/metrics.js';
