/**
 * Contract receivers for the `http` sink's presets, written from each vendor's documented
 * behaviour (docs/sinks/http.md cites the pages), as test/infra/hec-receiver.ts is for Splunk:
 *
 *   sumo      POST /receiver/v1/http/<token>: a wrong token answers 401; newline-separated logs;
 *             X-Sumo-Category/-Name/-Host kept per event; over 1 MB uncompressed answers 413
 *             (Sumo documents the 1 MB limit, not its answer: 413 is this receiver's choice)
 *   datadog   POST /api/v2/logs: no DD-API-KEY 401, a wrong one 403; a JSON array (or one object)
 *             of entries, else 400; over 1000 entries 400, over 5 MB uncompressed 413; an entry
 *             over 1 MB is truncated and still answered 202 (kept with `truncated: true`)
 *   secops    POST <path>:importPushLogs: no X-goog-api-key 403, an invalid one 400 with reason
 *             API_KEY_INVALID (as Google APIs answer), a wrong X-Webhook-Access-Key 401;
 *             newline-separated JSON; one invalid event rejects the whole request (400); over
 *             4 MB 413 (the limit is documented, the answer is Google's front end's usual one)
 *   ndjson    POST <path>: optional bearer/basic check (401); each line JSON, else 400
 *   json-array  POST <path>: optional bearer/basic check (401); a JSON array, else 400
 *
 * Every kind decodes Content-Encoding gzip, answers 413 over its body limit, and takes faults
 * (status with Retry-After, connection resets, delays, a refused event id) and configuration
 * through /__ control routes. It runs in its own process (`startHttpReceiver` spawns this file),
 * so a test or benchmark measures the sink, not the receiver sharing its event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { stopChild } from './receiver-process.ts';

export type ReceiverKind = 'sumo' | 'datadog' | 'secops' | 'ndjson' | 'json-array';

export interface HttpReceiverOptions {
  readonly kind: ReceiverKind;
  /** sumo: the URL token; datadog: the API key; secops: the API key; ndjson/json-array: bearer token. */
  readonly token?: string;
  /** secops: the feed's webhook secret. */
  readonly secret?: string;
  /** ndjson/json-array: basic auth user and password instead of a bearer token. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** Uncompressed body limit; the vendor's documented one by default. */
  readonly maxBodyBytes?: number;
  /** 'count' keeps totals only (benchmarks); 'all' keeps every event. */
  readonly store?: 'all' | 'count';
  /** Serve HTTPS with this certificate and key (test/infra/hec-receiver.ts makeSelfSignedCert). */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
}

/** One record as the receiver stored it. */
export interface ReceivedEvent {
  /** The record (datadog: the entry's message parsed). */
  readonly event: Record<string, unknown>;
  readonly gzip: boolean;
  /** The request headers this kind documents (x-sumo-*, content-type...). */
  readonly headers: Record<string, string>;
  /** datadog: the entry's reserved attributes. */
  readonly attributes?: Record<string, unknown>;
  readonly truncated?: boolean;
}

export interface HttpReceiverStats {
  readonly events: number;
  readonly requests: number;
  readonly gzipRequests: number;
  readonly wireBytes: number;
  readonly largestBody: number;
  readonly statuses: Record<string, number>;
}

export interface HttpFault {
  readonly status?: number;
  readonly body?: string;
  readonly count: number;
  readonly retryAfter?: string;
  readonly destroy?: boolean;
  readonly delayMs?: number;
  /** Only requests at least this large (Content-Length) get the fault. */
  readonly minBodyBytes?: number;
}

export interface HttpReceiverConfig {
  readonly maxBodyBytes?: number;
  /** Requests holding one of these event ids are refused as the vendor refuses bad content (400). */
  readonly rejectEventIds?: readonly string[];
}

