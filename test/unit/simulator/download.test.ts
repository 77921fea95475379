import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bearer,
  download,
  downloadUrl,
  get,
  json,
  listPage,
  ORG,
  readAll,
  sha256,
  startSim,
  useSim,
  WORKSPACE,
} from './sim-http.js';

const AFTER = '2026-07-09T12:05:00Z';

describe('simulator download', () => {
  const s = useSim();
  const firstFile = async (principal = WORKSPACE, type = 'AUDIT_LOG') =>
    (await listPage(s.info, principal, { event_type: type, after: AFTER, limit: '1' })).data[0]!;

  test('answers 307 to a signed URL on a second origin that serves the listed bytes without a key', async () => {
    const item = await firstFile();
    const r = await get(downloadUrl(s.info, WORKSPACE, item.id), bearer(s.info.apiKey));
    assert.equal(r.status, 307);
    const location = new URL(String(r.headers.location));
    assert.equal(location.origin, s.info.downloadOrigin);
    assert.notEqual(location.port, String(s.info.port));
    assert.equal(location.hostname, '127.0.0.1');
    const body = await get(location.href);
    assert.equal(body.status, 200);
    assert.equal(Number(body.headers['content-length']), item.file_size);
    assert.equal(sha256(body.body), item.file_sha256);
  });

  test('the signed origin refuses a request that carries Authorization, and counts it', async () => {
    const item = await firstFile();
    const before = s.sim.stats();
    const r = await get(downloadUrl(s.info, WORKSPACE, item.id), bearer(s.info.apiKey));
    const leaked = await get(String(r.headers.location), bearer(s.info.apiKey));
    assert.equal(leaked.status, 400);
    assert.match(json<{ error: { message: string } }>(leaked).error.message, /Authorization/);
    assert.equal(s.sim.stats().authHeadersOnSigned, before.authHeadersOnSigned + 1);
    // The same URL without the header still works: the refusal is about the header only.
    assert.equal((await get(String(r.headers.location))).status, 200);
    assert.equal(s.sim.stats().authHeadersOnSigned, before.authHeadersOnSigned + 1);
  });

  test('a tampered signed URL is refused', async () => {
    const item = await firstFile();
    const r = await get(downloadUrl(s.info, WORKSPACE, item.id), bearer(s.info.apiKey));
    const url = String(r.headers.location);
    const tampered = url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.equal((await get(tampered)).status, 403);
    assert.equal((await get(`${s.info.downloadOrigin}/signed/nonsense`)).status, 403);
    assert.equal((await get(`${s.info.downloadOrigin}/elsewhere`)).status, 404);
  });

  test('unknown, malformed and foreign file ids answer 404', async () => {
    const item = await firstFile();
    const forged = item.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const other = '7f3e2d1c-0b9a-4877-a665-544332211000';
    for (const [principal, id] of [
      [WORKSPACE, forged],
      [WORKSPACE, 'not-a-file-id'],
      [other, item.id],
    ] as const) {
      const r = await get(downloadUrl(s.info, principal, id), bearer(s.info.apiKey));
      assert.equal(r.status, 404, id);
      assert.equal(typeof json<{ error: { message: string } }>(r).error.message, 'string');
    }
  });

  test('organization files download through the same redirect', async () => {
    const item = await firstFile(ORG, 'APP_LOG');
    const body = await download(s.info, ORG, item.id);
    assert.equal(sha256(body), item.file_sha256);
    assert.equal(JSON.parse(body.toString('utf8').split('\n')[0]!).principal.type, 'API_PLATFORM_ORG');
  });

  test('concurrent downloads each get their own file intact', async () => {
    const page = await listPage(s.info, WORKSPACE, {
      event_type: 'CONVERSATION_MESSAGE',
      after: AFTER,
      limit: '6',
    });
    // A bandwidth cap makes the bodies interleave (otherwise loopback swallows each one at once).
    s.sim.setFaults({ bandwidthBytesPerSecond: 4_000_000 });
    try {
      const bodies = await Promise.all(page.data.map((item) => download(s.info, WORKSPACE, item.id)));
      for (const [i, item] of page.data.entries())
        assert.equal(sha256(bodies[i]!), item.file_sha256, item.id);
    } finally {
      s.sim.resetFaults();
    }
  });

  test('openFile streams the same bytes as the download', async () => {
    const item = await firstFile(WORKSPACE, 'CONVERSATION_MESSAGE');
    const local = await readAll(s.sim.openFile(WORKSPACE, item.id));
    assert.equal(sha256(local), item.file_sha256);
  });
});

describe('simulator signed URL expiry', () => {
  test('a signed URL stops working after its TTL; a new download call gives a fresh one', async (t) => {
    // Long enough that a loaded machine still follows a fresh URL in time; the wait is sleep, not CPU.
    const { sim, info } = await startSim(t, { signedUrlTtlMs: 1500 });
    const file = sim.listFiles(WORKSPACE, 'AUTH_LOG', AFTER)[0]!;
    const r = await get(downloadUrl(info, WORKSPACE, file.id), bearer(info.apiKey));
    await sleep(1600);
    const stale = await get(String(r.headers.location));
    assert.equal(stale.status, 403);
    assert.match(json<{ error: { message: string } }>(stale).error.message, /expired/);
    assert.equal(sim.stats().signedUrlsRefused, 1);
    const fresh = await download(info, WORKSPACE, file.id);
    assert.equal(fresh.length, file.sizeBytes);
  });
});
