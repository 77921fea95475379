import type { Writable } from 'node:stream';

/**
 * The sink contract. Every destination (stdout, file, kafka, splunk-hec, syslog, blackhole)
 * implements it, usually by extending BatchingSink.
 *
 * Lifecycle: construct -> `start()` (connect, check the destination; rejects with a CfError
 * that says what is wrong) -> write PipelineRecords (object mode) -> `end()` flushes and waits
 * for every in-flight send -> 'finish'. `destroy(err)` tears down without flushing.
 *
 * Backpressure: the sink holds back its write callback while it is full, so `write()` returns
 * false and the pipeline pauses; it never grows an unbounded queue.
 *
 * Acknowledgement: for each record, the sink calls `record.delivery.ack()` exactly once, when the
 * destination has acknowledged the record (what that means is per sink and documented in
 * docs/delivery.md) or when the sink wrote it to the dead-letter file. The sink retries transient
 * failures itself. A fatal failure destroys the stream with a CfError; its records stay unacked,
 * so the checkpoint does not move past them.
 */
export interface Sink extends Writable {
  /** Instance name, used in logs, metrics labels and routes (e.g. 'kafka', 'hec-primary'). */
  readonly sinkName: string;
  start(): Promise<void>;
  health(): SinkHealth;
}

export interface SinkHealth {
  readonly name: string;
  /** True while the destination is reachable (or not yet known to be unreachable). */
  readonly ready: boolean;
  /** Secret-free description of the last error, if any. */
  readonly lastError?: string;
  /** Batches sent but not yet acknowledged. */
  readonly inFlight: number;
  /** Bytes buffered in the sink (batch being filled plus batches waiting or in flight). */
  readonly bufferedBytes: number;
}
