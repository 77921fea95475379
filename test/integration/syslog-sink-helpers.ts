/** Shared set-up for the syslog sink integration tests (driven directly, no pipeline). */
import { createServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import type { Sink } from '../../src/sinks/shared/contract.js';
import { createSyslogSink, syslogSinkConfigSchema } from '../../src/sinks/syslog/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { type CountingDelivery, makeRecord, sourceRef } from '../helpers/records.js';
import type { ReceivedMessage } from '../infra/rsyslog.js';

export interface SinkHarness {
  readonly sink: Sink;
  readonly deadLetter: MemoryDeadLetter;
  readonly metrics: Metrics;
  /** Every log line the sink wrote (debug level and up), as JSON text. */
  readonly logs: string[];
  readonly abort: AbortController;
}

/** A syslog sink from a config object (validated by the real schema) with in-memory collaborators. */
export function makeSink(config: Record<string, unknown>): SinkHarness {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => logs.push(line) } });
  const deadLetter = new MemoryDeadLetter();
  const metrics = new Metrics();
  const abort = new AbortController();
  const sink = createSyslogSink(syslogSinkConfigSchema.parse({ type: 'syslog', ...config }), {
    logger,
    metrics,
    deadLetter,
    signal: abort.signal,
  });
  return { sink, deadLetter, metrics, logs, abort };
}

/** Writes the records through the sink with backpressure and waits for 'finish'. */
export async function deliver(
  sink: Sink,
  records: Iterable<PipelineRecord> | AsyncIterable<PipelineRecord>,
): Promise<void> {
  await pipeline(Readable.from(records), sink);
}

/** MSG back to the record: drops the BOM (if any) and RFC 3164's leading space kept by rsyslog. */
export function recordOf(message: ReceivedMessage): Record<string, unknown> {
  return JSON.parse(message.msg.replace(/^\uFEFF/, '').trimStart()) as Record<string, unknown>;
}

export function eventIdOf(message: ReceivedMessage): string | undefined {
  try {
    return recordOf(message).event_id as string;
  } catch {
    return undefined;
  }
}

/** How many times each event id arrived (messages whose MSG is not a whole record are skipped). */
export function countByEventId(messages: readonly ReceivedMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) {
    const id = eventIdOf(m);
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Records with UTF-8 beyond Latin-1 in their content. */
export function utf8Records(count: number, delivery: CountingDelivery, tag: string): PipelineRecord[] {
  return Array.from({ length: count }, (_, i) =>
    makeRecord(i, delivery, {
      event_id: `${tag}-${i}`,
      note: `héllo wörld 世界 😀 "quoted" ] \\ ${i}`,
    }),
  );
}

/** A CONVERSATION_MESSAGE record of about `bytes` bytes (the big records of this field). */
export function conversationRecord(id: string, bytes: number, delivery: CountingDelivery): PipelineRecord {
  const source = sourceRef({ eventType: 'CONVERSATION_MESSAGE', fileId: 'file-conv' });
  const unit = 'The answer, with ünïcödé and 日本語 text, repeated. ';
  const value = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
  const record = makeRecord(
    1,
    delivery,
    { event_id: id, message: { content: { type: 'text', value } } },
    source,
  );
  return { ...record, eventId: id };
}

/** A record whose event id is `id` (makeRecord numbers them; tests need distinct ids per case). */
export function recordWithId(n: number, id: string, delivery: CountingDelivery, fields = {}): PipelineRecord {
  return { ...makeRecord(n, delivery, { event_id: id, ...fields }), eventId: id };
}

/**
 * A minimal octet-counting syslog receiver (a real TCP peer on loopback) that can stop reading,
 * for backpressure and stall tests: rsyslog's receive buffers grow to tens of MB once it has
 * been reading, this one's stay at the kernel's initial size when paused from the start.
 */
export interface FrameServer {
  readonly url: string;
  /** Messages received, in order, across connections. */
  readonly messages: string[];
  readonly connections: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startFrameServer(
  options: {
    paused?: boolean;
    /** A frame announcing more bytes than this resets the connection (a receiver's frame limit). */
    maxFrameBytes?: number;
  } = {},
): Promise<FrameServer> {
  const sockets = new Set<Socket>();
  const messages: string[] = [];
  let paused = options.paused ?? false;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
      for (;;) {
        const space = pending.indexOf(0x20);
        if (space < 0) break;
        const length = Number(pending.toString('latin1', 0, space));
        if (options.maxFrameBytes !== undefined && length > options.maxFrameBytes) {
          socket.resetAndDestroy();
          return;
        }
        if (pending.length < space + 1 + length) break;
        messages.push(pending.toString('utf8', space + 1, space + 1 + length));
        pending = pending.subarray(space + 1 + length);
      }
    });
    if (paused) socket.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `tcp://127.0.0.1:${port}`,
    messages,
    get connections() {
      return connections;
    },
    pause() {
      paused = true;
      for (const s of sockets) s.pause();
    },
    resume() {
      paused = false;
      for (const s of sockets) s.resume();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once `read()` has not changed for `quietMs` (e.g. a stalled producer). */
export async function settled(read: () => number, quietMs = 500, stepMs = 50): Promise<number> {
  let last = read();
  let quiet = 0;
  while (quiet < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const now = read();
    quiet = now === last ? quiet + stepMs : 0;
    last = now;
  }
  return last;
}
