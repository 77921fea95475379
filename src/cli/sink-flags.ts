import { secretFromEnv } from '../config/secret-ref.js';
import { CfError } from '../errors/index.js';

/**
 * The sink-related flags `export` and `demo` accept. Each maps onto the sink's config (the
 * config file can say everything these say, and more); `--sink` replaces the config's sinks.
 */
export const SINK_FLAG_OPTIONS = {
  sink: { type: 'string' },
  out: { type: 'string' },
  gzip: { type: 'boolean' },
  'hec-url': { type: 'string' },
  'hec-token-file': { type: 'string' },
  'hec-index': { type: 'string' },
  'hec-ack': { type: 'boolean' },
  'hec-no-gzip': { type: 'boolean' },
  'hec-ca': { type: 'string' },
  'hec-insecure': { type: 'boolean' },
} as const;

export const SINK_FLAGS_USAGE = `  --sink KIND             stdout (default), file, splunk-hec, blackhole
  --out DIR               file sink: output directory (implies --sink file)
  --gzip                  file sink: write .jsonl.gz
  --hec-url URL           splunk-hec: https://splunk:8088 (token: HEC_TOKEN or HEC_TOKEN_FILE)
  --hec-token-file PATH   splunk-hec: read the token from a file
  --hec-index NAME        splunk-hec: index (default: the token's)
  --hec-ack               splunk-hec: wait for indexer acknowledgement
  --hec-no-gzip           splunk-hec: send uncompressed
  --hec-ca PATH           splunk-hec: CA certificate (PEM) for TLS
  --hec-insecure          splunk-hec: do not verify TLS certificates (logs a warning)`;

type Flags = Record<string, string | boolean | string[] | undefined>;

/** Builds the `sinks` list from flags; undefined when no sink flag was given (the config decides). */
export function sinksFromFlags(
  flags: Flags,
  env: NodeJS.ProcessEnv = process.env,
): Array<Record<string, unknown>> | undefined {
  const kind =
    typeof flags.sink === 'string'
      ? flags.sink
      : flags.out !== undefined
        ? 'file'
        : flags['hec-url'] !== undefined
          ? 'splunk-hec'
          : undefined;
  if (kind === undefined) return undefined;
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  switch (kind) {
    case 'stdout':
      return [{ type: 'stdout' }];
    case 'blackhole':
      return [{ type: 'blackhole' }];
    case 'file':
      if (str('out') === undefined) throw new CfError('CF_ERR_USAGE', '--sink file needs --out DIR.');
      return [{ type: 'file', directory: str('out'), ...(flags.gzip ? { gzip: true } : {}) }];
    case 'splunk-hec': {
      if (str('hec-url') === undefined)
        throw new CfError('CF_ERR_USAGE', '--sink splunk-hec needs --hec-url URL.');
      const token =
        str('hec-token-file') !== undefined
          ? { file: str('hec-token-file') }
          : secretFromEnv('HEC_TOKEN', env);
      return [
        {
          type: 'splunk-hec',
          url: str('hec-url'),
          ...(token === undefined ? {} : { token }),
          ...(str('hec-index') === undefined ? {} : { index: str('hec-index') }),
          ...(flags['hec-ack'] ? { useAck: true } : {}),
          ...(flags['hec-no-gzip'] ? { gzip: false } : {}),
          ...(str('hec-ca') !== undefined || flags['hec-insecure']
            ? {
                tls: {
                  ...(str('hec-ca') === undefined ? {} : { ca: str('hec-ca') }),
                  ...(flags['hec-insecure'] ? { rejectUnauthorized: false } : {}),
                },
              }
            : {}),
        },
      ];
    }
    default:
      throw new CfError(
        'CF_ERR_USAGE',
        `Unknown sink "${kind}"; expected stdout, file, splunk-hec or blackhole.`,
      );
  }
}
