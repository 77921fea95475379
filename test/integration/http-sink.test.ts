import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { httpSinkConfigSchema } from '../../src/sinks/http/index.js';
import { PRESETS } from '../../src/sinks/http/presets/index.js';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import {
  counterTotal,
  deliver,
  deliverEachOnce,
  eachOnce,
  httpSink,
  mixedRecords,
  receiverStarter,
} from './http-sink-helpers.js';

/** A failing test ends in seconds instead of hanging on an event that never comes. */
const LIMIT = { timeout: 30_000 };

const receiver = receiverStarter();

test(
  'ndjson: each record once as its own line, with a bearer token and the configured headers',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'ndjson', token: 'bearer-token-123' });
    const h = httpSink(rx, {
      auth: { type: 'bearer', token: { value: 'bearer-token-123' } },
      headers: { 'X-Test-Type': '{event_type_lower}' },
    });
    await h.sink.start();
    const { records, events } = await deliverEachOnce(h, rx, 300);
    const byId = new Map(events.map((e) => [String(e.event.event_id), e]));
    for (const r of records.slice(0, 3)) {
      const e = byId.get(r.eventId!)!;
      assert.deepEqual(e.event, JSON.parse(r.line));
      assert.equal(e.headers['content-type'], 'application/x-ndjson');
      assert.equal(e.gzip, false);
      assert.equal(e.headers['x-test-type'], r.source.eventType.toLowerCase());
    }
    assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 300);
  },
);

test('json-array: one JSON array per request, with basic auth and gzip when asked', LIMIT, async () => {
  const rx = await receiver({ kind: 'json-array', basic: { username: 'ingest', password: 'pa55word!' } });
  const h = httpSink(rx, {
    auth: { type: 'basic', username: 'ingest', password: { value: 'pa55word!' } },
    gzip: true,
    batchMaxCount: 50,
  });
  await h.sink.start();
  const { events } = await deliverEachOnce(h, rx, 220);
  assert.ok(events.every((e) => e.gzip && e.headers['content-type'] === 'application/json'));
  assert.ok((await rx.stats()).requests >= 5, 'batchMaxCount 50: at least 5 requests');
});

test(
  'sumo: gzip NDJSON with X-Sumo-Category/Name/Host per event type, and the URL token in no log line',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'sumo' });
    const h = httpSink(rx, { sumo: { host: 'fwd-{principal_id}' } });
    await h.sink.start();
    const { events } = await deliverEachOnce(h, rx, 400);
    for (const e of events) {
      const type = String(e.event.type).toLowerCase();
      assert.equal(e.gzip, true);
      assert.equal(e.headers['x-sumo-category'], `openai/compliance/${type}`);
      assert.equal(e.headers['x-sumo-name'], `openai-compliance/${type}`);
      assert.match(e.headers['x-sumo-host'] ?? '', /^fwd-/);
    }
    const logs = h.logLines.join('');
    assert.ok(logs.includes('[redacted]'), 'the sink names the receiver by its origin only');
    assert.ok(!logs.includes(rx.token), 'the Source token never reaches a log line');
  },
);

test(
  'datadog: a JSON array of entries with ddsource, service, ddtags, hostname and the record as message',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'datadog' });
    const h = httpSink(rx, { datadog: { service: 'compliance', hostname: 'fwd-1' } });
    await h.sink.start();
    const { records, events } = await deliverEachOnce(h, rx, 2500);
    const stats = await rx.stats();
    assert.equal(stats.statuses['202'], stats.requests, 'every request accepted (<= 1000 entries, <= 5 MB)');
    assert.ok(stats.requests >= 3, '2500 entries need at least 3 requests');
    assert.ok(events.every((e) => e.gzip));
    const first = events.find((e) => e.event.event_id === records[0]!.eventId)!;
    assert.deepEqual(first.event, JSON.parse(records[0]!.line));
    assert.deepEqual(first.attributes, {
      ddsource: 'openai',
      ddtags: `event_type:conversation_message,principal_id:${records[0]!.source.principalId}`,
      hostname: 'fwd-1',
      service: 'compliance',
    });
  },
);

