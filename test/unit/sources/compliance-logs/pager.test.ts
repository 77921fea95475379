import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { FileDescriptor } from '../../../../src/sources/compliance-logs/index.js';
import { listFiles, type PagerOptions } from '../../../../src/sources/compliance-logs/index.js';
import { sendJson } from '../../http/local-server.js';
import { descriptor, type FakeApi, listAnswer, startFakeApi } from './fake-compliance-api.js';

const T1 = '2026-07-09T13:00:00Z';
const T2 = '2026-07-09T13:10:00Z';
const T3 = '2026-07-09T13:20:00Z';
const START = '2026-07-09T12:00:00Z';

async function withCatalogue(files: FileDescriptor[], fn: (api: FakeApi) => Promise<void>) {
  const api = await startFakeApi({ files });
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

async function ids(api: FakeApi, opts: Partial<PagerOptions> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const f of listFiles(api.client(), { eventType: 'AUTH_LOG', after: START, ...opts }))
    out.push(f.id);
  return out;
}

/** The List queries the server saw, in order. */
function queries(api: FakeApi) {
  return api.api.seen.map((s) => ({
    after: s.url.searchParams.get('after'),
    limit: s.url.searchParams.get('limit'),
  }));
}

describe('listFiles', () => {
  it('files sharing an end_time split by a page boundary: none lost, none twice', async () => {
    const files = [
      descriptor('a', T1),
      descriptor('b', T2),
      descriptor('c', T2),
      descriptor('d', T2),
      descriptor('e', T3),
    ];
    await withCatalogue(files, async (api) => {
      // Page 1 ends inside the T2 group (a, b); passing last_end_time on would lose c and d.
      assert.deepEqual(await ids(api, { pageSize: 2 }), ['a', 'b', 'c', 'd', 'e']);
      const q = queries(api);
      assert.equal(q[0]?.after, START);
      assert.equal(q[1]?.after, '2026-07-09T13:09:59.999Z', 're-queried from just before the boundary');
    });
  });

  it('a boundary group larger than the page grows the page instead of looping', async () => {
    const files = ['a', 'b', 'c', 'd'].map((id) => descriptor(id, T2)).concat(descriptor('e', T3));
    await withCatalogue(files, async (api) => {
      assert.deepEqual(await ids(api, { pageSize: 2 }), ['a', 'b', 'c', 'd', 'e']);
      assert.ok(queries(api).some((q) => q.limit === '100'));
    });
  });

  it('more files on one end_time than any page holds fail clearly instead of looping forever', async () => {
    const files = Array.from({ length: 101 }, (_, i) => descriptor(`f${String(i).padStart(3, '0')}`, T2));
    await withCatalogue(files, async (api) => {
      await assert.rejects(ids(api), {
        code: 'CF_ERR_LIST_TIE_OVERFLOW',
        message: /share end_time 2026-07-09T13:10:00/,
      });
      assert.ok(api.api.seen.length <= 3, `${api.api.seen.length} List calls`);
    });
  });

  it('an empty page (last_end_time: null) keeps the previous after', async () => {
    const pages = [
      { data: [descriptor('a', T1)], has_more: true, last_end_time: T1 },
      { data: [], has_more: true, last_end_time: null },
      { data: [descriptor('a', T1), descriptor('b', T2)], has_more: false, last_end_time: T2 },
    ];
    const api = await startFakeApi({
      list: (res, _q, seen) => sendJson(res, 200, pages[api.api.seen.indexOf(seen)]),
    });
    try {
      assert.deepEqual(await ids(api), ['a', 'b']);
      const q = queries(api);
      assert.equal(q.length, 3);
      assert.equal(q[1]?.after, '2026-07-09T12:59:59.999Z');
      assert.equal(q[2]?.after, q[1]?.after);
    } finally {
      await api.close();
    }
  });

  it('an empty last page ends the listing', async () => {
    await withCatalogue([], async (api) => {
      assert.deepEqual(await ids(api), []);
      assert.equal(api.api.seen.length, 1);
    });
  });

  it('honours maxPages', async () => {
    const files = Array.from({ length: 10 }, (_, i) =>
      descriptor(`f${i}`, new Date(Date.parse(T1) + i * 600_000).toISOString()),
    );
    await withCatalogue(files, async (api) => {
      // Page 1: f0 f1; page 2 (from just before f1): f1 again, dropped, and f2.
      assert.deepEqual(await ids(api, { pageSize: 2, maxPages: 2 }), ['f0', 'f1', 'f2']);
      assert.equal(api.api.seen.length, 2);
    });
  });

  it('is lazy: page 2 is requested only when the consumer pulls past page 1', async () => {
    const files = ['a', 'b', 'c'].map((id, i) => descriptor(id, [T1, T2, T3][i] as string));
    await withCatalogue(files, async (api) => {
      const pager = listFiles(api.client(), { eventType: 'AUTH_LOG', after: START, pageSize: 2 });
      assert.equal((await pager.next()).value?.id, 'a');
      assert.equal((await pager.next()).value?.id, 'b');
      assert.equal(api.api.seen.length, 1, 'page 2 was fetched before the consumer asked');
      assert.equal((await pager.next()).value?.id, 'c');
      assert.equal(api.api.seen.length, 2);
      assert.equal((await pager.next()).done, true);
    });
  });

  it('resumes from a checkpoint: files at its end_time not yet delivered still come, delivered ones do not', async () => {
    const files = [descriptor('a', T1), descriptor('b', T2), descriptor('c', T2), descriptor('d', T3)];
    await withCatalogue(files, async (api) => {
      assert.deepEqual(await ids(api, { after: T2, seenAtAfter: ['b'] }), ['c', 'd']);
      assert.equal(queries(api)[0]?.after, '2026-07-09T13:09:59.999Z');
    });
  });

  it('without seenAtAfter, after is strict: files exactly at it are not listed', async () => {
    const files = [descriptor('a', T1), descriptor('b', T2), descriptor('c', T2), descriptor('d', T3)];
    await withCatalogue(files, async (api) => {
      assert.deepEqual(await ids(api, { after: T2 }), ['d']);
    });
  });

  it('passes before and rejects bad options before any request', async () => {
    const files = [descriptor('a', T1), descriptor('b', T2), descriptor('c', T3)];
    await withCatalogue(files, async (api) => {
      assert.deepEqual(await ids(api, { before: T3 }), ['a', 'b']);
      assert.equal(api.api.seen[0]?.url.searchParams.get('before'), '2026-07-09T13:20:00.000Z');
      await assert.rejects(ids(api, { pageSize: 101 }), { code: 'CF_ERR_CONFIG' });
      await assert.rejects(ids(api, { maxPages: 0 }), { code: 'CF_ERR_CONFIG' });
      await assert.rejects(ids(api, { after: 'yesterday' }), { code: 'CF_ERR_BAD_TIME', message: /after/ });
      await assert.rejects(ids(api, { after: '2026-07-09T13:00:00' }), { code: 'CF_ERR_BAD_TIME' });
      assert.equal(api.api.seen.length, 1);
    });
  });

  it('compares end_times beyond millisecond precision', async () => {
    const files = [
      descriptor('a', '2026-07-09T13:00:00.000100Z'),
      descriptor('b', '2026-07-09T13:00:00.000200Z'),
      descriptor('c', '2026-07-09T13:00:00.000300Z'),
    ];
    // The fake compares at ms precision, so all three tie for it; the pager must still order them.
    const api = await startFakeApi({ list: (res, q) => sendJson(res, 200, listAnswer(files, q)) });
    try {
      assert.deepEqual(await ids(api, { pageSize: 2 }), ['a', 'b', 'c']);
      assert.deepEqual(await ids(api, { after: '2026-07-09T13:00:00.000200Z', seenAtAfter: ['b'] }), ['c']);
    } finally {
      await api.close();
    }
  });
});
