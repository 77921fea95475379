import { z } from 'zod';
// Each schema from its own module, never from the sink's index: validating a config must not load
// the sinks' clients (kafkajs alone adds some 60 ms to every CLI start).
import { blackholeSinkConfigSchema } from './blackhole/index.js';
import { elasticsearchSinkConfigSchema } from './elasticsearch/config.js';
import { fileSinkConfigSchema } from './file/config.js';
import { httpSinkConfigSchema } from './http/config.js';
import { kafkaSinkConfigSchema } from './kafka/config.js';
import { splunkHecSinkConfigSchema } from './splunk-hec/config.js';
import { stdoutSinkConfigSchema } from './stdout/index.js';
import { syslogSinkConfigSchema } from './syslog/config.js';

/** Every sink kind, chosen by its `type` key. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  stdoutSinkConfigSchema,
  fileSinkConfigSchema,
  blackholeSinkConfigSchema,
  splunkHecSinkConfigSchema,
  syslogSinkConfigSchema,
  kafkaSinkConfigSchema,
  httpSinkConfigSchema,
  elasticsearchSinkConfigSchema,
]);
export type SinkConfig = z.infer<typeof sinkConfigSchema>;