test(
  'datadog: a record over the 1 MB entry limit is dead-lettered with its reason, never truncated',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'datadog' });
    const h = httpSink(rx);
    const delivery = new CountingDelivery();
    const records = [
      makeRecord(1, delivery),
      makeRecord(2, delivery, { content: 'x'.repeat(1_100_000) }),
      makeRecord(3, delivery),
    ];
    await h.sink.start();
    await deliver(h.sink, records);
    const events = await rx.events();
    assert.ok(eachOnce(events, [records[0]!.eventId!, records[2]!.eventId!]));
    assert.ok(
      events.every((e) => e.truncated === undefined),
      'nothing arrived truncated',
    );
    assert.equal(h.deadLetter.count, 1);
    const entry = h.deadLetter.entries[0]!;
    assert.equal(entry.code, 'CF_ERR_RECORD_TOO_LARGE');
    assert.match(entry.reason, /over its limit of 1000000 bytes/);
    assert.equal(delivery.acked, 3, 'the dead-lettered record is acknowledged too');
  },
);

test('secops: newline-separated JSON with X-goog-api-key and X-Webhook-Access-Key', LIMIT, async () => {
  const rx = await receiver({ kind: 'secops', secret: 'feed-secret-123' });
  const h = httpSink(rx);
  await h.sink.start();
  const { events } = await deliverEachOnce(h, rx, 250);
  assert.ok(events.every((e) => e.headers['content-type'] === 'application/json' && !e.gzip));
});

test(
  'secops: an invalid API key (400 API_KEY_INVALID) is fatal, not a record to isolate',
  LIMIT,
  async () => {
    const rx = await receiver({ kind: 'secops', secret: 'feed-secret-123' });
    const h = httpSink(rx, { apiKey: { value: 'wrong-api-key-456' } });
    await h.sink.start();
    const { records, delivery } = mixedRecords(20);
    await assert.rejects(deliver(h.sink, records), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CF_ERR_SINK_AUTH');
      assert.match(err.message, /API key/);
      assert.ok(!err.message.includes('wrong-api-key-456'));
      return true;
    });
    assert.equal(h.deadLetter.count, 0, 'no record was blamed');
    assert.equal(delivery.acked, 0);
    assert.equal((await rx.stats()).requests, 1, 'one request, then it stopped');
  },
);

test('a bad http sink config lists every problem at once', () => {
  const r = httpSinkConfigSchema.safeParse({
    type: 'http',
    preset: 'datadog',
    url: 'https://user:pw@http-intake.logs.datadoghq.com/api/v2/logs',
    urlSecret: { env: 'HTTP_URL' },
    batchMaxCount: 5000,
    batchMaxBytes: 6_000_000,
    datadog: { tags: 'type:{event_kind}' },
    headers: { 'DD-API-KEY': 'x' },
    auth: { type: 'bearer' },
    webhookSecret: { env: 'X' },
  });
  assert.equal(r.success, false);
  const problems = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  for (const expected of [
    /^url: give exactly one of url and urlSecret/,
    /^url: credentials in the URL are not sent/,
    /^batchMaxCount: preset datadog accepts at most 1000/,
    /^batchMaxBytes: preset datadog accepts at most 5000000/,
    /^datadog\.tags: unknown placeholder \{event_kind\}/,
    /^headers\.DD-API-KEY: header DD-API-KEY is set by the sink/,
    /^auth: auth is used by preset ndjson and json-array only, not datadog/,
    /^webhookSecret: webhookSecret is used by preset secops only/,
  ]) {
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${expected} in ${problems.join(' | ')}`,
    );
  }
});

test('each preset reads the answers its vendor documents', () => {
  const table: Array<[number, string, string]> = [
    [200, '', 'accepted'],
    [202, '{}', 'accepted'],
    [408, '', 'retry'],
    [429, '', 'retry'],
    [500, '', 'retry'],
    [503, '', 'retry'],
    [504, '', 'retry'],
    [501, '', 'fatal'],
    [413, '', 'too-large'],
    [400, '{"error":"bad line"}', 'rejected'],
    [401, '', 'fatal'],
    [403, '', 'fatal'],
    [404, '', 'fatal'],
  ];
  for (const preset of Object.values(PRESETS)) {
    for (const [status, text, expected] of table) {
      assert.equal(preset.classify(status, text), expected, `${preset.name} ${status}`);
    }
  }
  const invalidKey =
    '{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}';
  assert.equal(PRESETS.secops.classify(400, invalidKey), 'fatal', 'secops: a bad key is not a bad record');
  assert.match(PRESETS.sumo.describe(401), /URL token is missing or invalid/);
  assert.match(PRESETS.datadog.describe(403), /invalid API key/);
});
