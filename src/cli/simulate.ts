import { readFileSync } from 'node:fs';
import type { FaultsInput, SimulatorOptions } from '../simulator/index.js';
import { Simulator } from '../simulator/index.js';
import { type Command, type CommandIo, parseCommandArgs, usageError } from './command.js';

const USAGE = `Usage: compliance-forwarder simulate [options]

Runs a local Compliance Logs Platform API (and its signed-URL download origin) on 127.0.0.1
until interrupted. Prints COMPLIANCE_API_BASE, COMPLIANCE_API_KEY, COMPLIANCE_WORKSPACE_ID and
COMPLIANCE_ORG_ID lines on stdout; any well-formed workspace UUID or org- id also has data.

Options:
  --port N                      API port (default 8080; 0 picks a free port)
  --download-port N             signed-URL origin port (default port+1, or free when --port 0)
  --tls-cert FILE               serve both origins over HTTPS with this PEM certificate
  --tls-key FILE                the certificate's PEM private key (with --tls-cert)
  --seed TEXT                   data seed (default compliance-forwarder)
  --api-key KEY                 the accepted key (default derived from the seed)
  --span DURATION               data covers now - span .. now, e.g. 7d, 36h, 90m (default 7d)
  --live                        time advances and new files appear as windows close
  --speed X                     live mode at X times real time (implies --live)
  --big-file BYTES              add one CONVERSATION_MESSAGE file of BYTES at the latest window
  --signed-url-ttl-seconds N    signed download URLs expire after N seconds (default 300)
  --downloads-per-minute N      download rate limit per key (default 50; 0 disables)
  --lists-per-minute N          list rate limit per key (default 100; 0 disables)
Faults (off by default; ratios are 0..1):
  --server-error-ratio R        5xx on list and download
  --reset-ratio R               connection reset halfway through a body
  --truncate-ratio R            bodies cut in half (size and digest then disagree)
  --stall-ratio R               bodies stop halfway without closing
  --slow-bytes-per-second N     every body trickles at N bytes/s
  --first-byte-latency-ms N     delay before every response
  --bandwidth-bytes-per-second N  per-connection cap on downloads
  --expired-ratio R             downloads answer 404 (file expired)
  --malformed-ratio R           files with a line cut short
  --missing-newline-ratio R     files without a final newline
  --crlf-ratio R                files with CRLF line endings
  --run-together-ratio R        files with two objects on one line (}{)
  --invalid-utf8-ratio R        files with invalid UTF-8 bytes in one string
Faults can also be changed while running: POST /__control/faults on the API origin
(GET /__control/stats for counters). See src/simulator/README.md.`;

const OPTIONS = {
  port: { type: 'string' },
  'download-port': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  seed: { type: 'string' },
  'api-key': { type: 'string' },
  span: { type: 'string' },
  live: { type: 'boolean' },
  speed: { type: 'string' },
  'big-file': { type: 'string' },
  'signed-url-ttl-seconds': { type: 'string' },
  'downloads-per-minute': { type: 'string' },
  'lists-per-minute': { type: 'string' },
  'server-error-ratio': { type: 'string' },
  'reset-ratio': { type: 'string' },
  'truncate-ratio': { type: 'string' },
  'stall-ratio': { type: 'string' },
  'slow-bytes-per-second': { type: 'string' },
  'first-byte-latency-ms': { type: 'string' },
  'bandwidth-bytes-per-second': { type: 'string' },
  'expired-ratio': { type: 'string' },
  'malformed-ratio': { type: 'string' },
  'missing-newline-ratio': { type: 'string' },
  'crlf-ratio': { type: 'string' },
  'run-together-ratio': { type: 'string' },
  'invalid-utf8-ratio': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<{ options: typeof OPTIONS }>>['values'];

function integer(
  values: Values,
  name: keyof typeof OPTIONS,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) > max) {
    throw usageError(`--${name} must be a whole number from 0 to ${max}; got '${String(text)}'.`);
  }
  return Number(text);
}

