import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CfError } from '../../core/errors/index.js';
import { resolveSecret } from '../../core/secret-ref.js';
import type { Sink, SinkContext } from '../shared/contract.js';
import type { SplunkHecSinkConfig } from './config.js';
import { SplunkHecSink } from './sink.js';

export { type SplunkHecSinkConfig, splunkHecSinkConfigSchema } from './config.js';

/**
 * Builds a Splunk HEC sink from its parsed config. Resolves the token (env or file) and reads
 * tls.ca now, so a missing secret or CA file fails before anything starts. See SplunkHecSink
 * (sink.ts) for what "acknowledged" means and docs/sinks/splunk-hec.md for the guarantees.
 */
export function createSplunkHecSink(config: SplunkHecSinkConfig, ctx: SinkContext): Sink {
  const token = resolveSecret(config.token, 'The Splunk HEC token');
  const ca = config.tls.ca === undefined ? undefined : readCa(config.tls.ca);
  return new SplunkHecSink(config, ctx, { token, ca, host: config.host ?? hostname() });
}

function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CfError('CF_ERR_CONFIG', `Cannot read the Splunk HEC CA file tls.ca (${path}).`, {
      cause: err,
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CfError('CF_ERR_CONFIG', `The Splunk HEC CA file tls.ca (${path}) holds no PEM certificate.`);
  }
  return pem;
}
