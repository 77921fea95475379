import type { ExportSummary } from '../app/export-job.js';
import { validateConfig } from '../config/load.js';
import { parseTime } from '../config/time.js';
import { CfError } from '../core/errors/index.js';
import { secretFromEnv } from '../core/secret-ref.js';
import { type Command, usageError } from './command.js';
import { runExport } from './export.js';

/**
 * Files fetched at once. A download is two round trips (the API's redirect, then the signed URL)
 * that mostly wait on latency, and the rate limiter (50 downloads a minute) bounds the pace
 * anyway, so fetch overlaps more of them than export's default of 4: with 50 ms per request a
 * 45-file window takes 1.4 s instead of 1.9 s (benchmarks/, cookbook_parity). Ordered output holds
 * at most 16 MiB per file waiting its turn, which bounds what this costs in memory (7 x 16 MiB).
 */
const FETCH_CONCURRENCY = 8;

const USAGE = `Usage: compliance-forwarder fetch <workspace_or_org_id> <event_type> <limit> <after>

A drop-in for OpenAI's cookbook script: lists every log file of one event type after a time
and prints the files' lines to stdout, unchanged, one per line, in list order. Progress goes to
stderr, ending with last_end_time=<ISO>: the end_time of the last file delivered, the <after>
of the next run. Unlike the script it downloads several files at once within the rate limit,
retries, verifies each file's size and SHA-256, never sends the key to the download host, and
never skips files that share an end_time across a page boundary.

  workspace_or_org_id   a workspace id (UUID) or an organization id (org-...)
  event_type            e.g. AUTH_LOG
  limit                 files per list page, 1..100
  after                 ISO-8601 time (or relative: -1d, -90m)

Environment: COMPLIANCE_API_KEY or COMPLIANCE_API_KEY_FILE (required),
COMPLIANCE_API_BASE (default https://api.chatgpt.com/v1/compliance).
Exit status: 0 done, 1 an error survived the retries, 2 usage.`;

export const fetchCommand: Command = {
  name: 'fetch',
  summary: "Print one event type's log lines to stdout (the cookbook script, done right).",
  usage: USAGE,
  // None: every argument is positional (see run).
  options: {},
  async run(argv, io) {
    // No options: every argument is positional, so `after` may be a relative time like -1d.
    const option = argv.find((a) => a.startsWith('--'));
    if (option !== undefined) throw usageError(`fetch takes no options, got ${option}.`);
    const positionals = argv;
    if (positionals.length !== 4) throw usageError(`fetch takes 4 arguments, got ${positionals.length}.`);
    const [principal, eventType, limitText, afterText] = positionals as [string, string, string, string];
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw usageError('limit must be a whole number from 1 to 100.');
    let after: string;
    try {
      after = parseTime(afterText).toISOString();
    } catch (err) {
      throw usageError((err as Error).message);
    }
    const apiKey = secretFromEnv('COMPLIANCE_API_KEY', io.env);
    if (apiKey === undefined) {
      throw new CfError('CF_ERR_SECRET_MISSING', 'COMPLIANCE_API_KEY environment variable is required.');
    }
    const config = validateConfig(
      {
        source: {
          apiKey,
          pageSize: limit,
          ...(io.env.COMPLIANCE_API_BASE ? { baseUrl: io.env.COMPLIANCE_API_BASE } : {}),
        },
        pipeline: { concurrency: FETCH_CONCURRENCY },
        principals: [{ id: principal, eventTypes: [eventType] }],
        // The lines go out as they came: no metadata, no de-duplication.
        enrich: { metadataKey: null, dedupe: { enabled: false } },
        sinks: [{ type: 'stdout' }],
        log: { level: io.env.LOG_LEVEL ?? 'warn' },
      },
      'The arguments',
    );
    return runExport(
      { config, window: { principalId: principal, eventTypes: [eventType], after }, progress: true },
      io,
      {
        ordered: true,
        summaryLines: (summary) => fetchSummary(summary, eventType, after),
      },
    );
  },
};

/**
 * What the cookbook's script prints at its end, plus `last_end_time=<ISO>` on a line of its own:
 * the end_time of the last file delivered in list order, the `after` of the next run of a
 * chain. With nothing delivered (nothing new, or a failure before the first file) it is the
 * `after` this run was given, so a chain never moves past what it has not delivered.
 */
export function fetchSummary(summary: ExportSummary, eventType: string, after: string): string[] {
  const stream = summary.result.streams[0];
  const files = stream?.filesDone ?? 0;
  const last = files > 0 ? stream?.position?.endTime : undefined;
  const head =
    last === undefined
      ? `No results found for event_type ${eventType} after ${after}`
      : `Completed downloading ${files} log files up to ${last}`;
  return [
    summary.error === undefined ? head : `Stopped after ${files} log files`,
    `last_end_time=${last ?? after}`,
  ];
}
