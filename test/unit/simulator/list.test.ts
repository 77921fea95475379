import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { ListPage } from '../../../src/simulator/index.js';
import {
  bearer,
  download,
  get,
  json,
  listPage,
  listUrl,
  NOW,
  ORG,
  sha256,
  startSim,
  useSim,
  WORKSPACE,
} from './sim-http.js';

const HOUR_AGO = '2026-07-09T12:05:00Z';

describe('simulator list: parameters', () => {
  const s = useSim();
  const status = async (principal: string, query: Record<string, string | string[]>) => {
    const r = await get(listUrl(s.info, principal, query), bearer(s.info.apiKey));
    return {
      status: r.status,
      error: r.status === 200 ? undefined : json<{ error: { message: string; code: string } }>(r).error,
    };
  };

  test('limit above 100 (or below 1, or not a number) answers 422', async () => {
    for (const limit of ['101', '1000', '0', 'ten', '-1', '2.5']) {
      const r = await status(WORKSPACE, { event_type: 'AUDIT_LOG', after: HOUR_AGO, limit });
      assert.equal(r.status, 422, `limit=${limit}`);
      assert.match(r.error!.message, /limit/);
    }
    assert.equal(
      (await status(WORKSPACE, { event_type: 'AUDIT_LOG', after: HOUR_AGO, limit: '100' })).status,
      200,
    );
  });

  test('a missing after, a malformed timestamp or an unknown event type answers 400', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ event_type: 'AUDIT_LOG' }, /after/],
      [{ event_type: 'AUDIT_LOG', after: 'yesterday' }, /after/],
      [{ event_type: 'AUDIT_LOG', after: '2026-02-30T00:00:00Z' }, /after/],
      [{ event_type: 'AUDIT_LOG', after: '2026-07-09T12:00:00' }, /after/],
      [{ event_type: 'AUDIT_LOG', after: HOUR_AGO, before: '2026-07-09 13:00' }, /before/],
      [{ event_type: 'NOPE_LOG', after: HOUR_AGO }, /NOPE_LOG/],
      [{ event_type: 'COSTS', after: HOUR_AGO }, /COSTS/],
      [{ after: HOUR_AGO }, /event_type/],
    ];
    for (const [query, message] of cases) {
      const r = await status(WORKSPACE, query);
      assert.equal(r.status, 400, JSON.stringify(query));
      assert.match(r.error!.message, message);
    }
    const org = await status(ORG, { event_type: 'CONVERSATION_MESSAGE', after: HOUR_AGO });
    assert.equal(org.status, 400);
  });

  test('malformed or mismatched principal ids answer 404', async () => {
    for (const url of [
      `${s.info.baseUrl}/workspaces/not-a-uuid/logs?event_type=AUDIT_LOG&after=${HOUR_AGO}`,
      `${s.info.baseUrl}/workspaces/${ORG}/logs?event_type=APP_LOG&after=${HOUR_AGO}`,
      `${s.info.baseUrl}/organizations/${WORKSPACE}/logs?event_type=APP_LOG&after=${HOUR_AGO}`,
      `${s.info.baseUrl}/teams/${WORKSPACE}/logs?event_type=APP_LOG&after=${HOUR_AGO}`,
    ]) {
      assert.equal((await get(url, bearer(s.info.apiKey))).status, 404, url);
    }
  });

  test('timestamps are accepted with or without milliseconds and with an offset', async () => {
    const plain = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after: HOUR_AGO });
    for (const after of [
      '2026-07-09T12:05:00.000Z',
      '2026-07-09T14:05:00+02:00',
      '2026-07-09T12:05:00.000000+00:00',
    ]) {
      assert.deepEqual(await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after }), plain, after);
    }
  });

  test('event_type may be repeated or comma-separated; types merge in end_time order', async () => {
    const repeated = await listPage(s.info, WORKSPACE, {
      event_type: ['AUDIT_LOG', 'AUTH_LOG'],
      after: HOUR_AGO,
    });
    const comma = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG,AUTH_LOG', after: HOUR_AGO });
    assert.deepEqual(repeated, comma);
    const types = new Set(repeated.data.map((f) => f.event_type));
    assert.deepEqual([...types].sort(), ['AUDIT_LOG', 'AUTH_LOG']);
    const ends = repeated.data.map((f) => f.end_time);
    assert.deepEqual(ends, [...ends].sort());
  });
});

