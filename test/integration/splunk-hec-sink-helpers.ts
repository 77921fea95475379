/** Shared set-up of the splunk-hec sink integration tests (not a test file itself). */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino, { type Logger } from 'pino';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
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

export interface HecHarness {
  readonly sink: Sink;
  readonly ctx: SinkContext;
  readonly deadLetter: MemoryDeadLetter;
  readonly metrics: Metrics;
  readonly logLines: string[];
  readonly abort: AbortController;
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
  const { logger, lines } = memoryLogger();
  const deadLetter = new MemoryDeadLetter();
  const metrics = new Metrics();
  const abort = new AbortController();
  const ctx: SinkContext = { logger, metrics, deadLetter, signal: abort.signal };
  return { sink: createSplunkHecSink(config, ctx), ctx, deadLetter, metrics, logLines: lines, abort };
}

/** Writes the records with backpressure, ends the sink and waits for 'finish' (rejects on error). */
export async function deliver(sink: Sink, records: readonly PipelineRecord[]): Promise<void> {
  await pipeline(Readable.from(records, { objectMode: true }), sink);
}

/** event_id -> how many times the receiver indexed it. */
export function countByEventId(events: readonly HecReceivedEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    const id = String(e.event.event_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export { counterTotal } from '../helpers/metrics.js';