export interface HttpReceiver {
  readonly kind: ReceiverKind;
  /** The URL to give the sink (sumo: with the token in its path). */
  readonly url: string;
  readonly token: string;
  events(): Promise<ReceivedEvent[]>;
  stats(): Promise<HttpReceiverStats>;
  fault(fault: HttpFault): Promise<void>;
  configure(config: HttpReceiverConfig): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_LIMITS: Record<ReceiverKind, number> = {
  sumo: 1_000_000,
  datadog: 5_000_000,
  secops: 4_000_000,
  ndjson: 10_000_000,
  'json-array': 10_000_000,
};

// --- the server (child process) -----------------------------------------------------------------

interface ServerState {
  readonly options: HttpReceiverOptions & { readonly token: string };
  readonly events: ReceivedEvent[];
  faults: HttpFault[];
  config: HttpReceiverConfig;
  stats: {
    events: number;
    requests: number;
    gzipRequests: number;
    wireBytes: number;
    largestBody: number;
    statuses: Record<string, number>;
  };
}

type Verdict = { status: number; body: unknown; headers?: Record<string, string> };

function serve(options: HttpReceiverOptions & { token: string }): void {
  const state: ServerState = {
    options,
    events: [],
    faults: [],
    config: {},
    stats: { events: 0, requests: 0, gzipRequests: 0, wireBytes: 0, largestBody: 0, statuses: {} },
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(state, req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        process.stderr.write(`receiver error: ${String(err)}\n`);
        if (!res.headersSent) send(res, { status: 500, body: { error: 'receiver bug' } });
      });
    });
  };
  const server = options.tls
    ? createTlsServer(
        { cert: readFileSync(options.tls.certPath), key: readFileSync(options.tls.keyPath) },
        handler,
      )
    : createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`http receiver on ${options.tls ? 'https' : 'http'}://127.0.0.1:${port}\n`);
  });
  process.stdin.on('end', () => process.exit(0)).resume();
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse, raw: Buffer) {
  const path = req.url ?? '/';
  if (path.startsWith('/__')) return control(state, req, res, path, raw);
  const fault = takeFault(state, raw.length);
  if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault?.destroy) {
    req.socket.destroy();
    return;
  }
  state.stats.requests++;
  state.stats.wireBytes += raw.length;
  const verdict: Verdict =
    fault?.status !== undefined
      ? {
          status: fault.status,
          body: fault.body ?? { error: `fault ${fault.status}` },
          ...(fault.retryAfter === undefined ? {} : { headers: { 'retry-after': fault.retryAfter } }),
        }
      : receive(state, req, path, raw);
  state.stats.statuses[verdict.status] = (state.stats.statuses[verdict.status] ?? 0) + 1;
  send(res, verdict);
}

function takeFault(state: ServerState, bytes: number): HttpFault | undefined {
  const i = state.faults.findIndex((f) => f.count > 0 && bytes >= (f.minBodyBytes ?? 0));
  if (i < 0) return undefined;
  const f = state.faults[i]!;
  state.faults[i] = { ...f, count: f.count - 1 };
  return f;
}

function send(res: ServerResponse, v: Verdict): void {
  const text = typeof v.body === 'string' ? v.body : JSON.stringify(v.body);
  res.writeHead(v.status, { 'content-type': 'application/json', ...(v.headers ?? {}) });
  res.end(text);
}

/** The vendor's documented checks, in the order its front end applies them. */
function receive(state: ServerState, req: IncomingMessage, path: string, raw: Buffer): Verdict {
  const { options } = state;
  if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
  const auth = checkAuth(options, req, path);
  if (auth !== undefined) return auth;
  const gzip = req.headers['content-encoding'] === 'gzip';
  let body: Buffer;
  try {
    body = gzip ? gunzipSync(raw) : raw;
  } catch {
    return { status: 400, body: { error: 'bad gzip body' } };
  }
  if (gzip) state.stats.gzipRequests++;
  const limit = state.config.maxBodyBytes ?? options.maxBodyBytes ?? DEFAULT_LIMITS[options.kind];
  if (body.length > limit) return { status: 413, body: { error: `body ${body.length} > ${limit} bytes` } };
  state.stats.largestBody = Math.max(state.stats.largestBody, body.length);
  const text = body.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(body)) return { status: 400, body: { error: 'not valid UTF-8' } };
  const parsed = options.kind === 'datadog' ? datadogEntries(text) : bodyEntries(options.kind, text);
  if ('error' in parsed) return { status: 400, body: googleish(options.kind, parsed.error) };
  const refused = state.config.rejectEventIds ?? [];
  if (parsed.events.some((e) => refused.includes(String(e.event.event_id)))) {
    return { status: 400, body: googleish(options.kind, 'refused event') };
  }
  const headers = keptHeaders(options.kind, req);
  state.stats.events += parsed.events.length;
  if (options.store !== 'count') for (const e of parsed.events) state.events.push({ ...e, gzip, headers });
  return options.kind === 'datadog' ? { status: 202, body: {} } : { status: 200, body: '' };
}

