import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { redactedKeyId } from '../../../src/core/secret.js';
import {
  type EventType,
  ORGANIZATION_EVENT_TYPES,
  WORKSPACE_EVENT_TYPES,
} from '../../../src/simulator/index.js';
import { download, lines, ORG, readAll, useSim, WORKSPACE } from './sim-http.js';

type Rec = Record<string, unknown> & {
  event_id: string;
  type: string;
  timestamp: string;
  principal: { id: string; type: string };
  actor: { type: string } & Record<string, unknown>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Fields each type must carry besides the envelope (reference, record shape table). */
const TYPE_FIELDS: Record<EventType, string[]> = {
  AUDIT_LOG: ['action', 'action_result', 'action_privilege', 'request_metadata', 'action_data'],
  AUTH_LOG: ['request_metadata', 'action_data'],
  APP_LOG: ['app_id', 'app_name', 'app_type', 'conversation_id', 'log_type'],
  APP_AUTH_LOG: ['app_id', 'link_id', 'action'],
  CONVERSATION_MESSAGE: ['previous_message_id', 'message', 'conversation'],
  CODEX_LOG: ['event_type', 'client_id', 'workspace_id', 'event_details'],
  CODEX_SECURITY_LOG: ['event_type', 'client_id', 'workspace_id', 'event_details'],
  CHATGPT_PLUGIN_SPREADSHEET: ['event_type', 'client_id', 'workspace_id', 'event_details'],
  CUSTOM_AGENTS_LOG: ['event_type', 'client_id', 'workspace_id', 'event_details'],
  COSTS: ['payload'],
};

const DAY_START = '2026-07-08T13:05:00Z';

describe('simulator records', () => {
  const s = useSim();

  async function records(principal: string, type: EventType, after: string, maxFiles: number) {
    const files = s.sim.listFiles(principal, type, after).slice(0, maxFiles);
    const out: Array<{ file: (typeof files)[number]; records: Rec[]; lines: string[] }> = [];
    for (const file of files) {
      const text = lines(await readAll(s.sim.openFile(principal, file.id)));
      out.push({ file, lines: text, records: text.map((l) => JSON.parse(l) as Rec) });
    }
    return out;
  }

  test('every event type has the envelope and its own fields', async () => {
    const all = [
      ...WORKSPACE_EVENT_TYPES.map((t) => [WORKSPACE, t] as const),
      ...ORGANIZATION_EVENT_TYPES.map((t) => [ORG, t] as const),
    ];
    for (const [principal, type] of all) {
      const file = s.sim.listFiles(principal, type, DAY_START)[0]!;
      const body = await download(s.info, principal, file.id);
      const recs = lines(body).map((l) => JSON.parse(l) as Rec);
      assert.ok(recs.length > 0, type);
      for (const r of recs) {
        assert.equal(Object.keys(r)[0], 'event_id');
        assert.match(r.event_id, UUID);
        assert.equal(r.type, type);
        assert.match(r.timestamp, ISO_MS);
        assert.deepEqual(r.principal, {
          id: principal,
          type: principal === ORG ? 'API_PLATFORM_ORG' : 'CHATGPT_WORKSPACE',
        });
        assert.ok(['ACCOUNT_USER', 'API_KEY', 'AGENT', 'SYSTEM'].includes(r.actor.type), r.actor.type);
        for (const field of TYPE_FIELDS[type]) assert.ok(field in r, `${type} has ${field}`);
      }
      assert.deepEqual(
        s.sim.eventIds(principal, type, file.id),
        recs.map((r) => r.event_id),
        `${type} eventIds`,
      );
    }
  });

  test('actors of every variant appear, with their own fields', async () => {
    const seen = new Map<string, Rec['actor']>();
    for (const { records: recs } of await records(WORKSPACE, 'AUDIT_LOG', DAY_START, 20)) {
      for (const r of recs) seen.set(r.actor.type, r.actor);
    }
    assert.deepEqual([...seen.keys()].sort(), ['ACCOUNT_USER', 'AGENT', 'API_KEY', 'SYSTEM']);
    assert.match(String(seen.get('ACCOUNT_USER')!.user_email), /@/);
    assert.match(String(seen.get('API_KEY')!.redacted_id), /\.\.\./);
    assert.ok(seen.get('SYSTEM')!.id);
  });

  test("AUDIT_LOG carries the key's own LIST/DOWNLOAD events under its redacted id", async () => {
    const own = redactedKeyId(s.info.apiKey);
    const actions = new Set<string>();
    for (const { records: recs } of await records(WORKSPACE, 'AUDIT_LOG', DAY_START, 20)) {
      for (const r of recs) if (r.actor.redacted_id === own) actions.add(String(r.action));
    }
    assert.deepEqual([...actions].sort(), ['DOWNLOAD_WORKSPACE_LOG_FILE', 'LIST_WORKSPACE_LOG_FILES']);
  });

  test('CONVERSATION_MESSAGE averages about 2 KB, in real UTF-8 (accents, CJK, emoji)', async () => {
    let bytes = 0;
    let count = 0;
    let text = '';
    const sizes = new Set<number>();
    for (const { lines: ls, records: recs } of await records(
      WORKSPACE,
      'CONVERSATION_MESSAGE',
      DAY_START,
      30,
    )) {
      for (const l of ls) {
        bytes += Buffer.byteLength(l) + 1;
        sizes.add(Buffer.byteLength(l));
      }
      count += recs.length;
      for (const r of recs) text += (r.message as { content: { value: string } }).content.value;
    }
    const average = bytes / count;
    assert.ok(average > 1500 && average < 2800, `average ${average.toFixed(0)} bytes`);
    assert.ok(sizes.size > 40, 'record sizes vary');
    assert.match(text, /[éèüñç]/);
    assert.match(text, /[\u3040-\u30ff\u4e00-\u9fff]/);
    assert.match(text, /\p{Extended_Pictographic}/u);
  });

  test('an edited message repeats message.id under a new event_id', async () => {
    let edits = 0;
    for (const { records: recs } of await records(WORKSPACE, 'CONVERSATION_MESSAGE', DAY_START, 30)) {
      const byMessage = new Map<string, Set<string>>();
      for (const r of recs) {
        const id = (r.message as { id: string }).id;
        byMessage.set(id, (byMessage.get(id) ?? new Set()).add(r.event_id));
      }
      for (const events of byMessage.values()) if (events.size > 1) edits++;
    }
    assert.ok(edits > 0);
  });

  test('some events are repeated byte for byte in a later file, and some are late', async () => {
    const firstSeen = new Map<string, { line: string; fileId: string }>();
    let repeats = 0;
    let late = 0;
    for (const { file, lines: ls, records: recs } of await records(WORKSPACE, 'AUDIT_LOG', DAY_START, 60)) {
      const windowStart = Date.parse(file.endTime) - 600_000;
      recs.forEach((r, i) => {
        const seen = firstSeen.get(r.event_id);
        if (seen !== undefined && seen.fileId !== file.id) {
          repeats++;
          assert.equal(ls[i], seen.line, 'a repeated event is the same line');
        } else if (seen === undefined) firstSeen.set(r.event_id, { line: ls[i]!, fileId: file.id });
        if (Date.parse(r.timestamp) < windowStart) late++;
        assert.ok(Date.parse(r.timestamp) < Date.parse(file.endTime), 'no event after its file closed');
      });
    }
    assert.ok(repeats > 0, 'at-least-once: repeats across files');
    assert.ok(late > 0, 'late events');
  });

  test('COSTS arrive 3 to 5 hours late, with day and hour of their timestamp', async () => {
    for (const { file, records: recs } of await records(ORG, 'COSTS', DAY_START, 5)) {
      for (const r of recs) {
        const ts = Date.parse(r.timestamp);
        const lag = Date.parse(file.endTime) - ts;
        assert.ok(lag > 3 * 3_600_000 - 600_000 && lag < 5 * 3_600_000 + 600_000, `lag ${lag}`);
        const payload = r.payload as { day: string; hour: number };
        assert.equal(payload.day, r.timestamp.slice(0, 10));
        assert.equal(payload.hour, new Date(ts).getUTCHours());
      }
    }
  });
});
