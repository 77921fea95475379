import { z } from 'zod';
import { blackholeSinkConfigSchema } from './blackhole/index.js';
import { fileSinkConfigSchema } from './file/index.js';
import { kafkaSinkConfigSchema } from './kafka/index.js';
import { splunkHecSinkConfigSchema } from './splunk-hec/index.js';
import { stdoutSinkConfigSchema } from './stdout/index.js';
import { syslogSinkConfigSchema } from './syslog/index.js';

/** Every sink kind, chosen by its `type` key. */
export const sinkConfigSchema = z.discriminatedUnion('type', [
  stdoutSinkConfigSchema,
  fileSinkConfigSchema,
  blackholeSinkConfigSchema,
  splunkHecSinkConfigSchema,
  syslogSinkConfigSchema,
  kafkaSinkConfigSchema,
]);
export type SinkConfig = z.infer<typeof sinkConfigSchema>;
