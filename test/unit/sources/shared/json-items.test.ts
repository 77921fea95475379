import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonItemScanner, readTopLevelFields } from '../../../../src/sources/shared/index.ts';

/** Feeds `text` in the given chunk sizes; returns each item's bytes as text, and the members. */
function scan(text: string, cuts: number[], member?: string, oneLine = false) {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new JsonItemScanner({
    errorCode: 'CF_ERR_BAD_RESPONSE',
    what: 'Input',
    oneLine,
    ...(member === undefined ? {} : { member }),
  });
  const items: string[] = [];
  let current: Buffer[] = [];
  const handler = {
    itemBytes: (b: Buffer) => current.push(Buffer.from(b)),
    itemEnd: () => {
      items.push(Buffer.concat(current).toString('utf8'));
      current = [];
    },
  };
  let at = 0;
  for (const cut of cuts) {
    if (at >= bytes.length) break;
    const end = Math.min(bytes.length, at + Math.max(1, cut));
    scanner.push(Buffer.from(bytes.subarray(at, end)), handler);
    at = end;
  }
  if (at < bytes.length) scanner.push(Buffer.from(bytes.subarray(at)), handler);
  scanner.end();
  return { items, members: scanner.members };
}

const values = fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 12 });
const cuts = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 60 });

test('the items of a root array come out exactly, however the bytes are chunked and indented', () => {
  fc.assert(
    fc.property(values, cuts, fc.constantFrom(undefined, 2, '\t'), (array, chunking, indent) => {
      const text = JSON.stringify(array, null, indent);
      const { items } = scan(text, chunking);
      assert.deepEqual(
        items.map((i) => JSON.parse(i)),
        JSON.parse(text),
      );
    }),
    { numRuns: 300 },
  );
});

test('the array under a member is streamed; the other members are parsed, before or after it', () => {
  fc.assert(
    fc.property(
      values,
      cuts,
      fc.boolean(),
      fc.option(fc.string(), { nil: null }),
      (data, chunking, first, lastId) => {
        const page = first
          ? { has_more: true, data, last_id: lastId }
          : { object: 'list', data, has_more: false, last_id: lastId };
        const text = JSON.stringify(page, null, 1);
        const { items, members } = scan(text, chunking, 'data');
        assert.deepEqual(
          items.map((i) => JSON.parse(i)),
          JSON.parse(JSON.stringify(data)),
        );
        assert.equal(members.get('last_id'), lastId);
        assert.equal(members.get('has_more'), first);
        assert.equal(members.has('data'), false);
      },
    ),
    { numRuns: 300 },
  );
});

test('oneLine leaves no raw line break in an item and changes nothing else', () => {
  fc.assert(
    fc.property(values, cuts, (array, chunking) => {
      const text = JSON.stringify(array, null, 2).replace(/\n/g, '\r\n');
      const { items } = scan(text, chunking, undefined, true);
      for (const item of items) assert.ok(!/[\r\n]/.test(item));
      assert.deepEqual(
        items.map((i) => JSON.parse(i)),
        JSON.parse(text),
      );
    }),
    { numRuns: 200 },
  );
});

test('strings full of escapes, quotes and brackets do not confuse item boundaries', () => {
  const tricky = ['\\', '\\"', '"]', '},{', '\\\\"', 'ü 🚀 "x" [y] {z}'];
  const array = tricky.map((t, i) => ({ t, [`k${t}`]: [t, { t }], i }));
  for (const size of [1, 2, 3, 7, 1000]) {
    const { items } = scan(JSON.stringify(array), Array(2000).fill(size));
    // Items are verbatim slices, so compare text: Node 24.21's JSON.parse returns a wrong key for
    // `{"k\\"]":1}` after it parsed `{"k\\\\\\"":1}` (a V8 key-cache bug), which made a
    // JSON.parse-based comparison fail although the scanner was right.
    assert.deepEqual(
      items,
      array.map((a) => JSON.stringify(a)),
      `chunks of ${size}`,
    );
  }
});

test('structure errors name the problem and the byte offset', () => {
  const cases: Array<[string, string | undefined, RegExp]> = [
    ['{"a":1}', undefined, /is not a JSON array/],
    ['[{"a":1} {"b":2}]', undefined, /misses a "," between array items/],
    ['[{"a":1},]', undefined, /"," right before "]"/],
    ['[{"a":1}, {"b":', undefined, /ends inside the array/],
    ['[1] x', undefined, /has data after its root value/],
    ['{"data": 5}', 'data', /"data" member that is not an array/],
    ['{"data": [], "has_more": tru}', 'data', /not valid JSON/],
  ];
  for (const [text, member, message] of cases) {
    assert.throws(
      () => scan(text, [1000], member),
      (err: { code: string; message: string }) =>
        err.code === 'CF_ERR_BAD_RESPONSE' && message.test(err.message) && /\(byte \d+\)/.test(err.message),
      text,
    );
  }
});

test('readTopLevelFields agrees with JSON.parse on the members it is asked for', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
      (obj) => {
        const names = Object.keys(obj).slice(0, 3);
        const text = JSON.stringify(obj, null, 1);
        const fields = readTopLevelFields(Buffer.from(text), names);
        assert.ok(fields !== undefined);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        for (const n of names) assert.deepEqual(fields.get(n), parsed[n]);
      },
    ),
    { numRuns: 300 },
  );
  assert.equal(readTopLevelFields(Buffer.from('[1,2]'), ['id']), undefined);
  assert.equal(readTopLevelFields(Buffer.from('{"id": "x"'), ['id']), undefined);
});
