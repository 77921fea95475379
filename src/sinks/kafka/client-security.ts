import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import { resolveSecret } from '../../core/secret-ref.js';
import type { KafkaSinkConfig } from './config.js';

function readPem(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CfError('CF_ERR_CONFIG', `Kafka sink: cannot read ${field} ${path} (${reason}).`, {
      cause: err,
    });
  }
}

/**
 * TLS options for kafkajs from the sink's tls block: files are read and secrets resolved here,
 * at start-up, so a missing file or secret stops the run before anything is sent.
 */
export function tlsOptions(tls: KafkaSinkConfig['tls']): ConnectionOptions | undefined {
  if (tls === undefined) return undefined;
  const options: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.caFile !== undefined) options.ca = readPem(tls.caFile, 'tls.caFile');
  if (tls.certFile !== undefined) options.cert = readPem(tls.certFile, 'tls.certFile');
  if (tls.key !== undefined) options.key = resolveSecret(tls.key, 'The Kafka TLS client key').reveal();
  if (tls.keyPassphrase !== undefined) {
    options.passphrase = resolveSecret(tls.keyPassphrase, 'The Kafka TLS key passphrase').reveal();
  }
  if (tls.serverName !== undefined) options.servername = tls.serverName;
  return options;
}

/** SASL options for kafkajs; the password is revealed only into the client's own config. */
export function saslOptions(sasl: KafkaSinkConfig['sasl']): SASLOptions | undefined {
  if (sasl === undefined) return undefined;
  const password = resolveSecret(sasl.password, 'The Kafka SASL password').reveal();
  return { mechanism: sasl.mechanism, username: sasl.username, password };
}

/** Warns once, at connect, when the brokers' certificates are not verified (either client). */
export function warnIfUnverifiedTls(o: Pick<KafkaSinkConfig, 'tls' | 'brokers'>, logger: Logger): void {
  if (o.tls !== undefined && !o.tls.rejectUnauthorized) {
    logger.warn(
      { brokers: o.brokers },
      'TLS certificate verification is off for the Kafka brokers (tls.rejectUnauthorized: false): anyone on the path can read and alter the records.',
    );
  }
}