function ratio(values: Values, name: keyof typeof OPTIONS): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = typeof text === 'string' && /^\d*\.?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw usageError(`--${name} must be a ratio from 0 to 1; got '${String(text)}'.`);
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string, flag: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m === null) throw usageError(`--${flag} must look like 7d, 36h, 90m or 600s; got '${text}'.`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function perMinute(n: number | undefined) {
  if (n === undefined) return undefined;
  return n === 0 ? null : { limit: n, windowMs: 60_000 };
}

/** Turns the flags into simulator options; exported for tests. */
export function simulateOptions(argv: string[]): SimulatorOptions {
  const { values, positionals } = parseCommandArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (positionals.length > 0) throw usageError(`Unexpected argument: ${positionals[0]}`);
  const port = integer(values, 'port', 65535) ?? 8080;
  const speedText = values.speed;
  const speed = speedText === undefined ? undefined : Number(speedText);
  if (speed !== undefined && !(speed > 0))
    throw usageError(`--speed must be a positive number; got '${speedText}'.`);
  const slow = integer(values, 'slow-bytes-per-second');
  const serverErrors = ratio(values, 'server-error-ratio');
  const faults: FaultsInput = {
    rateLimit: {
      download: perMinute(integer(values, 'downloads-per-minute')),
      list: perMinute(integer(values, 'lists-per-minute')),
    },
    listServerErrors: serverErrors,
    downloadServerErrors: serverErrors,
    resetMidBody: ratio(values, 'reset-ratio'),
    truncatedBody: ratio(values, 'truncate-ratio'),
    stall: ratio(values, 'stall-ratio'),
    slowBody: slow === undefined || slow === 0 ? undefined : { bytesPerSecond: slow },
    firstByteLatencyMs: integer(values, 'first-byte-latency-ms'),
    bandwidthBytesPerSecond: integer(values, 'bandwidth-bytes-per-second'),
    expiredFiles:
      values['expired-ratio'] === undefined ? undefined : { ratio: ratio(values, 'expired-ratio') },
    malformedLines: ratio(values, 'malformed-ratio'),
    missingFinalNewline: ratio(values, 'missing-newline-ratio'),
    crlf: ratio(values, 'crlf-ratio'),
    runTogether: ratio(values, 'run-together-ratio'),
    invalidUtf8: ratio(values, 'invalid-utf8-ratio'),
  };
  const bigFile = integer(values, 'big-file');
  const ttlSeconds = integer(values, 'signed-url-ttl-seconds');
  return {
    port,
    ...tlsOptions(values),
    downloadPort: integer(values, 'download-port', 65535) ?? (port === 0 ? 0 : port + 1),
    seed: values.seed,
    apiKey: values['api-key'],
    spanMs: values.span === undefined ? undefined : parseDurationMs(values.span, 'span'),
    live: speed !== undefined ? { speed } : values.live === true,
    signedUrlTtlMs: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
    extraFiles:
      bigFile === undefined || bigFile === 0
        ? undefined
        : [
            {
              eventType: 'CONVERSATION_MESSAGE',
              endTime: new Date(Math.floor(Date.now() / 600_000) * 600_000),
              sizeBytes: bigFile,
            },
          ],
    faults,
  };
}

function tlsOptions(values: Values): Pick<SimulatorOptions, 'tls'> {
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (certFile === undefined && keyFile === undefined) return {};
  if (certFile === undefined || keyFile === undefined)
    throw usageError('--tls-cert and --tls-key go together.');
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw usageError(`--${flag}: cannot read ${file}.`);
    }
  };
  return { tls: { cert: read(certFile, 'tls-cert'), key: read(keyFile, 'tls-key') } };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Run a local Compliance Logs Platform API to try the forwarder on.',
  usage: USAGE,
  options: OPTIONS,
  async run(argv: string[], io: CommandIo): Promise<number> {
    const sim = new Simulator(simulateOptions(argv));
    const info = await sim.start();
    io.stdout.write(
      [
        `COMPLIANCE_API_BASE=${info.baseUrl}`,
        `COMPLIANCE_API_KEY=${info.apiKey}`,
        `COMPLIANCE_WORKSPACE_ID=${info.sampleWorkspaceId}`,
        `COMPLIANCE_ORG_ID=${info.sampleOrgId}`,
        '',
      ].join('\n'),
    );
    io.stderr.write(
      `Simulator listening: API ${info.apiOrigin}, downloads ${info.downloadOrigin}, control ${info.apiOrigin}/__control/faults. Stop with Ctrl-C.\n`,
    );
    try {
      await untilAborted(io.signal);
    } finally {
      await sim.stop();
    }
    return 0;
  },
};
