import { createHash } from 'node:crypto';
import { after, before, type TestContext } from 'node:test';
import { request } from 'undici';
import {
  type ListPage,
  Simulator,
  type SimulatorInfo,
  type SimulatorOptions,
} from '../../../src/simulator/index.js';

/** A fixed "now" so catalogs do not move while a test runs (windows end on 10-minute marks). */
export const NOW = new Date('2026-07-09T13:05:00Z');
export const WORKSPACE = '0b6c1e3a-8f2d-4c5e-9a7b-1d2e3f4a5b6c';
export const ORG = 'org-p13k3klgno5cqxbf0q8hpgrk';

/** Starts a simulator (frozen clock unless given) and stops it when the test ends. */
export async function startSim(
  t: TestContext,
  options: SimulatorOptions = {},
): Promise<{ sim: Simulator; info: SimulatorInfo }> {
  const sim = new Simulator({ clock: () => NOW, ...options });
  const info = await sim.start();
  t.after(() => sim.stop());
  return { sim, info };
}

/**
 * One simulator for a whole describe() block: started in before(), stopped in after().
 * Read `.sim` and `.info` inside the tests (they are set once before() ran).
 */
export function useSim(options: SimulatorOptions = {}): { sim: Simulator; info: SimulatorInfo } {
  const holder = {} as { sim: Simulator; info: SimulatorInfo };
  before(async () => {
    holder.sim = new Simulator({ clock: () => NOW, ...options });
    holder.info = await holder.sim.start();
  });
  after(() => holder.sim?.stop());
  return holder;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GET without following redirects; the whole body is read. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await request(url, { method: 'GET', headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

export function json<T = Record<string, unknown>>(r: HttpResult): T {
  return JSON.parse(r.body.toString('utf8')) as T;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export function listUrl(
  info: SimulatorInfo,
  principalId: string,
  query: Record<string, string | string[]>,
): string {
  const route = principalId.startsWith('org-') ? 'organizations' : 'workspaces';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  return `${info.baseUrl}/${route}/${principalId}/logs?${params}`;
}

export function downloadUrl(info: SimulatorInfo, principalId: string, fileId: string): string {
  const route = principalId.startsWith('org-') ? 'organizations' : 'workspaces';
  return `${info.baseUrl}/${route}/${principalId}/logs/${fileId}`;
}

export async function listPage(
  info: SimulatorInfo,
  principalId: string,
  query: Record<string, string | string[]>,
  key = info.apiKey,
): Promise<ListPage> {
  const r = await get(listUrl(info, principalId, query), bearer(key));
  if (r.status !== 200) throw new Error(`list answered ${r.status}: ${r.body.toString()}`);
  return json<ListPage>(r);
}

/** Download as a well-behaved client does: the API with the key, the signed URL without it. */
export async function download(
  info: SimulatorInfo,
  principalId: string,
  fileId: string,
  key = info.apiKey,
): Promise<Buffer> {
  const first = await get(downloadUrl(info, principalId, fileId), bearer(key));
  if (first.status !== 307) throw new Error(`download answered ${first.status}: ${first.body.toString()}`);
  const second = await get(String(first.headers.location));
  if (second.status !== 200)
    throw new Error(`signed URL answered ${second.status}: ${second.body.toString()}`);
  return second.body;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** The lines of a JSONL body (LF-terminated), without the terminators. */
export function lines(body: Buffer): string[] {
  const out = body.toString('utf8').split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}