function checkAuth(
  options: HttpReceiverOptions & { token: string },
  req: IncomingMessage,
  path: string,
): Verdict | undefined {
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  switch (options.kind) {
    case 'sumo':
      return path === `/receiver/v1/http/${options.token}`
        ? undefined
        : { status: 401, body: 'HTTP request was rejected due to missing or invalid URL token.' };
    case 'datadog': {
      if (path.split('?')[0] !== '/api/v2/logs') return { status: 404, body: { errors: ['Not found'] } };
      const key = h('dd-api-key');
      if (key === undefined) return { status: 401, body: { errors: ['Unauthorized'] } };
      return key === options.token ? undefined : { status: 403, body: { errors: ['Forbidden'] } };
    }
    case 'secops': {
      if (!path.split('?')[0]!.endsWith(':importPushLogs')) return { status: 404, body: 'Not Found' };
      const key = h('x-goog-api-key');
      if (key === undefined) {
        return {
          status: 403,
          body: googleError(403, 'The request is missing a valid API key.', 'PERMISSION_DENIED'),
        };
      }
      if (key !== options.token) {
        return {
          status: 400,
          body: googleError(
            400,
            'API key not valid. Please pass a valid API key.',
            'INVALID_ARGUMENT',
            'API_KEY_INVALID',
          ),
        };
      }
      return h('x-webhook-access-key') === options.secret
        ? undefined
        : { status: 401, body: googleError(401, 'Invalid secret.', 'UNAUTHENTICATED') };
    }
    default: {
      const expected =
        options.basic !== undefined
          ? `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}`
          : options.token === ''
            ? undefined
            : `Bearer ${options.token}`;
      if (expected === undefined || h('authorization') === expected) return undefined;
      return { status: 401, body: { error: 'unauthorized' } };
    }
  }
}

function googleError(code: number, message: string, status: string, reason?: string) {
  return {
    error: {
      code,
      message,
      status,
      ...(reason === undefined
        ? {}
        : {
            details: [
              { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' },
            ],
          }),
    },
  };
}

function googleish(kind: ReceiverKind, message: string): unknown {
  return kind === 'secops' ? googleError(400, message, 'INVALID_ARGUMENT') : { error: message };
}

type Parsed = { events: Array<Omit<ReceivedEvent, 'gzip' | 'headers'>> } | { error: string };

function bodyEntries(kind: ReceiverKind, text: string): Parsed {
  const events: Array<Omit<ReceivedEvent, 'gzip' | 'headers'>> = [];
  if (kind === 'json-array') {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch {
      return { error: 'body is not JSON' };
    }
    if (!Array.isArray(arr)) return { error: 'body is not a JSON array' };
    for (const e of arr) events.push({ event: e as Record<string, unknown> });
    return { events };
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      events.push({ event: JSON.parse(line) as Record<string, unknown> });
    } catch {
      // Sumo takes any text line; the JSON kinds refuse it.
      if (kind !== 'sumo') return { error: `invalid JSON line: ${line.slice(0, 40)}` };
      events.push({ event: { _raw: line } });
    }
  }
  return { events };
}

const DD_MAX_ENTRIES = 1000;
const DD_MAX_ENTRY_BYTES = 1_000_000;

