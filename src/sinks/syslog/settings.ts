import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import { CfError, isCfError } from '../../core/errors/index.js';
import { resolveSecret } from '../../core/secret-ref.js';
import type { SyslogSinkConfig, SyslogTlsConfig } from './config.js';
import type { Formatter, HeaderOptions } from './format.js';
import { printUsAscii } from './format.js';
import { facilityCode, severityCode } from './priority.js';
import { rfc3164Formatter } from './rfc3164.js';
import { rfc5424Formatter } from './rfc5424.js';
import { severityResolver } from './severity.js';
import { parseSyslogUrl, type SyslogTarget } from './url.js';

/** Default size limits: what every receiver takes (UDP, RFC 3164), and a roomy one for streams. */
export const DEFAULT_DATAGRAM_MESSAGE_MAX_BYTES = 2048;
export const DEFAULT_STREAM_MESSAGE_MAX_BYTES = 64 * 1024;

export function targetOf(config: SyslogSinkConfig): SyslogTarget {
  const target = parseSyslogUrl(config.url);
  if (typeof target === 'string') throw new CfError('CF_ERR_CONFIG', `Syslog sink url: ${target}`);
  return target;
}

/** `udp://host:port` and the like, for logs and errors (a syslog URL carries no secret). */
export function labelOf(target: SyslogTarget): string {
  const scheme = target.transport === 'tls' ? 'tcp+tls' : target.transport;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${scheme}://${host}:${target.port}`;
}

export function messageMaxBytesOf(config: SyslogSinkConfig, target: SyslogTarget): number {
  if (config.messageMaxBytes !== undefined) return config.messageMaxBytes;
  return config.format === 'rfc3164' || target.transport === 'udp'
    ? DEFAULT_DATAGRAM_MESSAGE_MAX_BYTES
    : DEFAULT_STREAM_MESSAGE_MAX_BYTES;
}

/** The formatter for the configured format, with every header field resolved once. */
export function formatterOf(config: SyslogSinkConfig): Formatter {
  const fallback = severityCode(config.severity);
  const map =
    config.severityMap === false
      ? undefined
      : {
          field: config.severityMap.field,
          values: new Map(Object.entries(config.severityMap.values).map(([k, v]) => [k, severityCode(v)])),
        };
  const header: HeaderOptions = {
    facility: facilityCode(config.facility),
    severityOf: severityResolver(map, fallback),
    hostname: config.hostname ?? printUsAscii(hostname(), 255),
    appName: config.appName,
    procId: config.procId ?? String(process.pid),
    msgId: config.msgId,
    sdId: config.structuredData ? config.sdId : undefined,
    bom: config.bom,
  };
  return config.format === 'rfc3164' ? rfc3164Formatter(header) : rfc5424Formatter(header);
}

/**
 * The TLS context: the CA to verify the receiver with (Node's bundled CAs when none is given)
 * and the client certificate for mutual TLS. Errors name the file or setting, never a key or
 * passphrase.
 */
export function secureContextOf(settings: SyslogTlsConfig | undefined): SecureContext {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CfError('CF_ERR_CONFIG', `Cannot read the ${what} ${path}.`, { cause: err });
    }
  };
  try {
    const ca = settings?.caFile === undefined ? undefined : read(settings.caFile, 'TLS CA file');
    const cert =
      settings?.certFile === undefined ? undefined : read(settings.certFile, 'TLS client certificate');
    const key = settings?.key === undefined ? undefined : resolveSecret(settings.key, 'The TLS client key');
    const passphrase =
      settings?.keyPassphrase === undefined
        ? undefined
        : resolveSecret(settings.keyPassphrase, 'The TLS client key passphrase');
    return createSecureContext({
      minVersion: settings?.minVersion ?? 'TLSv1.2',
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key: key.reveal() }),
      ...(passphrase === undefined ? {} : { passphrase: passphrase.reveal() }),
    });
  } catch (err) {
    if (isCfError(err)) throw err;
    const code = (err as { code?: unknown }).code;
    throw new CfError(
      'CF_ERR_SINK_TLS',
      `The TLS settings cannot be used (${String(code ?? 'error')}): check the CA file, the client certificate, key and passphrase.`,
      { cause: err },
    );
  }
}
