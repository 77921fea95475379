import { CfError } from '../../core/errors/index.js';
import { elasticsearchFlags } from './elasticsearch.js';
import { fileFlags } from './file.js';
import { httpFlags } from './http.js';
import { kafkaFlags } from './kafka.js';
import { splunkHecFlags } from './splunk-hec.js';
import { syslogFlags } from './syslog.js';
import type { Flags, SinkFlags } from './types.js';

/**
 * The sink flags `export` and `demo` accept. Each maps onto the sink's config (a config file can
 * say all of it, and more); `--sink KIND` (or a kind's own selector flag, such as --hec-url)
 * replaces the config file's sinks with that one sink.
 */
const KINDS: readonly SinkFlags[] = [
  fileFlags,
  kafkaFlags,
  splunkHecFlags,
  syslogFlags,
  elasticsearchFlags,
  httpFlags,
];
const PLAIN = ['stdout', 'blackhole'];

export const SINK_FLAG_OPTIONS = {
  sink: { type: 'string' },
  ...Object.assign({}, ...KINDS.map((k) => k.options)),
} as Record<string, { type: 'string' | 'boolean' }>;

export const SINK_FLAGS_USAGE = [
  `  --sink KIND             ${[...PLAIN, ...KINDS.map((k) => k.kind)].join(', ')} (default stdout)`,
  ...KINDS.map((k) => k.usage),
].join('\n');

/** Builds the `sinks` list from flags; undefined when no sink flag was given (the config decides). */
export function sinksFromFlags(
  flags: Flags,
  env: NodeJS.ProcessEnv = process.env,
): Array<Record<string, unknown>> | undefined {
  const named = typeof flags.sink === 'string' ? flags.sink : undefined;
  const kind = named ?? KINDS.find((k) => flags[k.selector] !== undefined)?.kind;
  if (kind === undefined) return undefined;
  if (PLAIN.includes(kind)) return [{ type: kind }];
  const flagsOf = KINDS.find((k) => k.kind === kind);
  if (flagsOf === undefined) {
    const all = [...PLAIN, ...KINDS.map((k) => k.kind)].join(', ');
    throw new CfError('CF_ERR_USAGE', `Unknown sink "${kind}"; expected one of ${all}.`);
  }
  return [flagsOf.build(flags, env)];
}
