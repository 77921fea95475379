import { CfError } from '../errors/index.js';

/** The sink-related flags `export` (and `demo`) accept; each maps onto the sink's config. */
export const SINK_FLAG_OPTIONS = {
  sink: { type: 'string' },
  out: { type: 'string' },
  gzip: { type: 'boolean' },
} as const;

export const SINK_FLAGS_USAGE = `  --sink KIND             stdout (default), file, blackhole
  --out DIR               output directory of the file sink (implies --sink file)
  --gzip                  file sink: write .jsonl.gz`;

type Flags = Record<string, string | boolean | string[] | undefined>;

/** Builds the `sinks` list from flags; undefined when no sink flag was given (config decides). */
export function sinksFromFlags(flags: Flags): Array<Record<string, unknown>> | undefined {
  const kind = typeof flags.sink === 'string' ? flags.sink : flags.out !== undefined ? 'file' : undefined;
  if (kind === undefined) return undefined;
  switch (kind) {
    case 'stdout':
      return [{ type: 'stdout' }];
    case 'blackhole':
      return [{ type: 'blackhole' }];
    case 'file':
      if (typeof flags.out !== 'string') throw new CfError('CF_ERR_USAGE', '--sink file needs --out DIR.');
      return [{ type: 'file', directory: flags.out, ...(flags.gzip ? { gzip: true } : {}) }];
    default:
      throw new CfError('CF_ERR_USAGE', `Unknown sink "${kind}"; expected stdout, file or blackhole.`);
  }
}
