import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearer, get, json, NOW, useSim } from './sim-http.ts';

interface Page {
  object: string;
  data: Array<{ id: string; type: string; effective_at: number; actor: { type: string } }>;
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

describe('GET /v1/organization/audit_logs', () => {
  const s = useSim({
    seed: 'audit-route',
    faults: { rateLimit: { list: { limit: 30, windowMs: 60_000 }, download: null } },
  });
  const nowSec = Math.floor(NOW.getTime() / 1000);
  const url = (q: string) => `${s.info.apiBase}/organization/audit_logs?${q}`;

  test('pages newest first with after=last_id, without gaps or repeats, limit 20 by default', async () => {
    const lo = nowSec - 3600;
    const expected = s.sim
      .auditLogEvents(lo - 1, nowSec + 1)
      .map((e) => e.id)
      .reverse();
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const r = await get(
        url(`effective_at[gte]=${lo}&effective_at[lte]=${nowSec}${cursor}`),
        bearer(s.info.apiKey),
      );
      assert.equal(r.status, 200);
      const page = json<Page>(r);
      assert.equal(page.object, 'list');
      assert.ok(page.data.length <= 20);
      seen.push(...page.data.map((e) => e.id));
      assert.equal(page.last_id, page.data.at(-1)?.id ?? null);
      if (!page.has_more) break;
      cursor = `&after=${page.last_id}`;
    }
    assert.deepEqual(seen, expected);
    const times = s.sim.auditLogEvents(lo - 1, nowSec + 1).map((e) => e.effectiveAt);
    assert.ok(
      times.some((t, i) => i > 0 && t === times[i - 1]),
      'some events share an effective_at second',
    );
  });

  test('filters by event type, and `before` pages back towards newer events', async () => {
    const all = json<Page>(await get(url('limit=100&event_types[]=login.failed'), bearer(s.info.apiKey)));
    assert.ok(all.data.length > 2);
    assert.ok(all.data.every((e) => e.type === 'login.failed'));
    const older = json<Page>(
      await get(url(`limit=2&event_types[]=login.failed&after=${all.data[0]!.id}`), bearer(s.info.apiKey)),
    );
    assert.deepEqual(
      older.data.map((e) => e.id),
      all.data.slice(1, 3).map((e) => e.id),
    );
    const newer = json<Page>(
      await get(url(`limit=1&event_types[]=login.failed&before=${all.data[2]!.id}`), bearer(s.info.apiKey)),
    );
    assert.deepEqual(
      newer.data.map((e) => e.id),
      [all.data[1]!.id],
    );
  });

  test('answers 401 without a key, 400 for a bad limit or cursor, 429 with Retry-After past the limit', async () => {
    assert.equal((await get(url('limit=5'))).status, 401);
    const bad = await get(url('limit=101'), bearer(s.info.apiKey));
    assert.equal(bad.status, 400);
    assert.match(json<{ error: { message: string } }>(bad).error.message, /limit/);
    assert.equal((await get(url('after=nope'), bearer(s.info.apiKey))).status, 400);
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      const r = await get(url('limit=1'), bearer(s.info.apiKey));
      if (r.status === 429) limited = r;
    }
    assert.ok(limited !== undefined, 'the rate limit answered 429');
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
  });
});
