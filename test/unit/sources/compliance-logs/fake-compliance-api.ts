import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Secret } from '../../../../src/core/secret.js';
import type { BackoffPolicy } from '../../../../src/http/index.js';
import {
  type ComplianceClientOptions,
  ComplianceLogsClient,
  type FileDescriptor,
} from '../../../../src/sources/compliance-logs/index.js';
import { type LocalServer, type SeenRequest, sendJson, startServer } from '../../http/local-server.js';

export const WORKSPACE_ID = '11111111-2222-4333-8444-555555555555';
export const API_KEY = 'sk-admin-fake-0123456789abcdef';
export const FAST_RETRY: BackoffPolicy = { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 5, multiplier: 2 };

export function descriptor(id: string, endTime: string, content: Buffer = Buffer.from(`{"n":"${id}"}\n`)) {
  return {
    id,
    event_type: 'AUTH_LOG',
    end_time: endTime,
    file_name: `AUTH_LOG_${endTime}.jsonl`,
    file_size: content.length,
    file_sha256: createHash('sha256').update(content).digest('hex'),
  } satisfies FileDescriptor;
}

/** The List semantics of the real API over an in-memory catalogue: strict after/before, ascending. */
export function listAnswer(files: FileDescriptor[], query: URLSearchParams) {
  const after = Date.parse(query.get('after') ?? '');
  const beforeParam = query.get('before');
  const before = beforeParam === null ? Number.POSITIVE_INFINITY : Date.parse(beforeParam);
  const limit = Number(query.get('limit') ?? 100);
  const matching = files
    .filter((f) => Date.parse(f.end_time) > after && Date.parse(f.end_time) < before)
    .sort((a, b) => Date.parse(a.end_time) - Date.parse(b.end_time) || a.id.localeCompare(b.id));
  const data = matching.slice(0, limit);
  return { data, has_more: matching.length > limit, last_end_time: data.at(-1)?.end_time ?? null };
}

export type SignedHandler = (req: IncomingMessage, res: ServerResponse, fileId: string, call: number) => void;

export interface FakeApiOptions {
  files?: FileDescriptor[];
  contents?: Map<string, Buffer>;
  /** Overrides List. */
  list?: (res: ServerResponse, query: URLSearchParams, seen: SeenRequest) => void;
  /** Overrides Download (the API host's answer); default a 307 to the signed host. */
  download?: (res: ServerResponse, fileId: string, call: number, signedOrigin: string) => void;
  /** Overrides the signed host; default serves the content. `call` counts from 1 per file. */
  signed?: SignedHandler;
  /** Any other path on the API host. */
  other?: (res: ServerResponse, seen: SeenRequest) => void;
}

export interface FakeApi {
  api: LocalServer;
  signed: LocalServer;
  baseUrl: string;
  downloadCalls(fileId: string): number;
  client(overrides?: Partial<ComplianceClientOptions>): ComplianceLogsClient;
  close(): Promise<void>;
}

export function serveContent(res: ServerResponse, content: Buffer) {
  res.writeHead(200, { 'content-type': 'application/jsonl', 'content-length': content.length });
  res.end(content);
}

/** A Compliance API on one port and its signed-URL host on another, like the real thing. */
export async function startFakeApi(opts: FakeApiOptions = {}): Promise<FakeApi> {
  const downloads = new Map<string, number>();
  const signedCalls = new Map<string, number>();
  const contents = opts.contents ?? new Map<string, Buffer>();
  const signed = await startServer((req, res, seen) => {
    const fileId = decodeURIComponent(seen.url.pathname.split('/').pop() ?? '');
    const call = (signedCalls.get(fileId) ?? 0) + 1;
    signedCalls.set(fileId, call);
    if (opts.signed) return opts.signed(req, res, fileId, call);
    const content = contents.get(fileId);
    if (!content) return sendJson(res, 404, { message: 'no such object' });
    serveContent(res, content);
  });
  const prefix = `/v1/compliance/workspaces/${WORKSPACE_ID}/logs`;
  const api = await startServer((_req, res, seen) => {
    const path = seen.url.pathname;
    if (path === prefix) {
      if (opts.list) return opts.list(res, seen.url.searchParams, seen);
      return sendJson(res, 200, listAnswer(opts.files ?? [], seen.url.searchParams));
    }
    if (path.startsWith(`${prefix}/`)) {
      const fileId = decodeURIComponent(path.slice(prefix.length + 1));
      const call = (downloads.get(fileId) ?? 0) + 1;
      downloads.set(fileId, call);
      if (opts.download) return opts.download(res, fileId, call, signed.origin);
      res.writeHead(307, { location: `${signed.origin}/bucket/${encodeURIComponent(fileId)}?sig=s${call}` });
      return res.end();
    }
    if (opts.other) return opts.other(res, seen);
    sendJson(res, 404, { detail: 'Not Found' });
  });
  const baseUrl = `${api.origin}/v1/compliance`;
  const clients: ComplianceLogsClient[] = [];
  return {
    api,
    signed,
    baseUrl,
    downloadCalls: (fileId) => downloads.get(fileId) ?? 0,
    client(overrides = {}) {
      const c = new ComplianceLogsClient({
        baseUrl,
        apiKey: new Secret(API_KEY),
        principalId: WORKSPACE_ID,
        retry: FAST_RETRY,
        ...overrides,
      });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await api.close();
      await signed.close();
    },
  };
}

/** Reads a stream to the end; rejects with its error. */
export async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
