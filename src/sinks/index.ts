import type { Writable } from 'node:stream';
import { createBlackholeSink } from './blackhole/index.js';
import { createElasticsearchSink } from './elasticsearch/index.js';
import { createFileSink } from './file/index.js';
import { createHttpSink } from './http/index.js';
import { createKafkaSink } from './kafka/index.js';
import type { SinkConfig } from './schema.js';
import type { Sink, SinkContext } from './shared/contract.js';
import { createSplunkHecSink } from './splunk-hec/index.js';
import { createStdoutSink } from './stdout/index.js';
import { createSyslogSink } from './syslog/index.js';

export { type SinkConfig, sinkConfigSchema } from './schema.js';
export { type Batch, type BatchingOptions, BatchingSink } from './shared/batching-sink.js';
export type { Sink, SinkContext, SinkHealth } from './shared/contract.js';

/** Builds a sink from its config. `stdout` is where the stdout sink writes (tests pass their own). */
export function createSink(config: SinkConfig, ctx: SinkContext, stdout?: Writable): Sink {
  switch (config.type) {
    case 'stdout':
      return createStdoutSink(config, ctx, stdout);
    case 'file':
      return createFileSink(config, ctx);
    case 'blackhole':
      return createBlackholeSink(config, ctx);
    case 'splunk-hec':
      return createSplunkHecSink(config, ctx);
    case 'syslog':
      return createSyslogSink(config, ctx);
    case 'kafka':
      return createKafkaSink(config, ctx);
    case 'http':
      return createHttpSink(config, ctx);
    case 'elasticsearch':
      return createElasticsearchSink(config, ctx);
  }
}

/** The name a sink is known by in routes, logs and metrics. */
export function sinkName(config: SinkConfig): string {
  return config.name ?? config.type;
}