describe('simulator list: results', () => {
  const s = useSim({ profiles: { AUDIT_LOG: { filesPerWindow: { min: 3, max: 3 } } } });

  test('items have exactly the six fields, ascending end_time, names like the API', async () => {
    const page = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after: HOUR_AGO });
    assert.ok(page.data.length > 0);
    for (const item of page.data) {
      assert.deepEqual(Object.keys(item).sort(), [
        'end_time',
        'event_type',
        'file_name',
        'file_sha256',
        'file_size',
        'id',
      ]);
      assert.match(item.end_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
      assert.equal(item.file_name, `AUDIT_LOG_${item.end_time.slice(0, 19)}+00:00.jsonl`);
      assert.match(item.file_sha256, /^[0-9a-f]{64}$/);
      assert.ok(
        Date.parse(item.end_time) > Date.parse(HOUR_AGO) && Date.parse(item.end_time) <= NOW.getTime(),
      );
    }
    const ends = page.data.map((f) => f.end_time);
    assert.deepEqual(ends, [...ends].sort());
  });

  test('file_size and file_sha256 are those of the downloaded bytes', async () => {
    for (const [principal, type] of [
      [WORKSPACE, 'AUDIT_LOG'],
      [WORKSPACE, 'CONVERSATION_MESSAGE'],
      [ORG, 'COSTS'],
    ] as const) {
      const page = await listPage(s.info, principal, {
        event_type: type,
        after: '2026-07-09T10:00:00Z',
        limit: '2',
      });
      for (const item of page.data) {
        const body = await download(s.info, principal, item.id);
        assert.equal(body.length, item.file_size, `${type} size`);
        assert.equal(sha256(body), item.file_sha256, `${type} digest`);
      }
    }
  });

  test('after and before compare strictly with end_time', async () => {
    const page = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after: HOUR_AGO });
    const end = page.data[3]!.end_time;
    const endMs = Date.parse(end);
    const at = (ms: number) => new Date(ms).toISOString();
    const after = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after: end });
    assert.ok(after.data.every((f) => Date.parse(f.end_time) > endMs));
    const justBefore = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after: at(endMs - 1) });
    assert.equal(justBefore.data[0]!.end_time, end);
    const before = await listPage(s.info, WORKSPACE, {
      event_type: 'AUDIT_LOG',
      after: HOUR_AGO,
      before: end,
    });
    assert.ok(before.data.length > 0 && before.data.every((f) => Date.parse(f.end_time) < endMs));
    const beforeIncl = await listPage(s.info, WORKSPACE, {
      event_type: 'AUDIT_LOG',
      after: HOUR_AGO,
      before: at(endMs + 1),
    });
    assert.equal(beforeIncl.data.at(-1)!.end_time, end);
  });

  test('has_more and last_end_time page through everything; an empty page has last_end_time null', async () => {
    const all = await listPage(s.info, WORKSPACE, { event_type: 'AUTH_LOG', after: HOUR_AGO });
    assert.equal(all.has_more, false);
    assert.equal(all.last_end_time, all.data.at(-1)!.end_time);
    const first = await listPage(s.info, WORKSPACE, { event_type: 'AUTH_LOG', after: HOUR_AGO, limit: '2' });
    assert.equal(first.data.length, 2);
    assert.equal(first.has_more, true);
    assert.equal(first.last_end_time, first.data[1]!.end_time);
    const empty = await listPage(s.info, WORKSPACE, { event_type: 'AUTH_LOG', after: all.last_end_time! });
    assert.deepEqual(empty, { data: [], has_more: false, last_end_time: null });
  });

  test('files sharing one end_time are split by a page boundary, and a strict after skips the rest', async () => {
    const first = await listPage(s.info, WORKSPACE, { event_type: 'AUDIT_LOG', after: HOUR_AGO, limit: '2' });
    assert.equal(first.data[0]!.end_time, first.data[1]!.end_time);
    assert.equal(first.has_more, true);
    const shared = s.sim
      .listFiles(WORKSPACE, 'AUDIT_LOG', HOUR_AGO)
      .filter((f) => f.endTime === first.last_end_time);
    assert.equal(shared.length, 3);
    const next = await listPage(s.info, WORKSPACE, {
      event_type: 'AUDIT_LOG',
      after: first.last_end_time!,
      limit: '2',
    });
    assert.ok(!next.data.some((f) => f.id === shared[2]!.id), 'the third file is past a strict after');
    const overlap = await listPage(s.info, WORKSPACE, {
      event_type: 'AUDIT_LOG',
      after: new Date(Date.parse(first.last_end_time!) - 1).toISOString(),
    });
    assert.ok(
      overlap.data.some((f) => f.id === shared[2]!.id),
      're-querying from just before finds it',
    );
  });
});

