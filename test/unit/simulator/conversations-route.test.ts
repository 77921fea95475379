import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Simulator } from '../../../src/simulator/index.ts';
import { bearer, get, json, useSim, WORKSPACE } from './sim-http.ts';

interface Page {
  object: string;
  data: Array<{ id: string; last_active_at: number; workspace_id: string; messages: { data: unknown[] } }>;
  last_id: string | null;
  has_more: boolean;
}

describe('GET /v1/compliance/workspaces/{id}/conversations', () => {
  const s = useSim({
    seed: 'conversations-route',
    conversations: { count: 60, shortPageRatio: 0.5 },
    faults: { rateLimit: { list: null, download: null } },
  });
  const url = (q: string, ws = WORKSPACE) => `${s.info.baseUrl}/workspaces/${ws}/conversations?${q}`;

  test('pages in last-activity order; short pages are not the end; has_more and last_id lead to the rest', async () => {
    const expected = s.sim.legacyConversations(WORKSPACE).map((c) => c.id);
    const seen: string[] = [];
    let query = 'since_timestamp=0&limit=10';
    let short = 0;
    for (;;) {
      const page = json<Page>(await get(url(query), bearer(s.info.apiKey)));
      seen.push(...page.data.map((c) => c.id));
      if (page.has_more && page.data.length < 10) short++;
      if (!page.has_more) break;
      query = `after=${page.last_id}&limit=10`;
    }
    assert.deepEqual(seen, expected);
    assert.ok(short > 0, 'some pages came back short with more to follow');
    const first = json<Page>(await get(url('limit=1'), bearer(s.info.apiKey))).data[0]!;
    assert.equal(first.workspace_id, WORKSPACE);
    assert.ok(first.messages.data.length >= 3);
    assert.equal(typeof first.last_active_at, 'number');
  });

  test('since_timestamp keeps conversations active at or after it', async () => {
    const all = s.sim.legacyConversations(WORKSPACE);
    const mid = all[30]!;
    const page = json<Page>(
      await get(url(`since_timestamp=${mid.lastActiveAt}&limit=500`), bearer(s.info.apiKey)),
    );
    assert.equal(page.data[0]!.id, mid.id);
  });

  test('refuses both cursors at once, a limit over 500, an unknown cursor and a non-workspace id', async () => {
    const key = bearer(s.info.apiKey);
    assert.equal(
      (await get(url(`since_timestamp=0&after=${s.sim.legacyConversations(WORKSPACE)[0]!.id}`), key)).status,
      400,
    );
    assert.equal((await get(url('limit=501'), key)).status, 422);
    assert.equal((await get(url('after=nope'), key)).status, 400);
    assert.equal((await get(url('limit=1', 'org-abc'), key)).status, 404);
    assert.equal((await get(url('limit=1'))).status, 401);
  });

  test('conversationBytes pads each conversation to about that size', async () => {
    const big = new Simulator({ seed: 'pad', conversations: { count: 3, conversationBytes: 300_000 } });
    for (const c of big.legacyConversations(WORKSPACE)) {
      const bytes = big.renderConversation(WORKSPACE, c);
      assert.ok(Math.abs(bytes.length - 300_000) < 20_000, `${bytes.length} bytes`);
      JSON.parse(bytes.toString('utf8'));
    }
  });
});
