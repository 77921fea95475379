import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bulkVerdict, rootVerdict } from '../../../../src/sinks/elasticsearch/bulk-answer.js';
import { BulkEncoder, isoTime } from '../../../../src/sinks/elasticsearch/bulk-encoder.js';
import { elasticsearchSinkConfigSchema } from '../../../../src/sinks/elasticsearch/index.js';
import type { HttpAnswer } from '../../../../src/sinks/shared/http-delivery/index.js';
import { makeRecord, sourceRef } from '../../../helpers/records.js';

function answer(status: number, body: unknown = '', retryAfterMs?: number): HttpAnswer {
  return {
    status,
    headers: {},
    text: typeof body === 'string' ? body : JSON.stringify(body),
    retryAfterMs,
  };
}

const item = (status: number, type?: string, reason?: string) => ({
  create: { _index: 'logs-x-default', status, ...(type ? { error: { type, reason } } : {}) },
});

describe('bulk answer table', () => {
  it('errors:false accepts the whole request without reading items', () => {
    assert.deepEqual(bulkVerdict(answer(200, '{"errors":false,"items":[{"create":{"status":201}}]}'), 1), {
      kind: 'accepted',
    });
  });

  it('reads one verdict per item: 2xx and 409 accepted, 429/5xx retried, 400 rejected with the reason', () => {
    const v = bulkVerdict(
      answer(200, {
        errors: true,
        items: [
          item(201),
          item(409, 'version_conflict_engine_exception', '[a]: version conflict'),
          item(429, 'es_rejected_execution_exception', 'rejected execution'),
          item(503, 'unavailable_shards_exception', 'primary shard is not active'),
          item(400, 'document_parsing_exception', 'failed to parse field [n]'),
        ],
      }),
      5,
    );
    assert.equal(v.kind, 'items');
    if (v.kind !== 'items') return;
    assert.deepEqual(
      v.items.map((i) => i.kind),
      ['accepted', 'accepted', 'retry', 'retry', 'rejected'],
    );
    const rejected = v.items[4]!;
    assert.ok(rejected.kind === 'rejected');
    assert.match(rejected.rejection.reason, /400 document_parsing_exception: failed to parse field \[n\]/);
    assert.equal(rejected.rejection.code, 'CF_ERR_RECORD_REJECTED');
  });

  it('an item 404 or 403 (no such index, no privilege) is fatal rather than dead-lettering a whole type', () => {
    for (const status of [403, 404]) {
      const v = bulkVerdict(
        answer(200, {
          errors: true,
          items: [item(201), item(status, 'index_not_found_exception', 'no such index')],
        }),
        2,
      );
      assert.equal(v.kind, 'fatal');
    }
  });

  it('an answer whose items do not match the documents is retried, never trusted', () => {
    assert.equal(bulkVerdict(answer(200, { errors: true, items: [item(201)] }), 2).kind, 'retry');
    assert.equal(bulkVerdict(answer(200, '<html>proxy</html>'), 2).kind, 'retry');
  });

  it('whole-request statuses: 413 split, 400 bisect, 401/403 auth, 429/5xx retry with Retry-After, others fatal', () => {
    assert.equal(bulkVerdict(answer(413), 3).kind, 'too-large');
    assert.equal(
      bulkVerdict(answer(400, { error: { type: 'x_content_parse_exception' } }), 3).kind,
      'rejected',
    );
    for (const s of [401, 403]) {
      const v = bulkVerdict(answer(s), 3);
      assert.ok(v.kind === 'fatal' && v.error.code === 'CF_ERR_SINK_AUTH');
    }
    const busy = bulkVerdict(answer(429, '', 2000), 3);
    assert.ok(busy.kind === 'retry' && busy.error.retryAfterMs === 2000);
    assert.equal(bulkVerdict(answer(502), 3).kind, 'retry');
    assert.equal(bulkVerdict(answer(501), 3).kind, 'fatal');
    assert.equal(bulkVerdict(answer(404), 3).kind, 'fatal');
  });

  it('GET / at start: 403 passes (a create_doc-only key lacks monitor), 401 is fatal', () => {
    assert.equal(rootVerdict(answer(200)).kind, 'ok');
    assert.equal(rootVerdict(answer(403)).kind, 'ok');
    assert.equal(rootVerdict(answer(401)).kind, 'fatal');
    assert.equal(rootVerdict(answer(503)).kind, 'retry');
  });
});

