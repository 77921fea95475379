import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, downloadUrl, get, json, listUrl, startSim, WORKSPACE } from './sim-http.js';

const AFTER = '2026-07-09T12:05:00Z';
const OTHER_KEY = 'second-key-with-own-budget';

test('downloads are limited to 50 a minute per key by default: 429 with Retry-After in seconds', async (t) => {
  const { sim, info } = await startSim(t, {
    keys: [
      { key: 'first-key-0001', scopes: '*' },
      { key: OTHER_KEY, scopes: '*' },
    ],
  });
  const file = sim.listFiles(WORKSPACE, 'AUDIT_LOG', AFTER)[0]!;
  const url = downloadUrl(info, WORKSPACE, file.id);
  for (let i = 0; i < 50; i++)
    assert.equal((await get(url, bearer(info.apiKey))).status, 307, `download ${i + 1}`);
  const limited = await get(url, bearer(info.apiKey));
  assert.equal(limited.status, 429);
  const retryAfter = String(limited.headers['retry-after']);
  assert.match(retryAfter, /^\d+$/);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, retryAfter);
  assert.equal(json<{ error: { type: string } }>(limited).error.type, 'rate_limit_error');
  // Per endpoint and per key: listing and another key are unaffected.
  assert.equal(
    (await get(listUrl(info, WORKSPACE, { event_type: 'AUDIT_LOG', after: AFTER }), bearer(info.apiKey)))
      .status,
    200,
  );
  assert.equal((await get(url, bearer(OTHER_KEY))).status, 307);
  const stats = sim.stats();
  assert.equal(stats.rateLimited, 1);
  assert.equal(stats.rateLimitedDownload, 1);
});

test('a time-scaled limit lets a client through again once it waited Retry-After', async (t) => {
  const { info, sim } = await startSim(t, { faults: { rateLimit: { list: { limit: 2, windowMs: 1200 } } } });
  const url = listUrl(info, WORKSPACE, { event_type: 'AUTH_LOG', after: AFTER, limit: '1' });
  assert.equal((await get(url, bearer(info.apiKey))).status, 200);
  assert.equal((await get(url, bearer(info.apiKey))).status, 200);
  const limited = await get(url, bearer(info.apiKey));
  assert.equal(limited.status, 429);
  const waitS = Number(limited.headers['retry-after']);
  assert.ok(waitS === 1 || waitS === 2, String(waitS));
  await sleep(waitS * 1000);
  assert.equal((await get(url, bearer(info.apiKey))).status, 200);
  assert.equal(sim.stats().rateLimitedList, 1);
});

test('a null limit disables it', async (t) => {
  const { info, sim } = await startSim(t, { faults: { rateLimit: { download: null } } });
  const file = sim.listFiles(WORKSPACE, 'AUDIT_LOG', AFTER)[0]!;
  for (let i = 0; i < 60; i++) {
    assert.equal((await get(downloadUrl(info, WORKSPACE, file.id), bearer(info.apiKey))).status, 307);
  }
  assert.equal(sim.stats().rateLimited, 0);
});
