import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Secret } from '../../src/core/secret.ts';
import { Simulator } from '../../src/simulator/index.ts';
import {
  ConversationsClient,
  type ConversationsStreamOptions,
  conversationKey,
  conversationsStream,
  conversationsStreamKey,
} from '../../src/sources/conversations/index.ts';
import { FAST_HTTP, loadResume, runSources } from './source-helpers.ts';

/*
 * The legacy conversations list against the simulator: short pages followed to the real end,
 * updated conversations delivered again as new versions (and only those after a resume), a page
 * cut mid-body asked again without repeats, and the per-message shape.
 */

const DAY = 86_400_000;
/**
 * The simulator's time: a fixed instant, moved only by the tests. With the fixed seed it fixes
 * the catalog and which pages come back short (drawn from the seed and the request, whose
 * since_timestamp follows this clock), so the page counts asserted below do not depend on when
 * the test runs. Rate limits and signed-URL expiry still use real time.
 */
const base = Date.parse('2026-07-09T12:00:00Z');
let offsetMs = 0;
const simNow = () => base + offsetMs;
let sim: Simulator;
let workspace: string;
const clients: ConversationsClient[] = [];
const dirs: string[] = [];

before(async () => {
  sim = new Simulator({
    seed: 'conversations-test',
    port: 0,
    live: true,
    clock: () => new Date(simNow()),
    conversations: { count: 150, maxUpdates: 3, shortPageRatio: 0.5 },
    faults: { rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: null } },
  });
  workspace = (await sim.start()).sampleWorkspaceId;
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function client(): ConversationsClient {
  const c = new ConversationsClient({
    baseUrl: sim.info.baseUrl,
    apiKey: new Secret(sim.info.apiKey),
    workspaceId: workspace,
    ...FAST_HTTP,
  });
  clients.push(c);
  return c;
}

function options(overrides: Partial<ConversationsStreamOptions> = {}): ConversationsStreamOptions {
  return {
    after: new Date(simNow() - 30 * DAY).toISOString(),
    pageSize: 20,
    perMessage: false,
    overlapMs: 120_000,
    maxConversationBytes: 16 * 1024 * 1024,
    recentKeysMax: 10_000,
    ...overrides,
  };
}

const keysOf = (objects: ReadonlyArray<Record<string, unknown>>) =>
  objects.map((o) => conversationKey(o.id as string, o.last_active_at as number));

test('short pages are followed to the real end: every conversation once, in last-activity order', async () => {
  const expected = sim.legacyConversations(workspace).map((c) => conversationKey(c.id, c.lastActiveAt));
  const pagesBefore = sim.stats().conversationPages;
  const run = await runSources([conversationsStream(client(), options())]);
  assert.equal(run.result.error, undefined);
  assert.deepEqual(keysOf(run.objects), expected);
  assert.ok(
    run.objects.every((o) => o.event_id === conversationKey(o.id as string, o.last_active_at as number)),
  );
  const pages = sim.stats().conversationPages - pagesBefore;
  assert.ok(
    pages > Math.ceil(expected.length / 20),
    `${pages} pages: some came back short and were not the end`,
  );
  assert.equal(run.deadLetter.count, 0);
});

test('an updated conversation re-appears as a new version; a resumed run delivers only what changed', async () => {
  const state = await mkdtemp(join(tmpdir(), 'cf-conv-'));
  dirs.push(state);
  const key = conversationsStreamKey(workspace, false);
  const first = await runSources([conversationsStream(client(), options())], { stateDir: state });
  assert.equal(first.result.error, undefined);
  const firstKeys = new Set(keysOf(first.objects));
  const checkpoint = await loadResume(state, key);
  assert.ok(checkpoint !== undefined);

  offsetMs += 2 * DAY; // conversations gain new exchanges
  const second = await runSources([conversationsStream(client(), options({ resume: checkpoint }))], {
    stateDir: state,
  });
  assert.equal(second.result.error, undefined);
  const secondKeys = keysOf(second.objects);
  const now = sim.legacyConversations(workspace);
  const changed = now.filter((c) => !firstKeys.has(conversationKey(c.id, c.lastActiveAt)));
  assert.ok(changed.length > 0, 'some conversations were updated');
  assert.deepEqual(
    secondKeys,
    changed.map((c) => conversationKey(c.id, c.lastActiveAt)),
    'exactly the new versions',
  );
  const firstIds = new Set(first.objects.map((o) => o.id));
  assert.ok(
    second.objects.some((o) => firstIds.has(o.id)),
    'an already delivered conversation re-appeared, updated',
  );
  offsetMs -= 2 * DAY;
});

test('a page cut in the middle of its body is asked again and nothing is repeated or lost', async () => {
  sim.setFaults({ resetMidBody: { ratio: 1, count: 3 } });
  try {
    const resetsBefore = sim.stats().resets;
    const run = await runSources([conversationsStream(client(), options({ pageSize: 50 }))], {
      dedupe: false,
    });
    assert.equal(run.result.error, undefined);
    assert.ok(sim.stats().resets > resetsBefore, 'connections were reset');
    assert.deepEqual(
      keysOf(run.objects),
      sim.legacyConversations(workspace).map((c) => conversationKey(c.id, c.lastActiveAt)),
    );
  } finally {
    sim.resetFaults();
  }
});

test('per message: one event per message, each with the conversation identity', async () => {
  const run = await runSources([conversationsStream(client(), options({ perMessage: true }))]);
  assert.equal(run.result.error, undefined);
  const conversations = sim.legacyConversations(workspace);
  let messages = 0;
  for (const c of conversations) {
    const full = JSON.parse(sim.renderConversation(workspace, c).toString('utf8')) as {
      messages: { data: unknown[] };
    };
    messages += full.messages.data.length;
  }
  assert.equal(run.objects.length, messages);
  const first = run.objects[0] as {
    id: string;
    workspace_id: string;
    user_email: string;
    messages: { data: Array<{ id: string }> };
  };
  assert.equal(first.workspace_id, workspace);
  assert.equal(typeof first.user_email, 'string');
  assert.equal(first.messages.data.length, 1);
  assert.equal(run.objects[0]!.event_id, `${first.id}:${first.messages.data[0]!.id}`);
  assert.equal(new Set(run.objects.map((o) => o.event_id)).size, messages, 'event ids are unique');
});

test('the API refuses since_timestamp together with after; the source never sends both', async () => {
  const url = new URL(`${sim.info.baseUrl}/workspaces/${workspace}/conversations`);
  url.searchParams.set('since_timestamp', '0');
  url.searchParams.set('after', sim.legacyConversations(workspace)[0]!.id);
  const res = await fetch(url, { headers: { authorization: `Bearer ${sim.info.apiKey}` } });
  assert.equal(res.status, 400);
  await res.body?.cancel();
});