function datadogEntries(text: string): Parsed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'payload is not JSON' };
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  if (entries.length > DD_MAX_ENTRIES) return { error: `more than ${DD_MAX_ENTRIES} entries` };
  const events: Array<Omit<ReceivedEvent, 'gzip' | 'headers'>> = [];
  for (const entry of entries as Array<Record<string, unknown>>) {
    const { message, ...attributes } = entry;
    if (typeof message !== 'string') return { error: 'entry without a message string' };
    const truncated = Buffer.byteLength(JSON.stringify(entry)) > DD_MAX_ENTRY_BYTES;
    let event: Record<string, unknown>;
    try {
      event = truncated
        ? { _truncated: message.slice(0, 100) }
        : (JSON.parse(message) as Record<string, unknown>);
    } catch {
      event = { _raw: message };
    }
    events.push({ event, attributes, ...(truncated ? { truncated } : {}) });
  }
  return { events };
}

function keptHeaders(kind: ReceiverKind, req: IncomingMessage): Record<string, string> {
  const names = [
    'content-type',
    'content-encoding',
    ...(kind === 'sumo' ? ['x-sumo-category', 'x-sumo-name', 'x-sumo-host'] : []),
  ];
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = req.headers[n];
    if (typeof v === 'string') out[n] = v;
  }
  for (const [n, v] of Object.entries(req.headers))
    if (n.startsWith('x-test-') && typeof v === 'string') out[n] = v;
  return out;
}

function control(state: ServerState, req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer) {
  const body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  if (path === '/__events' && req.method === 'GET') return send(res, { status: 200, body: state.events });
  if (path === '/__stats' && req.method === 'GET') return send(res, { status: 200, body: state.stats });
  if (path === '/__faults' && req.method === 'POST') {
    state.faults.push(body as HttpFault);
    return send(res, { status: 200, body: {} });
  }
  if (path === '/__config' && req.method === 'POST') {
    state.config = { ...state.config, ...(body as HttpReceiverConfig) };
    return send(res, { status: 200, body: {} });
  }
  return send(res, { status: 404, body: { error: 'unknown control route' } });
}

// --- the handle (test process) ------------------------------------------------------------------

const SELF = fileURLToPath(import.meta.url);

/** Starts a receiver of `kind` in a child process on a free loopback port. */
export async function startHttpReceiver(options: HttpReceiverOptions): Promise<HttpReceiver> {
  const plain = options.kind === 'ndjson' || options.kind === 'json-array';
  // A plain webhook checks auth only when the test asks for it; the vendors always do.
  const token =
    options.token ?? (plain ? '' : `tok${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`);
  const full = { ...options, token };
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve'], {
    env: { PATH: process.env.PATH, HTTP_RECEIVER: JSON.stringify(full) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const base = await listening(child, () => stderr);
  const dispatcher = new Agent(
    options.tls ? { connect: { ca: readFileSync(options.tls.certPath, 'utf8') } } : {},
  );
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const res = await request(`${base}${path}`, {
      method,
      dispatcher,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`receiver control ${path} answered ${res.statusCode}`);
    return JSON.parse(text);
  };
  const url =
    options.kind === 'sumo'
      ? `${base}/receiver/v1/http/${token}`
      : options.kind === 'datadog'
        ? `${base}/api/v2/logs`
        : options.kind === 'secops'
          ? `${base}/v1alpha/projects/p/locations/us/instances/i/feeds/f:importPushLogs`
          : `${base}/ingest`;
  return {
    kind: options.kind,
    url,
    token,
    events: async () => (await call('GET', '/__events')) as ReceivedEvent[],
    stats: async () => (await call('GET', '/__stats')) as HttpReceiverStats,
    fault: async (f) => {
      await call('POST', '/__faults', f);
    },
    configure: async (c) => {
      await call('POST', '/__config', c);
    },
    stop: async () => {
      await dispatcher.close().catch(() => {});
      await stopChild(child);
    },
  };
}

function listening(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: string) => {
      out += d;
      const m = /http receiver on (https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(m[1]);
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`receiver exited (${code}) before listening: ${stderr()}`)),
    );
    child.once('error', reject);
  });
}

if (process.argv.includes('--serve') && process.argv[1] === SELF) {
  serve(JSON.parse(process.env.HTTP_RECEIVER ?? '{}') as HttpReceiverOptions & { token: string });
}
