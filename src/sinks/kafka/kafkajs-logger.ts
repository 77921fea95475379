import kafkajs, { type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { redactSecrets } from '../../core/secret.js';

type PinoLevel = 'warn' | 'debug' | 'trace';

/**
 * kafkajs logs every failed request at ERROR even when it retries it, and the sink reports
 * the failures that matter itself; so kafkajs ERROR and WARN become warn, INFO becomes debug and
 * DEBUG (one line per request) becomes trace.
 */
function pinoLevel(level: number): PinoLevel {
  const { logLevel } = kafkajs;
  if (level === logLevel.ERROR || level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'debug';
  return 'trace';
}

/** The kafkajs level that produces exactly what the pino logger would keep. */
export function kafkajsLogLevel(logger: Logger): number {
  const { logLevel } = kafkajs;
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  return logLevel.NOTHING;
}

/**
 * Fields of a kafkajs log entry passed on. A whitelist, not a blacklist: kafkajs entries can
 * carry request payloads and, for SASL, whatever a mechanism chose to log.
 */
const KEPT_FIELDS = [
  'broker',
  'clientId',
  'groupId',
  'topic',
  'partition',
  'retryCount',
  'retryTime',
  'error',
  'correlationId',
  'apiName',
  'apiVersion',
  'size',
] as const;

/**
 * kafkajs warns about this at every start; the sink caps kafkajs's own retries on purpose and
 * retries in its own loop (with backoff and the pipeline's abort signal), resending the same
 * sequence numbers, so the warning is noise here.
 */
const EXPECTED_WARNINGS = [/^Limiting retries for the idempotent producer/];

/** Routes kafkajs's logs into the sink's pino logger, secret-free. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const fields: Record<string, unknown> = { kafkajs: namespace };
      for (const name of KEPT_FIELDS) {
        const v: unknown = log[name];
        if (typeof v === 'string') fields[name] = redactSecrets(v);
        else if (typeof v === 'number' || typeof v === 'boolean') fields[name] = v;
      }
      const message = redactSecrets(String(log.message));
      const target = EXPECTED_WARNINGS.some((re) => re.test(message)) ? 'debug' : pinoLevel(level);
      logger[target](fields, message);
    };
}