describe('simulator list: span and routes', () => {
  test('by default the last 7 days are listed, and paging them matches the catalog', async (t) => {
    const { sim, info } = await startSim(t);
    const weekAgo = new Date(NOW.getTime() - 7 * 86_400_000 - 60_000).toISOString();
    const expected = sim.listFiles(WORKSPACE, 'AUTH_LOG', weekAgo).map((f) => f.id);
    assert.ok(expected.length > 900, `a week of 10-minute files, got ${expected.length}`);
    const ids: string[] = [];
    let after = weekAgo;
    for (;;) {
      const page: ListPage = await listPage(info, WORKSPACE, { event_type: 'AUTH_LOG', after });
      ids.push(...page.data.map((f) => f.id));
      if (!page.has_more) break;
      after = page.last_end_time!;
    }
    assert.deepEqual(ids, expected);
    const first = Date.parse(sim.listFiles(WORKSPACE, 'AUTH_LOG')[0]!.endTime);
    assert.ok(first > NOW.getTime() - 7 * 86_400_000 && first <= NOW.getTime() - 7 * 86_400_000 + 600_000);
  });

  test('organizations list APP_LOG, APP_AUTH_LOG and COSTS', async (t) => {
    const { info } = await startSim(t, {
      profiles: { APP_AUTH_LOG: { fileRatio: 1 }, COSTS: { fileRatio: 1 } },
    });
    for (const type of ['APP_LOG', 'APP_AUTH_LOG', 'COSTS']) {
      const page = await listPage(info, ORG, { event_type: type, after: HOUR_AGO });
      assert.ok(page.data.length > 0, type);
    }
  });

  test('max_event_time gives the newest event per type, null for a type without files', async (t) => {
    const { info } = await startSim(t, { profiles: { CODEX_SECURITY_LOG: { fileRatio: 0 } } });
    const r = await get(
      `${info.baseUrl}/workspaces/${WORKSPACE}/max_event_time?event_type=AUDIT_LOG,CODEX_SECURITY_LOG`,
      bearer(info.apiKey),
    );
    assert.equal(r.status, 200);
    const body = json<{ max_event_time: Record<string, string | null> }>(r);
    assert.equal(body.max_event_time.CODEX_SECURITY_LOG, null);
    const newest = Date.parse(body.max_event_time.AUDIT_LOG!);
    assert.ok(
      newest <= NOW.getTime() && newest > NOW.getTime() - 20 * 60_000,
      body.max_event_time.AUDIT_LOG!,
    );
    const bad = await get(`${info.baseUrl}/workspaces/${WORKSPACE}/max_event_time`, bearer(info.apiKey));
    assert.equal(bad.status, 400);
  });
});
