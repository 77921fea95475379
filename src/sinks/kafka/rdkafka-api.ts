import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/**
 * The part of @confluentinc/kafka-javascript's lower-level (node-rdkafka) API the librdkafka
 * transport uses, typed here rather than imported: the package is an optional dependency whose
 * native addon may be missing (npm removes an optional dependency whose build failed), and the
 * project must still compile and run on kafkajs then.
 */
export interface RdKafkaError extends Error {
  readonly code: number;
  readonly isFatal?: boolean;
  readonly isRetriable?: boolean;
}

export interface RdMetadata {
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly unknown[] }>;
}

export interface RdDeliveryReport {
  readonly topic: string;
  readonly partition: number;
  readonly opaque?: unknown;
}

export type RdHeaders = Array<Record<string, string | Buffer>>;

export interface RdProducer extends EventEmitter {
  connect(options: { timeout: number; allTopics?: boolean }, cb: (err: RdKafkaError | null) => void): void;
  produce(
    topic: string,
    partition: number,
    value: Buffer | null,
    key: string | null | undefined,
    timestamp: number | null | undefined,
    opaque: unknown,
    headers: RdHeaders | undefined,
  ): unknown;
  getMetadata(
    options: { timeout: number; topic?: string; allTopics?: boolean },
    cb: (err: RdKafkaError | null, metadata: RdMetadata) => void,
  ): void;
  setPollInBackground(on: boolean): void;
  flush(timeoutMs: number, cb: (err: RdKafkaError | null) => void): void;
  disconnect(timeoutMs: number, cb: (err: RdKafkaError | null) => void): void;
  isConnected(): boolean;
}

export interface RdAdmin {
  createTopic(
    topic: { topic: string; num_partitions: number; replication_factor: number },
    timeoutMs: number,
    cb: (err: RdKafkaError | null) => void,
  ): void;
  disconnect(): void;
}

export interface RdKafkaModule {
  readonly Producer: new (conf: Record<string, unknown>, topicConf?: Record<string, unknown>) => RdProducer;
  readonly AdminClient: { createFrom(client: RdProducer): RdAdmin };
  readonly CODES: { readonly ERRORS: Readonly<Record<string, number>> };
  readonly librdkafkaVersion: string;
  readonly features: readonly string[];
}

export const RDKAFKA_PACKAGE = '@confluentinc/kafka-javascript';

/** Whether the librdkafka addon loads here, and why not. */
export type AddonLoad =
  | { readonly ok: true; readonly module: RdKafkaModule }
  | { readonly ok: false; readonly reason: string };

/** Loads the librdkafka bindings (and so their native addon); never throws. */
export function loadRdKafka(): AddonLoad {
  try {
    const module = createRequire(import.meta.url)(RDKAFKA_PACKAGE) as RdKafkaModule;
    if (typeof module.Producer !== 'function')
      return { ok: false, reason: `${RDKAFKA_PACKAGE} has no Producer` };
    return { ok: true, module };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND') return { ok: false, reason: `${RDKAFKA_PACKAGE} is not installed` };
    // The first line says enough (a missing shared library, another Node ABI).
    return { ok: false, reason: `its native addon does not load: ${String(e.message).split('\n')[0]}` };
  }
}
