import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { PipelineRecord, SourceRef } from '../../../src/core/record.js';
import { Secret } from '../../../src/core/secret.js';
import {
  type DropReason,
  type EnrichConfigInput,
  enrichConfigSchema,
  type FileContext,
  HASH_PREFIX,
  RecordEnricher,
  type SplitLine,
} from '../../../src/transforms/index.js';
import { CountingDelivery, sourceRef } from '../../helpers/records.js';
import { goodLines, split } from './split-helpers.js';

const INGEST = new Date('2026-11-20T10:05:00.000Z');

function enricher(config: EnrichConfigInput = {}, deps: { hmacKey?: Secret } = {}) {
  const drops: Array<{ reason: DropReason; line: number; fileId: string }> = [];
  const e = new RecordEnricher(enrichConfigSchema.parse(config), {
    version: '1.2.3',
    host: 'test-host',
    ...deps,
    onDrop: (reason, rec, file) => drops.push({ reason, line: rec.lineNumber, fileId: file.source.fileId }),
  });
  return { e, drops };
}

function fileContext(overrides: Partial<SourceRef> = {}): FileContext {
  return { source: sourceRef(overrides), delivery: new CountingDelivery(), ingestTime: INGEST };
}

/** The lines of `jsonl` as the splitter gives them (watching `watchKeys`, as the pipeline's does). */
function lines(texts: string[], watchKeys?: readonly string[]): SplitLine[] {
  return goodLines(split(texts.join('\n'), { watchKeys }).out);
}

/**
 * Enriches every line of one file as the pipeline does, the splitter watching the enricher's keys;
 * undefined entries are drops. `watch: false` splits without them (the enricher searches the line).
 */
function run(
  e: RecordEnricher,
  texts: string[],
  file = fileContext(),
  { watch = true } = {},
): Array<PipelineRecord | undefined> {
  const f = e.forFile(file);
  return lines(texts, watch ? f.watchKeys : undefined).map((l) => f.enrich(l));
}

function expectedMetadata(lineNumber: number, source = sourceRef()) {
  return {
    principal_id: source.principalId,
    principal_type: source.principalType,
    event_type: source.eventType,
    file_id: source.fileId,
    file_name: source.fileName,
    file_end_time: source.endTime,
    ingest_time: INGEST.toISOString(),
    forwarder_version: '1.2.3',
    forwarder_host: 'test-host',
    line_number: lineNumber,
  };
}

/** How many times the member `"key":` is written in a JSON text (the test records nest no such key). */
function keyCount(text: string, key: string): number {
  return text.split(`${JSON.stringify(key)}:`).length - 1;
}