describe('bulk encoder', () => {
  it('writes a create action with _index and _id, then the record with @timestamp first, newline-terminated', () => {
    const enc = new BulkEncoder('logs-openai.compliance.{type}-default');
    const r = makeRecord(1, undefined, {}, sourceRef({ eventType: 'CONVERSATION_MESSAGE' }));
    const body = enc.encodeBatch([r], 0);
    const [action, doc, end] = body.split('\n');
    assert.deepEqual(JSON.parse(action!), {
      create: { _index: 'logs-openai.compliance.conversation_message-default', _id: r.eventId },
    });
    assert.deepEqual(JSON.parse(doc!), { '@timestamp': r.timestamp, ...JSON.parse(r.line) });
    assert.equal(end, '');
    assert.ok(enc.sizeOf(r) >= Buffer.byteLength(body), 'sizeOf bounds the bytes');
  });

  it('a record without event_id gets no _id (Elasticsearch makes one); an empty object still parses', () => {
    const enc = new BulkEncoder('idx');
    const r = { ...makeRecord(2), eventId: undefined, line: '{}' };
    const [action, doc] = enc.encodeBatch([r], 0).split('\n');
    assert.deepEqual(JSON.parse(action!), { create: { _index: 'idx' } });
    assert.deepEqual(Object.keys(JSON.parse(doc!)), ['@timestamp']);
  });

  it('@timestamp: ISO kept, epoch seconds and milliseconds read, garbage falls back to ingest time', () => {
    assert.equal(isoTime('2026-11-20T10:00:00Z', 0), '2026-11-20T10:00:00.000Z');
    assert.equal(isoTime('1795168800', 0), '2026-11-20T10:00:00.000Z');
    assert.equal(isoTime('1795168800000', 0), '2026-11-20T10:00:00.000Z');
    assert.equal(isoTime('soon', 1795168800000), '2026-11-20T10:00:00.000Z');
    assert.equal(isoTime(undefined, 1795168800000), '2026-11-20T10:00:00.000Z');
  });
});

describe('elasticsearch config', () => {
  it('lists every auth and index error at once', () => {
    const r = elasticsearchSinkConfigSchema.safeParse({
      type: 'elasticsearch',
      url: 'https://es:9200',
      apiKey: { env: 'ES_API_KEY' },
      username: { env: 'ES_USERNAME' },
      index: 'Logs-{type}',
    });
    assert.equal(r.success, false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    assert.ok(paths.includes('apiKey'));
    assert.ok(paths.includes('password'));
    assert.ok(paths.includes('index'));
  });

  it('defaults: a data stream per type, gzip, no auth unless given', () => {
    const c = elasticsearchSinkConfigSchema.parse({ type: 'elasticsearch', url: 'http://es:9200' });
    assert.equal(c.index, 'logs-openai.compliance.{type}-default');
    assert.equal(c.gzip, true);
    assert.equal(c.apiKey, undefined);
  });
});

describe('elasticsearch url', () => {
  it('refuses credentials in the URL, where they would be logged', () => {
    const r = elasticsearchSinkConfigSchema.safeParse({
      type: 'elasticsearch',
      url: 'https://elastic:changeme@es:9200',
    });
    assert.equal(r.success, false);
    assert.match(r.error!.issues[0]!.message, /credentials do not belong in the URL/);
    assert.equal(JSON.stringify(r.error!.issues).includes('changeme'), false);
  });
});
