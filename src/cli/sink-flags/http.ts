import { CfError } from '../../core/errors/index.js';
import { secretFromEnv } from '../../core/secret-ref.js';
import { opt, type SinkFlags, str } from './types.js';

const PRESETS = ['ndjson', 'json-array', 'sumo', 'datadog', 'secops'];

export const httpFlags: SinkFlags = {
  kind: 'http',
  selector: 'http-url',
  options: {
    'http-url': { type: 'string' },
    'http-preset': { type: 'string' },
    'http-auth': { type: 'string' },
    'http-username': { type: 'string' },
    'http-gzip': { type: 'boolean' },
    'http-no-gzip': { type: 'boolean' },
    'http-ca': { type: 'string' },
    'http-insecure': { type: 'boolean' },
  },
  usage: `  --http-url URL          http: where to POST (or HTTP_URL / HTTP_URL_FILE: a URL holding a token)
  --http-preset P         http: ndjson (default), json-array, sumo, datadog (key: DD_API_KEY[_FILE]),
                          secops (SECOPS_API_KEY[_FILE], SECOPS_WEBHOOK_SECRET[_FILE])
  --http-auth A           http: bearer (HTTP_AUTH_TOKEN[_FILE]) or basic (HTTP_AUTH_PASSWORD[_FILE])
  --http-username U       http: basic auth user
  --http-gzip             http: compress with gzip (default on for sumo and datadog)
  --http-no-gzip          http: send uncompressed
  --http-ca PATH          http: CA certificate (PEM) for TLS
  --http-insecure         http: do not verify TLS certificates (logs a warning)`,
  build(flags, env) {
    const preset = str(flags, 'http-preset') ?? 'ndjson';
    if (!PRESETS.includes(preset)) {
      throw new CfError(
        'CF_ERR_USAGE',
        `Unknown --http-preset "${preset}"; expected one of ${PRESETS.join(', ')}.`,
      );
    }
    const url = str(flags, 'http-url');
    const urlSecret = url === undefined ? secretFromEnv('HTTP_URL', env) : undefined;
    if (url === undefined && urlSecret === undefined) {
      throw new CfError('CF_ERR_USAGE', '--sink http needs --http-url URL (or HTTP_URL / HTTP_URL_FILE).');
    }
    if (flags['http-gzip'] && flags['http-no-gzip']) {
      throw new CfError('CF_ERR_USAGE', 'Give --http-gzip or --http-no-gzip, not both.');
    }
    const tls = {
      ...opt('ca', str(flags, 'http-ca')),
      ...(flags['http-insecure'] ? { rejectUnauthorized: false } : {}),
    };
    return {
      type: 'http',
      preset,
      ...opt('url', url),
      ...opt('urlSecret', urlSecret),
      ...opt('auth', authFromFlags(str(flags, 'http-auth'), str(flags, 'http-username'), env)),
      ...opt('apiKey', apiKeyFor(preset, env)),
      ...opt('webhookSecret', preset === 'secops' ? secretFromEnv('SECOPS_WEBHOOK_SECRET', env) : undefined),
      ...(flags['http-gzip'] ? { gzip: true } : {}),
      ...(flags['http-no-gzip'] ? { gzip: false } : {}),
      ...(Object.keys(tls).length === 0 ? {} : { tls }),
    };
  },
};

function authFromFlags(
  kind: string | undefined,
  username: string | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> | undefined {
  if (kind === undefined) {
    if (username !== undefined) throw new CfError('CF_ERR_USAGE', '--http-username needs --http-auth basic.');
    return undefined;
  }
  if (kind === 'bearer') return { type: 'bearer', ...opt('token', secretFromEnv('HTTP_AUTH_TOKEN', env)) };
  if (kind === 'basic') {
    if (username === undefined)
      throw new CfError('CF_ERR_USAGE', '--http-auth basic needs --http-username U.');
    return { type: 'basic', username, ...opt('password', secretFromEnv('HTTP_AUTH_PASSWORD', env)) };
  }
  throw new CfError('CF_ERR_USAGE', `Unknown --http-auth "${kind}"; expected bearer or basic.`);
}

function apiKeyFor(preset: string, env: NodeJS.ProcessEnv): unknown {
  if (preset === 'datadog') return secretFromEnv('DD_API_KEY', env);
  if (preset === 'secops') return secretFromEnv('SECOPS_API_KEY', env);
  return undefined;
}
