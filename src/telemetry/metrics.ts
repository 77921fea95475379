import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the buffered-bytes gauge reads of a sink (structural, so telemetry needs no sink import). */
interface BufferedSink {
  readonly sinkName: string;
  health(): { readonly bufferedBytes: number };
}

/**
 * Every metric the forwarder emits, declared in one place (names in Vector's style, labels
 * bounded: component names and stream keys come from the config, error codes from the codes
 * table, never from raw error messages or upstream data).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly prefix = 'compliance_forwarder_';

  // --- sources -----------------------------------------------------------------------------
  readonly filesListed = this.counter('files_listed_total', 'Log files listed upstream.', ['stream']);
  readonly filesDownloaded = this.counter('files_downloaded_total', 'Log files downloaded and verified.', [
    'stream',
  ]);
  readonly filesFailed = this.counter('files_failed_total', 'Log files that failed after retries.', [
    'stream',
  ]);
  readonly filesSkipped = this.counter('files_skipped_total', 'Expired files skipped by choice.', ['stream']);
  readonly filesInFlight = this.gauge('files_in_flight', 'Files being downloaded or delivered.', ['stream']);
  readonly downloadedBytes = this.counter('downloaded_bytes_total', 'Bytes of log files received.', [
    'stream',
  ]);
  readonly httpRequests = this.histogram(
    'http_request_duration_seconds',
    'Upstream request latency to response headers.',
    ['endpoint', 'status_class'],
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  readonly httpRetries = this.counter('http_retries_total', 'Upstream requests retried.', [
    'endpoint',
    'error_code',
  ]);
  readonly http429 = this.counter('http_429_total', 'Upstream 429 answers.', ['endpoint']);
  readonly checkpointLag = this.gauge(
    'checkpoint_lag_seconds',
    "Now minus the checkpoint's end_time, per stream.",
    ['stream'],
  );
  readonly streamFailing = this.gauge('stream_failing', '1 while a stream is backing off after a failure.', [
    'stream',
  ]);
  readonly streamPolls = this.counter('stream_polls_total', 'Service polls of a stream, by outcome.', [
    'stream',
    'outcome',
  ]);
  readonly streamLastSuccess = this.gauge(
    'stream_last_success_timestamp_seconds',
    'When a poll of the stream last reached the end of its listing (quiet streams have a growing checkpoint lag).',
    ['stream'],
  );

  // --- records and components --------------------------------------------------------------
  readonly receivedEvents = this.counter('component_received_events_total', 'Records received.', [
    'component',
  ]);
  readonly receivedBytes = this.counter('component_received_bytes_total', 'Record bytes received.', [
    'component',
  ]);
  readonly sentEvents = this.counter('component_sent_events_total', 'Records acknowledged by a sink.', [
    'component',
  ]);
  readonly sentBytes = this.counter('component_sent_bytes_total', 'Record bytes acknowledged by a sink.', [
    'component',
  ]);
  readonly discardedEvents = this.counter(
    'component_discarded_events_total',
    'Records dropped on purpose (dead-lettered, filtered, de-duplicated).',
    ['component', 'reason'],
  );
  readonly eventsWithoutTime = this.counter(
    'component_events_without_time_total',
    'Records without a readable event time where their source declares it (sinks use the ingest time).',
    ['component', 'source'],
  );
  readonly errors = this.counter('component_errors_total', 'Errors by code.', ['component', 'error_code']);
  readonly retries = this.counter('component_retries_total', 'Sink sends retried.', [
    'component',
    'error_code',
  ]);
  readonly poisonRecords = this.counter(
    'component_poison_records_total',
    'Records a sink dead-lettered because every attempt to send them alone failed with a transport error while the destination accepted other requests.',
    ['component'],
  );
  /** Read from each sink's health() at every scrape (see watchSinkBuffers). */
  readonly bufferedBytes = new Gauge({
    name: `${this.prefix}component_buffered_bytes`,
    help: 'Bytes a sink holds: the batch being filled plus batches waiting or in flight.',
    labelNames: ['component'],
    registers: [this.registry],
    collect: () => {
      for (const sink of this.watchedSinks) {
        this.bufferedBytes.set({ component: sink.sinkName }, sink.health().bufferedBytes);
      }
    },
  });
  private watchedSinks: readonly BufferedSink[] = [];
  readonly deadLettered = this.counter(
    'dead_letter_records_total',
    'Records written to the dead-letter file.',
    ['stage'],
  );

  // --- process ------------------------------------------------------------------------------
  /** prom-client's default metrics have heap and external memory but not ArrayBuffers (Buffers live there). */
  readonly arrayBuffers = new Gauge({
    name: `${this.prefix}array_buffers_bytes`,
    help: 'Memory of ArrayBuffers and SharedArrayBuffers (process.memoryUsage().arrayBuffers), Buffers included.',
    registers: [this.registry],
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });

  /** The sinks whose buffers the component_buffered_bytes gauge reports (the latest set replaces the last). */
  watchSinkBuffers(sinks: readonly BufferedSink[]): void {
    this.watchedSinks = sinks;
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    return new Counter<L>({ name: this.prefix + name, help, labelNames, registers: [this.registry] });
  }
  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    return new Gauge<L>({ name: this.prefix + name, help, labelNames, registers: [this.registry] });
  }
  private histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) {
    return new Histogram<L>({
      name: this.prefix + name,
      help,
      labelNames,
      buckets,
      registers: [this.registry],
    });
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
