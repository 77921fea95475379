/**
 * Starts the Elasticsearch bulk contract receiver (test/infra/es/es-receiver.cjs) as a child
 * process on a free loopback port, and gives tests what they need to drive it: its URL and
 * credentials, an independent reader of the documents it indexed, fault controls, and `stop()`,
 * which kills exactly the process it started. Use from `before`/`after` (or `t.after`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { controlCall, listeningUrl, stopChild } from './receiver-process.ts';

const RECEIVER = fileURLToPath(new URL('./es/es-receiver.cjs', import.meta.url));

export interface EsReceiverOptions {
  /** Auth: 'api-key' (a random encoded key, the default), 'basic' (random user:password) or 'none'. */
  readonly auth?: 'api-key' | 'basic' | 'none';
  /** Serve HTTPS with this certificate and key (see makeSelfSignedCert in hec-receiver.ts). */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  /** Request body limit in bytes on the wire (http.max_content_length); larger requests get 413. */
  readonly maxBodyBytes?: number;
  /** 'count' keeps ids only (benchmarks); 'all' keeps every document for `docs()`. */
  readonly store?: 'all' | 'count';
}

/** One document as the receiver indexed it. */
export interface EsIndexedDoc {
  readonly index: string;
  readonly id: string;
  readonly source: Record<string, unknown>;
  readonly gzip: boolean;
}

export interface EsReceiverStats {
  readonly requests: number;
  readonly bulkRequests: number;
  readonly gzipRequests: number;
  readonly wireBytes: number;
  /** Documents indexed (first creates). */
  readonly created: number;
  /** Creates answered 409 (the _id was there already). */
  readonly conflicts: number;
  readonly largestBody: number;
  readonly maxInFlight: number;
  /** Whole-request statuses. */
  readonly statuses: Record<string, number>;
  /** Per-item statuses in bulk answers. */
  readonly itemStatuses: Record<string, number>;
  readonly bodies: ReadonlyArray<{ readonly bytes: number; readonly docs: number; readonly gzip: boolean }>;
}

export interface EsFault {
  /** Whole-request answer status (429 answers es_rejected_execution_exception). */
  readonly status?: number;
  readonly count: number;
  readonly retryAfter?: string;
  readonly delayMs?: number;
  /** Reset the connection instead of answering. */
  readonly destroy?: boolean;
  /** Only requests with a Content-Length at least this large (the others are served, not counted). */
  readonly minBodyBytes?: number;
  readonly target?: 'bulk' | 'root' | 'any';
}

export interface EsItemFault {
  /** The document's _id (the record's event_id). */
  readonly id: string;
  /** 429 or 5xx (retriable item) or 400 (a mapping/parse rejection). */
  readonly status: number;
  /** How many times; absent: every time. */
  readonly count?: number;
}

export interface EsReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The encoded API key it accepts (auth 'api-key'). */
  readonly apiKey: string | undefined;
  /** User and password it accepts (auth 'basic'). */
  readonly basic: { readonly username: string; readonly password: string } | undefined;
  readonly pid: number;
  docs(): Promise<EsIndexedDoc[]>;
  clearDocs(): Promise<void>;
  stats(): Promise<EsReceiverStats>;
  resetStats(): Promise<void>;
  fault(fault: EsFault): Promise<void>;
  itemFaults(faults: readonly EsItemFault[]): Promise<void>;
  configure(config: { readonly maxBodyBytes?: number; readonly delayMs?: number }): Promise<void>;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

export async function startEsReceiver(options: EsReceiverOptions = {}): Promise<EsReceiver> {
  const auth = options.auth ?? 'api-key';
  const apiKey =
    auth === 'api-key'
      ? Buffer.from(`${randomBytes(6).toString('hex')}:${randomBytes(16).toString('hex')}`).toString('base64')
      : undefined;
  const basic =
    auth === 'basic' ? { username: 'forwarder', password: randomBytes(12).toString('hex') } : undefined;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ES_STORE: options.store ?? 'all',
    ES_EXIT_ON_STDIN_EOF: '1',
  };
  if (apiKey !== undefined) env.ES_API_KEY = apiKey;
  if (basic !== undefined) env.ES_BASIC = `${basic.username}:${basic.password}`;
  if (options.maxBodyBytes !== undefined) env.ES_MAX_BODY = String(options.maxBodyBytes);
  if (options.tls) {
    env.ES_TLS = '1';
    env.ES_CERT = options.tls.certPath;
    env.ES_KEY = options.tls.keyPath;
  }
  const child = spawn(process.execPath, [RECEIVER, '0'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const url = await listeningUrl(child, 'ES', () => stderr);
  const dispatcher = new Agent(
    options.tls ? { connect: { ca: await readFile(options.tls.certPath, 'utf8') } } : {},
  );

  const call = controlCall(url, dispatcher, 'ES');

  return {
    url,
    apiKey,
    basic,
    pid: child.pid!,
    docs: async () => (await call('GET', '/__docs')) as EsIndexedDoc[],
    clearDocs: async () => {
      await call('DELETE', '/__docs');
    },
    stats: async () => (await call('GET', '/__stats')) as EsReceiverStats,
    resetStats: async () => {
      await call('DELETE', '/__stats');
    },
    fault: async (fault) => {
      await call('POST', '/__faults', fault);
    },
    itemFaults: async (faults) => {
      await call('POST', '/__itemFaults', faults);
    },
    configure: async (config) => {
      await call('POST', '/__config', config);
    },
    stderr: () => stderr,
    stop: async () => {
      await dispatcher.close().catch(() => {});
      await stopChild(child);
    },
  };
}