describe('RecordEnricher metadata and static fields', () => {
  test('the metadata object is spliced in: the result parses to the original fields plus metadata', () => {
    const { e } = enricher();
    const original = '{"event_id":"e1","timestamp":"2026-11-20T10:00:00Z","n":1.50,"s":"caf\\u00e9 \\"x\\""}';
    const [rec] = run(e, ['{"other":1}', original]).slice(1);
    assert.ok(rec);
    assert.deepStrictEqual(JSON.parse(rec.line), {
      ...JSON.parse(original),
      _forwarder: expectedMetadata(2),
    });
    // The upstream bytes are kept as they were, only extended.
    assert.ok(rec.line.startsWith(original.slice(0, -1)));
    assert.equal(rec.eventId, 'e1');
    assert.equal(rec.timestamp, '2026-11-20T10:00:00Z');
    assert.equal(rec.lineNumber, 2);
    // Nothing needed the object, so nothing was parsed: sinks read fields from the line themselves.
    assert.equal(rec.parsed, undefined);
  });

  test('a record carries its parsed fields when a stage parsed it anyway', () => {
    const { e } = enricher({ filters: [{ action: 'drop', op: 'exists', path: 'skip' }] });
    const original = '{"event_id":"e1","n":1}';
    const [rec] = run(e, [original]);
    assert.deepStrictEqual(rec?.parsed, JSON.parse(original));
  });

  test('empty objects get the metadata without a stray comma', () => {
    const { e } = enricher({ staticFields: { env: 'prod' } });
    for (const rec of run(e, ['{}', '{ }', '{"a":1}{}'])) {
      assert.ok(rec);
      const parsed = JSON.parse(rec.line);
      assert.equal(parsed.env, 'prod');
      assert.equal(parsed._forwarder.file_id, 'file-0001');
    }
  });

  test('with metadataKey null and no static fields, records are the upstream bytes unchanged', () => {
    const { e } = enricher({ metadataKey: null });
    const texts = ['{"event_id":"e1",  "x" : [1, 2.0e3] }', '{"s":"\\u00e9\\/"}', '{}'];
    assert.deepStrictEqual(
      run(e, texts).map((r) => r?.line),
      texts,
    );
  });

  test('the metadata key is configurable', () => {
    const { e } = enricher({ metadataKey: 'meta' });
    const [rec] = run(e, ['{"a":1}']);
    assert.deepStrictEqual(JSON.parse(rec?.line ?? ''), { a: 1, meta: expectedMetadata(1) });
  });

  test('static fields are added at top level, and a record keeps its own value of the same field', () => {
    const { e } = enricher({ staticFields: { env: 'prod', dc: 'eu-1', n: 3, off: false, nothing: null } });
    const [plain, own] = run(e, ['{"a":1}', '{"env":"staging","a":2}']);
    assert.deepStrictEqual(JSON.parse(plain?.line ?? ''), {
      a: 1,
      env: 'prod',
      dc: 'eu-1',
      n: 3,
      off: false,
      nothing: null,
      _forwarder: expectedMetadata(1),
    });
    const ownParsed = JSON.parse(own?.line ?? '');
    assert.equal(ownParsed.env, 'staging');
    assert.equal(ownParsed.dc, 'eu-1');
    assert.equal(keyCount(own?.line ?? '', 'env'), 1);
  });

  for (const watch of [true, false]) {
    const how = watch ? 'the splitter watching the keys' : 'the line searched';
    test(`a record that already has the metadata key keeps it, and no duplicate key is written (${how})`, () => {
      const { e } = enricher();
      const texts = ['{"_forwarder":{"from":"earlier hop"},"a":1}', '{"_forwar\\u0064er":"escaped key"}'];
      const recs = run(e, texts, fileContext(), { watch });
      assert.deepStrictEqual(JSON.parse(recs[0]?.line ?? ''), JSON.parse(texts[0]!));
      assert.deepStrictEqual(JSON.parse(recs[1]?.line ?? ''), JSON.parse(texts[1]!));
      assert.equal(keyCount(recs[0]?.line ?? '', '_forwarder'), 1);
      assert.equal(recs[1]?.line, texts[1]);
    });

    test(`a nested field or a string value that looks like the metadata key does not stop the metadata (${how})`, () => {
      const { e } = enricher();
      const [rec] = run(e, ['{"x":{"_forwarder":1},"s":"\\"_forwarder\\":"}'], fileContext(), { watch });
      assert.deepStrictEqual(JSON.parse(rec?.line ?? '')._forwarder, expectedMetadata(1));
    });

    test(`a static field the record has is left as it is; the others are added (${how})`, () => {
      const { e } = enricher({ staticFields: { env: 'prod', dc: 'eu-1' } });
      const [has, nested] = run(e, ['{"env":"dev","a":1}', '{"x":{"env":"dev"}}'], fileContext(), { watch });
      const parsed = JSON.parse(has?.line ?? '');
      assert.equal(parsed.env, 'dev');
      assert.equal(parsed.dc, 'eu-1');
      assert.equal(keyCount(has?.line ?? '', 'env'), 1);
      assert.equal(JSON.parse(nested?.line ?? '').env, 'prod');
    });
  }

  test('objects run together on one line carry that line number', () => {
    const { e } = enricher();
    const recs = run(e, ['{"a":1}', '{"b":2}{"c":3}']);
    assert.deepStrictEqual(
      recs.map((r) => JSON.parse(r?.line ?? '')._forwarder.line_number),
      [1, 2, 2],
    );
  });

  test('records built by hand (parsed, no splitter fields) are enriched the same way', () => {
    const { e } = enricher({ staticFields: { env: 'prod' } });
    const parsed = { event_id: 'h1', timestamp: 't', env: 'mine' };
    const rec = e.forFile(fileContext()).enrich({ text: JSON.stringify(parsed), lineNumber: 9, parsed });
    assert.equal(rec?.eventId, 'h1');
    assert.deepStrictEqual(JSON.parse(rec?.line ?? ''), { ...parsed, _forwarder: expectedMetadata(9) });
  });
});

