import { type ExportSummary, type ExportWindow, runExportJob } from '../app/export-job.js';
import { mergeConfig, readConfigFile, validateConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseTime } from '../config/time.js';
import { CfError } from '../core/errors/index.js';
import { SECTION_SOURCE, sourceOf, withEnvironment } from '../sources/index.js';
import { createLogger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import { type Command, type CommandIo, parseCommandArgs, usageError } from './command.js';
import {
  exportFlags,
  missingSourceFlags,
  SOURCE_FLAG_OPTIONS,
  SOURCE_FLAGS_USAGE,
  sourceEntryFromFlags,
} from './export-source.js';
import { ProgressReporter } from './progress.js';
import { SINK_FLAG_OPTIONS, SINK_FLAGS_USAGE, sinksFromFlags } from './sink-flags/index.js';

const USAGE = `Usage: compliance-forwarder export --principal ID --event-type T[,T...] --after TIME [options]

Exports one window of compliance log files, event types in parallel, through the pipeline
(split, enrich, de-duplicate) into the sinks. With --state-dir, a re-run after a crash resumes
where it stopped.

  --principal ID          workspace id (UUID) or organization id (org-...)
  --event-type T[,T...]   one or more event types (repeatable)
  --after TIME            window start, exclusive: ISO-8601 or relative (-7d, -90m, -1d@d, now)
  --before TIME           window end, exclusive (enables the ETA)
${SOURCE_FLAGS_USAGE}
${SINK_FLAGS_USAGE}
  --state-dir DIR         checkpoints (resume after a crash) and, by default, the dead-letter file
  --dead-letter PATH      dead-letter JSONL file
  --concurrency N         files downloaded at once (pipeline.concurrency, default 4)
  --skip-expired          dead-letter files that answer 404 instead of failing (pipeline.skipExpiredFiles)
  --config FILE           YAML or JSON config (flags override it)
  --no-progress           no progress line on stderr
  --log-level LEVEL       fatal, error, warn, info (default), debug, trace, silent

Environment: COMPLIANCE_API_KEY or COMPLIANCE_API_KEY_FILE (required),
COMPLIANCE_API_BASE (default https://api.chatgpt.com/v1/compliance).`;

const OPTIONS = {
  principal: { type: 'string' },
  'event-type': { type: 'string', multiple: true },
  after: { type: 'string' },
  before: { type: 'string' },
  'state-dir': { type: 'string' },
  'dead-letter': { type: 'string' },
  concurrency: { type: 'string' },
  'skip-expired': { type: 'boolean' },
  config: { type: 'string' },
  'no-progress': { type: 'boolean' },
  'log-level': { type: 'string' },
  source: { type: 'string' },
  ...SOURCE_FLAG_OPTIONS,
  ...SINK_FLAG_OPTIONS,
} as const;

export interface ExportArgs {
  readonly config: Config;
  readonly window: ExportWindow;
  readonly progress: boolean;
}

/** Turns export's flags (plus config file and environment) into a validated config and window. */
export async function parseExportArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  now = new Date(),
): Promise<ExportArgs> {
  const { values } = parseCommandArgs({ args: argv, options: OPTIONS });
  const problems: string[] = [];
  const selected = sourceOf(values.source ?? SECTION_SOURCE.type);
  // An unknown --source is reported once the other problems are (see sourceEntryFromFlags).
  const requires = selected?.cli.requires ?? { principal: true, eventType: false, after: true };
  if (values.principal === undefined && requires.principal) problems.push('--principal is required');
  if (selected !== undefined) problems.push(...missingSourceFlags(selected, values));
  const eventTypes = (values['event-type'] ?? [])
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (eventTypes.length === 0 && requires.eventType) problems.push('--event-type is required');
  if (values.after === undefined && requires.after) problems.push('--after is required');
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      problems.push('--concurrency must be a whole number ≥ 1');
  }
  const times: { after?: string; before?: string } = {};
  for (const k of ['after', 'before'] as const) {
    const v = values[k];
    if (v === undefined) continue;
    try {
      times[k] = parseTime(v, now).toISOString();
    } catch (err) {
      problems.push(`--${k}: ${(err as Error).message}`);
    }
  }
  if (times.after && times.before && times.after >= times.before)
    problems.push('--after must be earlier than --before');
  if (problems.length > 0) throw usageError(problems.join('\n'));

  const entry = sourceEntryFromFlags(values, eventTypes, env);
  const raw = values.config === undefined ? {} : await readConfigFile(values.config);
  const rawSource = (raw as { source?: Record<string, unknown> }).source ?? {};
  // The environment's part in the `source` section (its key and base URL), as `run` takes it.
  const source = withEnvironment(SECTION_SOURCE.env, rawSource, env) as Record<string, unknown>;
  const key = SECTION_SOURCE.env.key;
  if (key !== undefined && source[key.field] === undefined && selected === SECTION_SOURCE) {
    throw new CfError('CF_ERR_SECRET_MISSING', `${key.variable} (or ${key.variable}_FILE) must be set.`);
  }
  const merged = mergeConfig(raw, {
    source,
    pipeline: {
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(values['skip-expired'] ? { skipExpiredFiles: true } : {}),
    },
    sinks: sinksFromFlags(values, env),
    state: values['state-dir'] === undefined ? undefined : { dir: values['state-dir'] },
    deadLetter: values['dead-letter'] === undefined ? undefined : { path: values['dead-letter'] },
    log: values['log-level'] === undefined ? undefined : { level: values['log-level'] },
    principals: selected?.cli.principals?.(exportFlags(values, eventTypes)),
  });
  const config = validateConfig(
    merged,
    values.config === undefined ? 'The options' : `The options and ${values.config}`,
  );
  return {
    config,
    window: {
      ...(entry === undefined ? {} : { source: entry }),
      principalId: values.principal ?? 'local-archive',
      eventTypes,
      after: times.after ?? new Date(0).toISOString(),
      ...(times.before === undefined ? {} : { before: times.before }),
    },
    progress: !values['no-progress'],
  };
}

