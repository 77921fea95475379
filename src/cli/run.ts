import { hostname } from 'node:os';
import { collectDefaultMetrics } from 'prom-client';
import { parseShard, type Shard, startService } from '../app/service/index.js';
import { mergeConfig, readConfigFile, validateConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { isCfError } from '../core/errors/index.js';
import { redactSecrets } from '../core/secret.js';
import { SECTION_SOURCE, SOURCES, sourceOf, withEnvironment } from '../sources/index.js';
import { createLogger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import { type Command, type CommandIo, parseCommandArgs, usageError } from './command.js';

const USAGE = `Usage: compliance-forwarder run --config FILE [options]

Runs as a service: every principal's event types, and every entry of sources (audit-logs,
conversations, files), are polled on a schedule (service.pollIntervalMs with jitter, or
service.cron) from their checkpoints, and what is new goes to the sinks. Serves
/healthz, /readyz and /metrics. SIGTERM stops polling, lets files in flight finish within
service.shutdownGraceMs, flushes the sinks, saves checkpoints and exits 0; a second signal exits
at once. An error that will not heal (bad key or config, a sink rejecting its credentials)
exits 1 with a message.

  --config FILE           YAML or JSON config with principals and/or sources, sinks, routes,
                          state.dir, service
  --shard INDEX/COUNT     poll only this replica's share of the streams (0-based INDEX), or
                          ordinal/COUNT to take INDEX from the StatefulSet pod name
  --state-dir DIR         overrides state.dir (checkpoints and, by default, dead letters)
  --http-port N           overrides service.httpPort (0: any free port)
  --log-level LEVEL       fatal, error, warn, info (default), debug, trace, silent

Environment (for the sources that name no key, and over their baseUrl):
${SOURCES.flatMap((s) => {
  const { key, baseUrl } = s.env;
  const parts = [
    ...(key === undefined ? [] : [`${key.variable} or ${key.variable}_FILE (${key.field})`]),
    ...(baseUrl === undefined ? [] : [`${baseUrl} (baseUrl)`]),
  ];
  return parts.length === 0 ? [] : [`  ${s.type}: ${parts.join(', ')}`];
}).join('\n')}`;

const OPTIONS = {
  config: { type: 'string' },
  shard: { type: 'string' },
  'state-dir': { type: 'string' },
  'http-port': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export interface RunArgs {
  readonly config: Config;
  readonly shard: Shard | undefined;
}

/** Turns run's flags (plus the config file and environment) into a validated config and shard. */
export async function parseRunArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  host = hostname(),
): Promise<RunArgs> {
  const { values } = parseCommandArgs({ args: argv, options: OPTIONS });
  const problems: string[] = [];
  if (values.config === undefined) problems.push('--config is required');
  let httpPort: number | undefined;
  if (values['http-port'] !== undefined) {
    httpPort = Number(values['http-port']);
    if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535)
      problems.push('--http-port must be a port number (0..65535)');
  }
  if (problems.length > 0) throw usageError(problems.join('\n'));

  const raw = await readConfigFile(values.config!);
  const rawSource = (raw as { source?: Record<string, unknown> }).source ?? {};
  const merged = mergeConfig(raw, {
    source: withEnvironment(SECTION_SOURCE.env, rawSource, env) as Record<string, unknown>,
    sources: sourcesWithEnv((raw as { sources?: unknown }).sources, env),
    state: values['state-dir'] === undefined ? undefined : { dir: values['state-dir'] },
    service: httpPort === undefined ? undefined : { httpPort },
    log: values['log-level'] === undefined ? undefined : { level: values['log-level'] },
  });
  const config = validateConfig(merged, `The options and ${values.config}`);
  return { config, shard: values.shard === undefined ? undefined : parseShard(values.shard, host) };
}

/**
 * The environment's part in `sources`, as `export --source` takes it: the API bases override the
 * entries' baseUrl, and a key named `NAME_FILE` serves an entry that names no key. Undefined
 * (the config's value unchanged) when there is no list to amend; the schema judges the rest.
 */
function sourcesWithEnv(sources: unknown, env: NodeJS.ProcessEnv): unknown[] | undefined {
  if (!Array.isArray(sources)) return undefined;
  return sources.map((entry: unknown) => {
    const type = (entry as { type?: unknown } | null)?.type;
    const source = typeof type === 'string' ? sourceOf(type) : undefined;
    return source === undefined ? entry : withEnvironment(source.env, entry, env);
  });
}

export async function runService(args: RunArgs, io: CommandIo): Promise<number> {
  const logger = createLogger({ level: args.config.log.level });
  const metrics = new Metrics();
  // Process metrics (CPU, memory, event-loop lag, GC) for the resource limits in deploy/.
  collectDefaultMetrics({ register: metrics.registry, prefix: 'compliance_forwarder_' });
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(args.config, {
      logger,
      metrics,
      signal: io.signal,
      env: io.env,
      stdout: io.stdout,
      ...(args.shard === undefined ? {} : { shard: args.shard }),
    });
  } catch (err) {
    logger.flush();
    if (io.signal.aborted && isCfError(err) && err.code === 'CF_ERR_ABORTED') return 0;
    throw err;
  }
  const result = await service.done;
  if (result.deadLetters > 0) {
    io.stderr.write(`${result.deadLetters} dead-letter records in ${result.deadLetterPath}\n`);
  }
  logger.flush();
  if (result.error !== undefined) {
    io.stderr.write(
      `compliance-forwarder run: ${result.error.code}: ${redactSecrets(result.error.message)}\n`,
    );
    return 1;
  }
  return 0;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run as a service: poll every stream on a schedule, serve health and metrics.',
  usage: USAGE,
  options: OPTIONS,
  async run(argv, io) {
    return runService(await parseRunArgs(argv, io.env), io);
  },
};
