import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Simulator, SimulatorInfo } from '../../../src/simulator/index.js';
import {
  bearer,
  downloadUrl,
  get,
  json,
  listPage,
  listUrl,
  sha256,
  startSim,
  WORKSPACE,
} from './sim-http.js';

const AFTER = '2026-07-09T12:05:00Z';
const LIST = { event_type: 'CONVERSATION_MESSAGE', after: AFTER };

async function signedUrl(info: SimulatorInfo, fileId: string): Promise<string> {
  const r = await get(downloadUrl(info, WORKSPACE, fileId), bearer(info.apiKey));
  assert.equal(r.status, 307);
  return String(r.headers.location);
}

/** Reads a body until it ends or fails; reports what arrived and how it ended. */
async function drain(url: string, options: { bodyTimeout?: number; signal?: AbortSignal } = {}) {
  const res = await request(url, options);
  let bytes = 0;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.body) {
      bytes += chunk.length;
      chunks.push(chunk);
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      bytes,
      body: Buffer.concat(chunks),
      error: undefined,
    };
  } catch (error) {
    return {
      status: res.statusCode,
      headers: res.headers,
      bytes,
      body: Buffer.concat(chunks),
      error: error as Error & { code?: string },
    };
  }
}

function bigFile(sim: Simulator) {
  return sim
    .listFiles(WORKSPACE, 'CONVERSATION_MESSAGE', AFTER)
    .reduce((a, b) => (b.sizeBytes > a.sizeBytes ? b : a));
}

test('5xx on list and download, by ratio and capped by count, from a seeded sequence', async (t) => {
  const { sim, info } = await startSim(t, { faults: { listServerErrors: 1 } });
  const r = await get(listUrl(info, WORKSPACE, LIST), bearer(info.apiKey));
  assert.equal(r.status, 503);
  assert.equal(json<{ error: { type: string } }>(r).error.type, 'server_error');
  sim.setFaults({ listServerErrors: 0, downloadServerErrors: { ratio: 1, count: 2 } });
  const file = sim.listFiles(WORKSPACE, 'AUDIT_LOG', AFTER)[0]!;
  const statuses = [];
  for (let i = 0; i < 3; i++)
    statuses.push((await get(downloadUrl(info, WORKSPACE, file.id), bearer(info.apiKey))).status);
  assert.ok(statuses[0]! >= 500 && statuses[1]! >= 500, String(statuses));
  assert.equal(statuses[2], 307);
  assert.equal(sim.stats().serverErrors, 3);

  const pattern = async (seed: string) => {
    const other = await startSim(t, { seed, faults: { listServerErrors: 0.5, rateLimit: { list: null } } });
    const out: number[] = [];
    for (let i = 0; i < 16; i++)
      out.push((await get(listUrl(other.info, WORKSPACE, LIST), bearer(other.info.apiKey))).status);
    return out;
  };
  const first = await pattern('dice');
  assert.deepEqual(await pattern('dice'), first);
  assert.ok(first.includes(503) && first.includes(200), String(first));
});

test('a reset mid-body aborts the connection after part of the file', async (t) => {
  const { sim, info } = await startSim(t, { faults: { resetMidBody: 1 } });
  const file = bigFile(sim);
  const result = await drain(await signedUrl(info, file.id));
  assert.equal(result.status, 200);
  assert.ok(result.error !== undefined, 'the body fails');
  assert.ok(result.bytes < file.sizeBytes);
  assert.equal(sim.stats().resets, 1);
});

test('a truncated body ends cleanly but disagrees with the listed size and digest', async (t) => {
  const { sim, info } = await startSim(t, { faults: { truncatedBody: { ratio: 1, count: 1 } } });
  const item = (await listPage(info, WORKSPACE, LIST)).data[0]!;
  const cut = await drain(await signedUrl(info, item.id));
  assert.equal(cut.error, undefined);
  assert.equal(cut.bytes, Math.floor(item.file_size / 2));
  assert.notEqual(sha256(cut.body), item.file_sha256);
  const whole = await drain(await signedUrl(info, item.id));
  assert.equal(sha256(whole.body), item.file_sha256, 'the count budget is spent: the next download is whole');
  assert.equal(sim.stats().truncations, 1);
});

