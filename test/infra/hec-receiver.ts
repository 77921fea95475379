/**
 * Starts the HEC contract receiver (test/infra/hec/hec-receiver.cjs) as a child process on a
 * free loopback port, and gives tests what they need to drive it: its URL and token, an
 * independent reader of what it received, fault and configuration controls, and `stop()`, which
 * kills exactly the process it started. Use from `before`/`after` (or `t.after`).
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { controlCall, listeningUrl, stopChild } from './receiver-process.ts';

const RECEIVER = fileURLToPath(new URL('./hec/hec-receiver.cjs', import.meta.url));

export interface HecReceiverOptions {
  /** Accepted token; a random UUID when absent. */
  readonly token?: string;
  /** Indexer acknowledgement on (answers ackId, serves /services/collector/ack). */
  readonly ack?: boolean;
  /** Serve HTTPS with this certificate and key (see makeSelfSignedCert). */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  /** Request body limit in bytes on the wire; larger requests get 413. */
  readonly maxBodyBytes?: number;
  /** Per-event limit in bytes; a larger event is rejected with code 6. */
  readonly maxEventBytes?: number;
  /** 'count' keeps totals only (benchmarks); 'all' keeps every event for `events()`. */
  readonly store?: 'all' | 'count';
  /** Listen on this port (default: a free one); a restart passes the old receiver's port. */
  readonly port?: number;
}

/** One event as the receiver stored it: the envelope plus where it arrived. */
export interface HecReceivedEvent {
  readonly channel?: string;
  readonly path: string;
  readonly gzip: boolean;
  readonly ackId?: number;
  readonly time?: number;
  readonly host?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly index?: string;
  readonly fields?: Record<string, unknown>;
  readonly event: Record<string, unknown>;
}

export interface HecReceiverStats {
  readonly events: number;
  readonly requests: number;
  readonly eventRequests: number;
  readonly gzipRequests: number;
  readonly wireBytes: number;
  readonly ackPolls: number;
  readonly acksIssued: number;
  /** Largest event request body after decompression, in bytes. */
  readonly largestBody: number;
  /** Most event requests served at once. */
  readonly maxInFlight: number;
  /** Accepted event requests: decompressed size and event count (the first 10000). */
  readonly bodies: ReadonlyArray<{ readonly bytes: number; readonly events: number; readonly gzip: boolean }>;
  readonly statuses: Record<string, number>;
}

export interface HecFault {
  readonly status?: number;
  readonly code?: number;
  readonly text?: string;
  /** How many requests of the target get the fault. */
  readonly count: number;
  readonly delayMs?: number;
  /** Reset the connection instead of answering. */
  readonly destroy?: boolean;
  /** Retry-After header value (seconds). */
  readonly retryAfter?: string;
  /**
   * Only requests whose body (Content-Length, bytes on the wire) is at least this large get the
   * fault; smaller ones are served and do not use up `count`. With `destroy`: a proxy that resets
   * oversize requests instead of answering 413.
   */
  readonly minBodyBytes?: number;
  readonly target?: 'event' | 'ack' | 'health' | 'any';
}

export interface HecReceiverConfig {
  readonly tokens?: readonly string[];
  readonly disabledTokens?: readonly string[];
  readonly maxBodyBytes?: number;
  readonly maxEventBytes?: number;
  /** manual: ack ids stay false until releaseAcks(). */
  readonly ackMode?: 'immediate' | 'manual';
  /** The next N ack ids issued never become true. */
  readonly loseAcks?: number;
  /** Every event request waits this long before it is served. */
  readonly delayMs?: number;
}

export interface HecReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  events(): Promise<HecReceivedEvent[]>;
  clearEvents(): Promise<void>;
  stats(): Promise<HecReceiverStats>;
  /** Zeroes the counters (events stay; see clearEvents). */
  resetStats(): Promise<void>;
  fault(fault: HecFault): Promise<void>;
  configure(config: HecReceiverConfig): Promise<void>;
  releaseAcks(): Promise<void>;
  /** What the receiver printed on stderr (crashes). */
  readonly stderr: () => string;
  stop(): Promise<void>;
}

export async function startHecReceiver(options: HecReceiverOptions = {}): Promise<HecReceiver> {
  const token = options.token ?? randomUUID();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HEC_TOKEN: token,
    HEC_ACK: options.ack ? '1' : '0',
    HEC_STORE: options.store ?? 'all',
    HEC_EXIT_ON_STDIN_EOF: '1',
  };
  if (options.maxBodyBytes !== undefined) env.HEC_MAX_BODY = String(options.maxBodyBytes);
  if (options.maxEventBytes !== undefined) env.HEC_MAX_EVENT = String(options.maxEventBytes);
  if (options.tls) {
    env.HEC_TLS = '1';
    env.HEC_CERT = options.tls.certPath;
    env.HEC_KEY = options.tls.keyPath;
  }
  const child = spawn(process.execPath, [RECEIVER, String(options.port ?? 0)], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const url = await listeningUrl(child, 'HEC', () => stderr);
  const dispatcher = new Agent(
    options.tls ? { connect: { ca: await readFile(options.tls.certPath, 'utf8') } } : {},
  );

  const call = controlCall(url, dispatcher, 'HEC');

  return {
    url,
    token,
    pid: child.pid!,
    events: async () => (await call('GET', '/__events')) as HecReceivedEvent[],
    clearEvents: async () => {
      await call('DELETE', '/__events');
    },
    stats: async () => (await call('GET', '/__stats')) as HecReceiverStats,
    resetStats: async () => {
      await call('DELETE', '/__stats');
    },
    fault: async (fault) => {
      await call('POST', '/__faults', fault);
    },
    configure: async (config) => {
      await call('POST', '/__config', config);
    },
    releaseAcks: async () => {
      await call('POST', '/__acks/release', {});
    },
    stderr: () => stderr,
    stop: async () => {
      await dispatcher.close().catch(() => {});
      await stopChild(child);
    },
  };
}

/**
 * A self-signed certificate for localhost and 127.0.0.1, made with openssl into `dir`
 * (a temp dir of the test). The certificate is its own CA: give its path as the sink's `tls.ca`.
 */
export async function makeSelfSignedCert(dir: string): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, 'hec-cert.pem');
  const keyPath = join(dir, 'hec-key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return { certPath, keyPath };
}