describe('RecordEnricher de-duplication', () => {
  test('an event_id already seen in another file is dropped and reported; other records pass', () => {
    const { e, drops } = enricher();
    run(e, ['{"event_id":"a"}', '{"event_id":"b"}']);
    const second = run(
      e,
      ['{"event_id":"c"}', '{"event_id":"a"}', '{"no_id":1}', '{"no_id":2}'],
      fileContext({ fileId: 'file-0002' }),
    );
    assert.deepStrictEqual(
      second.map((r) => r?.eventId ?? (r ? 'kept' : 'dropped')),
      ['c', 'dropped', 'kept', 'kept'],
    );
    assert.deepStrictEqual(drops, [{ reason: 'duplicate', line: 2, fileId: 'file-0002' }]);
  });

  test('the same file processed again (a retry) is not swallowed by its own first attempt', () => {
    const { e, drops } = enricher();
    const texts = ['{"event_id":"a"}', '{"event_id":"b"}'];
    run(e, texts);
    assert.deepStrictEqual(
      run(e, texts).map((r) => r?.eventId),
      ['a', 'b'],
    );
    assert.deepStrictEqual(drops, []);
  });

  test('the window is bounded: after maxEntries + 1 distinct ids the oldest is forgotten', () => {
    const { e } = enricher({ dedupe: { maxEntries: 3 } });
    run(e, ['{"event_id":"a"}', '{"event_id":"b"}', '{"event_id":"c"}', '{"event_id":"d"}']);
    assert.equal(e.dedupeSize, 3);
    const again = run(e, ['{"event_id":"a"}', '{"event_id":"d"}'], fileContext({ fileId: 'file-0002' }));
    assert.deepStrictEqual(
      again.map((r) => r?.eventId),
      ['a', undefined],
    );
    for (let i = 0; i < 50; i++) run(e, [`{"event_id":"x${i}"}`], fileContext({ fileId: `f${i}` }));
    assert.equal(e.dedupeSize, 3);
  });

  test('ids longer than 256 characters are not remembered, so they bound nothing and drop nothing', () => {
    const { e } = enricher();
    const long = `{"event_id":"${'x'.repeat(257)}"}`;
    run(e, [long]);
    assert.equal(e.dedupeSize, 0);
    assert.ok(run(e, [long], fileContext({ fileId: 'file-0002' }))[0], 'the repeated long id is not dropped');
  });

  test('disabled de-duplication drops nothing', () => {
    const { e } = enricher({ dedupe: { enabled: false } });
    run(e, ['{"event_id":"a"}']);
    assert.ok(run(e, ['{"event_id":"a"}'], fileContext({ fileId: 'file-0002' }))[0]);
  });
});

describe('RecordEnricher own audit events', () => {
  const own = (action: string, redactedId: string, type = 'AUDIT_LOG') =>
    JSON.stringify({
      event_id: `${action}-${redactedId}`,
      type,
      action,
      actor: { type: 'API_KEY', redacted_id: redactedId },
    });

  test('only the configured keys own List/Download events are dropped', () => {
    const { e, drops } = enricher({ dropOwnAuditEvents: { enabled: true, redactedIds: ['sk-...aaaa'] } });
    const recs = run(e, [
      own('LIST_WORKSPACE_LOG_FILES', 'sk-...aaaa'),
      own('DOWNLOAD_WORKSPACE_LOG_FILE', 'sk-...aaaa'),
      own('DOWNLOAD_ORGANIZATION_LOG_FILE', 'sk-...aaaa'),
      own('LIST_WORKSPACE_LOG_FILES', 'sk-...bbbb'),
      own('CREATE_API_KEY', 'sk-...aaaa'),
      own('LIST_WORKSPACE_LOG_FILES', 'sk-...aaaa', 'AUTH_LOG'),
      JSON.stringify({
        type: 'AUDIT_LOG',
        action: 'LIST_WORKSPACE_LOG_FILES',
        actor: { type: 'ACCOUNT_USER', redacted_id: 'sk-...aaaa' },
      }),
    ]);
    assert.deepStrictEqual(
      recs.map((r) => r !== undefined),
      [false, false, false, true, true, true, true],
    );
    assert.deepStrictEqual(
      drops.map((d) => d.reason),
      ['own-audit-event', 'own-audit-event', 'own-audit-event'],
    );
  });

  test('nothing is dropped when the option is off', () => {
    const { e } = enricher({ dropOwnAuditEvents: { enabled: false, redactedIds: ['sk-...aaaa'] } });
    assert.ok(run(e, [own('LIST_WORKSPACE_LOG_FILES', 'sk-...aaaa')])[0]);
  });
});