export async function runExport(
  args: ExportArgs,
  io: CommandIo,
  opts: {
    ordered?: boolean;
    /** Lines for stderr after the progress summary (fetch's `last_end_time`), success or not. */
    summaryLines?: (summary: ExportSummary) => readonly string[];
  } = {},
): Promise<number> {
  const logger = createLogger({ level: args.config.log.level });
  const metrics = new Metrics();
  const progress = new ProgressReporter(
    io.stderr,
    args.progress && io.isTty,
    Date.parse(args.window.after),
    args.window.before === undefined ? undefined : Date.parse(args.window.before),
    args.window.eventTypes.length,
  );
  const summary = await runExportJob(args.config, args.window, {
    logger,
    metrics,
    signal: io.signal,
    stdout: io.stdout,
    env: io.env,
    ordered: opts.ordered ?? false,
    ...(io.stdin === undefined ? {} : { stdin: io.stdin }),
    onProgress: progress.onEvent,
    onRateLimitProbe: progress.watchRateLimits,
  });
  if (args.progress) progress.finish(summary.error === undefined ? 'done' : 'stopped');
  for (const line of opts.summaryLines?.(summary) ?? []) io.stderr.write(`${line}\n`);
  if (summary.deadLetters > 0) {
    io.stderr.write(`${summary.deadLetters} dead-letter records in ${summary.deadLetterPath}\n`);
  }
  if (summary.error !== undefined) {
    io.stderr.write(`compliance-forwarder: ${summary.error.code}: ${summary.error.message}\n`);
    logger.flush();
    return 1;
  }
  logger.flush();
  return 0;
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export one window of log files into the sinks (resumable with --state-dir).',
  usage: USAGE,
  options: OPTIONS,
  async run(argv, io) {
    return runExport(await parseExportArgs(argv, io.env), io);
  },
};
