import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CfError } from '../../core/errors/index.js';
import { Secret } from '../../core/secret.js';
import { resolveSecret, type SecretRef } from '../../core/secret-ref.js';
import type { Sink, SinkContext } from '../shared/contract.js';
import { HttpEndpoint } from '../shared/http-delivery/index.js';
import type { HttpSinkConfig } from './config.js';
import { type HttpPreset, PRESETS, type PresetSecrets } from './presets/index.js';
import { HttpPresetSink } from './sink.js';
import { Template } from './template.js';
import { PresetWire } from './wire.js';

export { type HttpSinkConfig, httpSinkConfigSchema } from './config.js';

/** Where a preset's credentials come from when the config names none. */
const DEFAULT_API_KEY: Partial<Record<HttpPreset['name'], string>> = {
  datadog: 'DD_API_KEY',
  secops: 'SECOPS_API_KEY',
};

/**
 * Builds an `http` sink from its parsed config. Resolves the URL (a secret for sumo or when read
 * from urlSecret), the credentials and tls.ca now, so a missing secret or file fails before
 * anything starts, with a message that never holds the secret.
 */
export function createHttpSink(config: HttpSinkConfig, ctx: SinkContext): Sink {
  const preset = PRESETS[config.preset];
  const name = config.name ?? 'http';
  const { url, shownUrl } = resolveUrl(config, preset, name);
  const secrets = resolveSecrets(config, preset);
  const prepared = preset.prepare({
    secrets,
    hostname: hostname(),
    sumo: config.sumo,
    datadog: config.datadog,
  });
  const endpoint = new HttpEndpoint({
    url: url.href,
    destination: preset.title,
    shownUrl,
    connections: config.maxInFlightRequests + 1,
    requestTimeoutMs: config.requestTimeoutMs,
    ca: config.tls.ca === undefined ? undefined : readCa(config.tls.ca),
    rejectUnauthorized: config.tls.rejectUnauthorized,
    egress: ctx.egress,
  });
  const wire = new PresetWire({
    preset,
    prepared,
    endpoint,
    path: `${url.pathname}${url.search}`,
    extraHeaders: Object.entries(config.headers).map(([k, v]) => [k.toLowerCase(), new Template(v)] as const),
  });
  return new HttpPresetSink(
    name,
    {
      batchMaxBytes: config.batchMaxBytes ?? preset.limits.batchBytes,
      batchMaxCount: config.batchMaxCount ?? preset.limits.batchCount,
      lingerMs: config.lingerMs,
      maxInFlightRequests: config.maxInFlightRequests,
      gzip: config.gzip ?? preset.gzipByDefault,
      gzipLevel: config.gzipLevel,
      retryMaxAttempts: config.retryMaxAttempts,
      retryInitialDelayMs: config.retryInitialDelayMs,
      retryMaxDelayMs: config.retryMaxDelayMs,
    },
    ctx,
    wire,
    {
      preset,
      prepared,
      maxRecordBytes: config.maxRecordBytes ?? preset.limits.maxRecordBytes,
      shownUrl,
      insecure: !config.tls.rejectUnauthorized,
    },
  );
}

/**
 * The URL and how messages show it. A URL that holds a token (sumo, or any read from urlSecret)
 * is registered as a secret (so redaction catches it) and shown as its origin only.
 */
function resolveUrl(
  config: HttpSinkConfig,
  preset: HttpPreset,
  name: string,
): { url: URL; shownUrl: string } {
  const fromSecret = config.urlSecret !== undefined;
  const text =
    config.url ??
    resolveSecret(config.urlSecret as SecretRef, `The URL of the http sink ${name} (urlSecret)`).reveal();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CfError('CF_ERR_CONFIG', `The URL of the http sink ${name} (urlSecret) is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CfError('CF_ERR_CONFIG', `The URL of the http sink ${name} must be http or https.`);
  }
  if (!(fromSecret || preset.urlIsSecret)) return { url, shownUrl: `${url.origin}${url.pathname}` };
  // Constructing a Secret registers its value with redactSecrets, the last line of defence.
  new Secret(text);
  new Secret(`${url.pathname}${url.search}`);
  // A Sumo Source URL ends in its token; a message quoting the token alone is caught too.
  if (preset.urlIsSecret) new Secret(url.pathname.split('/').pop() ?? '');
  return { url, shownUrl: `${url.origin}/[redacted]` };
}

function resolveSecrets(config: HttpSinkConfig, preset: HttpPreset): PresetSecrets {
  const apiKeyEnv = DEFAULT_API_KEY[preset.name];
  const apiKeyRef = config.apiKey ?? (apiKeyEnv === undefined ? undefined : { env: apiKeyEnv });
  const what =
    preset.name === 'datadog' ? 'The Datadog API key (apiKey)' : 'The Google SecOps API key (apiKey)';
  const webhookRef =
    config.webhookSecret ?? (preset.name === 'secops' ? { env: 'SECOPS_WEBHOOK_SECRET' } : undefined);
  const auth = config.auth;
  return {
    ...(apiKeyRef === undefined ? {} : { apiKey: resolveSecret(apiKeyRef, what) }),
    ...(webhookRef === undefined
      ? {}
      : { webhookSecret: resolveSecret(webhookRef, 'The Google SecOps feed secret (webhookSecret)') }),
    ...(auth?.type === 'bearer'
      ? { bearer: resolveSecret(auth.token, 'The bearer token (auth.token)') }
      : {}),
    ...(auth?.type === 'basic'
      ? {
          basic: {
            username: auth.username,
            password: resolveSecret(auth.password, 'The basic auth password (auth.password)'),
          },
        }
      : {}),
  };
}

function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CfError('CF_ERR_CONFIG', `Cannot read the http sink CA file tls.ca (${path}).`, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CfError('CF_ERR_CONFIG', `The http sink CA file tls.ca (${path}) holds no PEM certificate.`);
  }
  return pem;
}
