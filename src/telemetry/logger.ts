import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from '../core/secret.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Defaults to stderr: stdout may carry data (fetch, the stdout sink). */
  destination?: DestinationStream;
}

/**
 * The process logger: JSON lines on stderr. Authorization headers and secret-bearing fields are
 * redacted by path, and every message and error passes through redactSecrets.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { name: 'compliance-forwarder' },
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          '*.headers.authorization',
          'apiKey',
          'token',
          'password',
          '*.apiKey',
          '*.token',
          '*.password',
        ],
        censor: '[redacted]',
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
          if (typeof s.message === 'string') s.message = redactSecrets(s.message);
          if (typeof s.stack === 'string') s.stack = redactSecrets(s.stack);
          return s;
        },
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that discards everything (tests and library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