test('a stalled body sends headers and part of the file, then nothing, until the client gives up', async (t) => {
  const { sim, info } = await startSim(t, { faults: { stall: 1 } });
  const file = bigFile(sim);
  const result = await drain(await signedUrl(info, file.id), { bodyTimeout: 300 });
  assert.equal(result.status, 200);
  assert.equal(Number(result.headers['content-length']), file.sizeBytes);
  assert.equal(result.error?.code, 'UND_ERR_BODY_TIMEOUT');
  assert.equal(result.bytes, Math.floor(file.sizeBytes / 2));
  assert.equal(sim.stats().stalls, 1);
});

test('slow bodies and the per-connection bandwidth cap trickle the bytes', async (t) => {
  for (const faults of [{ slowBody: { bytesPerSecond: 4000 } }, { bandwidthBytesPerSecond: 4000 }]) {
    const { sim, info } = await startSim(t, { faults });
    const file = bigFile(sim);
    const controller = new AbortController();
    const reading = drain(await signedUrl(info, file.id), { signal: controller.signal });
    await sleep(400);
    controller.abort();
    const result = await reading;
    // Far less than the file: at 4 kB/s the ~100 kB file would take half a minute.
    assert.ok(
      result.bytes < file.sizeBytes / 4,
      `${JSON.stringify(faults)}: ${result.bytes} of ${file.sizeBytes}`,
    );
  }
});

test('first-byte latency holds the response back', async (t) => {
  const { sim, info } = await startSim(t, { faults: { firstByteLatencyMs: 10_000 } });
  const file = sim.listFiles(WORKSPACE, 'AUDIT_LOG', AFTER)[0]!;
  await assert.rejects(
    request(downloadUrl(info, WORKSPACE, file.id), { headers: bearer(info.apiKey), headersTimeout: 300 }),
    (err: Error & { code?: string }) => err.code === 'UND_ERR_HEADERS_TIMEOUT',
  );
});

test('expired files answer 404, by id or by ratio', async (t) => {
  const { sim, info } = await startSim(t);
  const [a, b] = sim.listFiles(WORKSPACE, 'AUDIT_LOG', AFTER);
  sim.setFaults({ expiredFiles: { fileIds: [a!.id] } });
  const gone = await get(downloadUrl(info, WORKSPACE, a!.id), bearer(info.apiKey));
  assert.equal(gone.status, 404);
  assert.equal(json<{ error: { code: string } }>(gone).error.code, 'file_expired');
  assert.equal((await get(downloadUrl(info, WORKSPACE, b!.id), bearer(info.apiKey))).status, 307);
  sim.setFaults({ expiredFiles: { ratio: 1 } });
  assert.equal((await get(downloadUrl(info, WORKSPACE, b!.id), bearer(info.apiKey))).status, 404);
  assert.equal(sim.stats().expiredFiles, 2);
});

test('faults change at run time through the control endpoint', async (t) => {
  const { sim, info } = await startSim(t);
  const post = (body: unknown) =>
    request(`${info.apiOrigin}/__control/faults`, { method: 'POST', body: JSON.stringify(body) });
  const ok = await post({ listServerErrors: 1, crlf: 0.5 });
  assert.equal(ok.statusCode, 200);
  assert.equal(((await ok.body.json()) as { crlf: number }).crlf, 0.5);
  assert.equal((await get(listUrl(info, WORKSPACE, LIST), bearer(info.apiKey))).status, 503);
  assert.equal(sim.faults().listServerErrors.ratio, 1);
  const bad = await post({ listServerErrors: 3, nonsense: true });
  assert.equal(bad.statusCode, 400);
  const message = ((await bad.body.json()) as { error: { message: string } }).error.message;
  assert.match(message, /listServerErrors/);
  assert.match(message, /nonsense/);
  const reset = await request(`${info.apiOrigin}/__control/faults`, { method: 'DELETE' });
  await reset.body.dump();
  assert.equal((await get(listUrl(info, WORKSPACE, LIST), bearer(info.apiKey))).status, 200);
  const stats = json<{ listRequests: number; serverErrors: number }>(
    await get(`${info.apiOrigin}/__control/stats`),
  );
  assert.equal(stats.listRequests, 2);
  assert.equal(stats.serverErrors, 1);
  assert.throws(() => sim.setFaults({ crlf: 2 }), /crlf/);
});