describe('RecordEnricher redaction', () => {
  const key = new Secret('redaction-key-1');
  const record = {
    event_id: 'e1',
    actor: { type: 'ACCOUNT_USER', user_email: 'alice@example.com', user_id: 'u1' },
    message: {
      content: { value: 'very private text' },
      files: [
        { name: 'a.pdf', id: 'f1' },
        { name: 'b.png', id: 'f2' },
      ],
    },
  };
  const text = JSON.stringify(record);

  test('remove deletes the paths, including every element reached by [*], and nothing else', () => {
    const { e } = enricher({
      metadataKey: null,
      redact: [
        { path: 'message.content.value', action: 'remove' },
        { path: 'message.files[*].name', action: 'remove' },
        { path: 'not.there', action: 'remove' },
      ],
    });
    const [rec] = run(e, [text]);
    assert.deepStrictEqual(JSON.parse(rec?.line ?? ''), {
      event_id: 'e1',
      actor: record.actor,
      message: { content: {}, files: [{ id: 'f1' }, { id: 'f2' }] },
    });
    assert.ok(!rec?.line.includes('very private'));
    assert.deepStrictEqual(rec?.parsed, JSON.parse(rec?.line ?? ''));
  });

  test('removing array elements with * takes them out of the array', () => {
    const { e } = enricher({ metadataKey: null, redact: [{ path: 'message.files.*', action: 'remove' }] });
    assert.deepStrictEqual(JSON.parse(run(e, [text])[0]?.line ?? '').message.files, []);
  });

  test('hash replaces a value by a keyed HMAC, stable for one key and different for another', () => {
    const config: EnrichConfigInput = {
      redact: [
        { path: 'actor.user_email', action: 'hash' },
        { path: 'message.files', action: 'hash' },
      ],
      hashKey: { env: 'UNUSED_HERE' },
    };
    const first = JSON.parse(run(enricher(config, { hmacKey: key }).e, [text])[0]?.line ?? '');
    const again = JSON.parse(run(enricher(config, { hmacKey: key }).e, [text])[0]?.line ?? '');
    const other = JSON.parse(
      run(enricher(config, { hmacKey: new Secret('redaction-key-2') }).e, [text])[0]?.line ?? '',
    );
    assert.match(first.actor.user_email, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.ok(first.actor.user_email.startsWith(HASH_PREFIX));
    assert.match(first.message.files, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(first.actor.user_email, again.actor.user_email);
    assert.notEqual(first.actor.user_email, other.actor.user_email);
    assert.notEqual(first.actor.user_email, first.message.files);
    assert.equal(first.actor.user_id, 'u1');
    const all = JSON.stringify([first, again, other]);
    for (const secret of ['alice@example.com', 'redaction-key-1', 'redaction-key-2'])
      assert.ok(!all.includes(secret));
  });

  test('a redacted event_id does not leak through the record key', () => {
    const { e } = enricher(
      { redact: [{ path: 'event_id', action: 'hash' }], hashKey: { value: 'x' } },
      { hmacKey: key },
    );
    const [rec] = run(e, [text]);
    assert.match(rec?.eventId ?? '', /^hmac-sha256:/);
    assert.equal(JSON.parse(rec?.line ?? '').event_id, rec?.eventId);
  });

  test('a record without the redacted paths is not re-serialised', () => {
    const { e } = enricher({
      metadataKey: null,
      redact: [{ path: 'message.content.value', action: 'remove' }],
    });
    const untouched = '{"event_id":"e2",  "n": 1.0 }';
    assert.equal(run(e, [untouched])[0]?.line, untouched);
  });

  test('a hash redaction without a key is refused, by the schema and by the constructor', () => {
    const result = enrichConfigSchema.safeParse({ redact: [{ path: 'a', action: 'hash' }] });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /hash key is required/);
    const parsed = enrichConfigSchema.parse({
      redact: [{ path: 'a', action: 'hash' }],
      hashKey: { env: 'K' },
    });
    assert.throws(() => new RecordEnricher(parsed, { version: '1', host: 'h' }), { code: 'CF_ERR_CONFIG' });
  });
});

describe('RecordEnricher filters', () => {
  const texts = [
    '{"event_id":"1","type":"AUDIT_LOG","action":"LOGIN","actor":{"user_email":"a@corp.example"}}',
    '{"event_id":"2","type":"AUDIT_LOG","action":"LIST_WORKSPACE_LOG_FILES","actor":{"user_email":"b@other.example"}}',
    '{"event_id":"3","type":"AUTH_LOG","tags":[{"k":"x"},{"k":"vip"}]}',
    '{"event_id":"4","type":"AUTH_LOG","flag":null}',
  ];
  const kept = (config: EnrichConfigInput) =>
    run(enricher({ metadataKey: null, ...config }).e, texts).map((r) => (r ? r.eventId : '-'));

  test('drop by equals, in, exists and regex', () => {
    assert.deepStrictEqual(
      kept({ filters: [{ action: 'drop', op: 'equals', path: 'type', value: 'AUTH_LOG' }] }),
      ['1', '2', '-', '-'],
    );
    assert.deepStrictEqual(
      kept({ filters: [{ action: 'drop', op: 'in', path: 'action', values: ['LOGIN', 'LOGOUT'] }] }),
      ['-', '2', '3', '4'],
    );
    assert.deepStrictEqual(kept({ filters: [{ action: 'drop', op: 'exists', path: 'flag' }] }), [
      '1',
      '2',
      '3',
      '-',
    ]);
    assert.deepStrictEqual(
      kept({
        filters: [
          {
            action: 'drop',
            op: 'regex',
            path: 'actor.user_email',
            pattern: '@CORP\\.',
            caseInsensitive: true,
          },
        ],
      }),
      ['-', '2', '3', '4'],
    );
  });

  test('keep filters keep only records matching one of them; drop filters still apply', () => {
    assert.deepStrictEqual(
      kept({
        filters: [
          { action: 'keep', op: 'equals', path: 'type', value: 'AUDIT_LOG' },
          { action: 'keep', op: 'equals', path: 'tags[*].k', value: 'vip' },
          { action: 'drop', op: 'regex', path: 'action', pattern: '^LIST_' },
        ],
      }),
      ['1', '-', '3', '-'],
    );
  });

  test('filtered records are reported to onDrop', () => {
    const { e, drops } = enricher({ filters: [{ action: 'drop', op: 'exists', path: 'tags' }] });
    run(e, texts);
    assert.deepStrictEqual(drops, [{ reason: 'filtered', line: 3, fileId: 'file-0001' }]);
  });

  test('bad filter configuration is refused with a message naming the problem', () => {
    const bad = enrichConfigSchema.safeParse({
      filters: [
        { action: 'drop', op: 'regex', path: 'a', pattern: '(' },
        { action: 'drop', op: 'in', path: 'a', values: [] },
        { action: 'maybe', op: 'exists', path: 'a' },
        { action: 'drop', op: 'exists', path: 'a..b' },
      ],
    });
    assert.equal(bad.success, false);
    const text = JSON.stringify(bad.error?.issues);
    assert.match(text, /valid JavaScript regular expression/);
    assert.match(text, /dot-separated names/);
    assert.equal(bad.error?.issues.length, 4);
  });
});

describe('enrichConfigSchema', () => {
  test('defaults', () => {
    assert.deepStrictEqual(enrichConfigSchema.parse({}), {
      metadataKey: '_forwarder',
      staticFields: {},
      dedupe: { enabled: true, maxEntries: 100000 },
      dropOwnAuditEvents: { enabled: false, redactedIds: [] },
      redact: [],
      filters: [],
    });
  });

  test('unknown keys and a static field named like the metadata key are refused', () => {
    assert.equal(enrichConfigSchema.safeParse({ metadatakey: null }).success, false);
    assert.equal(enrichConfigSchema.safeParse({ dedupe: { enabled: true, size: 3 } }).success, false);
    assert.equal(enrichConfigSchema.safeParse({ staticFields: { _forwarder: 1 } }).success, false);
  });

  test('every field is described, so the configuration reference can be generated', async () => {
    const { z } = await import('zod');
    const schema = JSON.stringify(z.toJSONSchema(enrichConfigSchema, { io: 'input' }));
    for (const field of [
      'metadataKey',
      'staticFields',
      'dedupe',
      'dropOwnAuditEvents',
      'redact',
      'hashKey',
      'filters',
    ]) {
      assert.ok(schema.includes(`"${field}"`), field);
    }
    assert.ok(!schema.includes('"description":""'));
  });
});
