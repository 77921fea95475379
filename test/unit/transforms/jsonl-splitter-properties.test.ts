import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isBadLine } from '../../../src/transforms/index.js';
import { goodLines, pieces, split } from './split-helpers.js';

/** JSON objects of the shapes upstream sends, with event_id / timestamp of varied types. */
const jsonObject = fc
  .tuple(
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
    fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.integer(), fc.constant(null))),
    fc.option(fc.oneof(fc.string({ maxLength: 24 }), fc.boolean())),
  )
  .map(([fields, eventId, timestamp]) => ({
    ...(eventId === null ? {} : { event_id: eventId }),
    ...fields,
    ...(timestamp === null ? {} : { timestamp }),
  }));

/** Characters that matter to JSON, to text decoding, or to line handling. */
const noiseChar = fc.constantFrom(
  ...'{}[]":,\\ \t\r0123456789-+.eEtrufalsn/bu'.split(''),
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  'é',
  '日',
  '🚀',
  '\ufeff',
  '\u2028',
);

/** A JSON object's text with up to three single-character edits: insert, delete or replace. */
const mutatedObjectText = fc
  .tuple(
    jsonObject.map((o) => JSON.stringify(o)),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), noiseChar), { maxLength: 3 }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, op, ch] of edits) {
      const i = at % (out.length + 1);
      if (op === 'insert') out = out.slice(0, i) + ch + out.slice(i);
      else if (op === 'delete') out = out.slice(0, i) + out.slice(i + 1);
      else out = out.slice(0, i) + ch + out.slice(i + 1);
    }
    return out;
  });

/** JSON leaves, and near misses of each kind (bad escapes, control characters, numbers, literals). */
const validLeaf = fc.constantFrom(
  '0',
  '-0',
  '7',
  '1.5',
  '2e9',
  '1E+2',
  '-1.25e-3',
  'true',
  'false',
  'null',
  '""',
  '"v"',
  '"é 日 🚀"',
  '"\\u00e9"',
  '"\\ud800"',
  '"\\n\\"\\\\\\/\\b\\f\\r\\t"',
  '[]',
  '{}',
  ' 1 ',
  '\t"x"\r',
);
const invalidLeaf = fc.constantFrom(
  '"\\x"',
  '"\\u12"',
  '"\\u12g4"',
  '"\\',
  '"\u0001"',
  '"\t"',
  '"\u0000"',
  '01',
  '-',
  '1.',
  '.5',
  '1e',
  '1e-',
  '+1',
  'tru',
  'nul',
  'fals',
  'True',
  '"open',
  "'single'",
  'NaN',
  '0x10',
  '\u00a01',
  '[1,]',
  '{"a"}',
  '{,}',
);
const keyText = fc.constantFrom(
  '"k"',
  '"event_id"',
  '"timestamp"',
  '"a\\u0062"',
  '"é"',
  '""',
  '"\\x"',
  'k',
  '"k" ',
);
const separator = fc.constantFrom(',', ',', ',', ' , ', ',,', '', ':');

/**
 * Objects assembled from those leaves: mostly well-formed, with now and then one bad leaf, key or
 * separator at a valid position, so every branch of the splitter's scanner meets both sides.
 */
const { object: jsonishObject } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    { weight: 6, arbitrary: validLeaf },
    { weight: 1, arbitrary: invalidLeaf },
    { weight: 2, arbitrary: tie('object') },
    { weight: 2, arbitrary: tie('array') },
  ),
  object: fc
    .array(fc.tuple(keyText, fc.constantFrom(':', ':', ':', ' : ', ''), tie('value'), separator), {
      maxLength: 4,
    })
    .map(
      (members) => `{${members.map(([k, colon, v, sep], i) => `${i ? sep : ''}${k}${colon}${v}`).join('')}}`,
    ),
  array: fc
    .array(fc.tuple(tie('value'), separator), { maxLength: 4 })
    .map((items) => `[${items.map(([v, sep], i) => `${i ? sep : ''}${v}`).join('')}]`),
}));

/** One physical line's bytes (no LF): records, run-together records, junk, bad UTF-8, blanks. */
const lineBytes = fc.oneof(
  { weight: 4, arbitrary: jsonObject.map((o) => Buffer.from(JSON.stringify(o))) },
  { weight: 3, arbitrary: mutatedObjectText.map((t) => Buffer.from(t)) },
  {
    weight: 1,
    arbitrary: fc
      .array(jsonObject, { minLength: 2, maxLength: 3 })
      .chain((objs) =>
        fc
          .constantFrom('', ' ', '\t', '\r')
          .map((sep) => Buffer.from(objs.map((o) => JSON.stringify(o)).join(sep))),
      ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\r', '\r').map((s) => Buffer.from(s)) },
);

/** A whole input: lines with LF or CRLF, maybe a BOM, maybe no final newline. */
const input = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(lineBytes, fc.constantFrom('\n', '\r\n')), { maxLength: 8 }),
    fc.boolean(),
  )
  .map(([bom, lines, finalNewline]) => {
    const parts: Buffer[] = bom ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
    lines.forEach(([bytes, eol], i) => {
      parts.push(bytes);
      if (i < lines.length - 1 || finalNewline) parts.push(Buffer.from(eol));
    });
    return Buffer.concat(parts);
  });

const cutsOf = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 12 })
    .map((cuts) => cuts.filter((c) => c < length).sort((a, b) => a - b));

describe('JsonlSplitter properties', () => {
  test('any chunking of the same bytes gives the same records, bad lines and line count, and nothing throws', () => {
    fc.assert(
      fc.property(
        input.chain((bytes) =>
          fc.tuple(fc.constant(bytes), cutsOf(bytes.length), fc.integer({ min: 24, max: 400 })),
        ),
        ([bytes, cuts, maxLineBytes]) => {
          const whole = split(bytes, { maxLineBytes });
          const chunked = split(bytes, { maxLineBytes, cuts });
          assert.deepStrictEqual(pieces(bytes, { maxLineBytes, cuts }), pieces(bytes, { maxLineBytes }));
          assert.equal(chunked.linesSeen, whole.linesSeen);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('byte-at-a-time feeding gives the same output as one chunk', () => {
    fc.assert(
      fc.property(input, (bytes) => {
        const everyByte = [...Array(bytes.length).keys()].slice(1);
        assert.deepStrictEqual(pieces(bytes, { cuts: everyByte }), pieces(bytes));
      }),
      { numRuns: 100 },
    );
  });

  test('every record is one valid JSON object whose parsed value and event_id match JSON.parse', () => {
    fc.assert(
      fc.property(input, (bytes) => {
        for (const line of goodLines(split(bytes).out)) {
          const reference = JSON.parse(line.text);
          assert.ok(typeof reference === 'object' && reference !== null && !Array.isArray(reference));
          assert.deepStrictEqual(line.parsed, reference);
          const id = typeof reference.event_id === 'string' ? reference.event_id : null;
          const ts = typeof reference.timestamp === 'string' ? reference.timestamp : null;
          if (line.eventId !== undefined) assert.equal(line.eventId, id);
          if (line.timestamp !== undefined) assert.equal(line.timestamp, ts);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a line is accepted as one object exactly when JSON.parse accepts it as one', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedObjectText, jsonishObject), (text) => {
        // One physical line, representable in UTF-8 (no lone surrogates), and not starting with a BOM
        // (which the splitter drops at the start of the input).
        fc.pre(!text.includes('\n') && !text.startsWith('\ufeff') && Buffer.from(text).toString() === text);
        let reference: unknown;
        try {
          reference = JSON.parse(text);
        } catch {
          reference = undefined;
        }
        const isObject = typeof reference === 'object' && reference !== null && !Array.isArray(reference);
        const out = split(text).out;
        const trimmed = text.replace(/^[ \t\r]+|[ \t\r]+$/g, ''); // JSON whitespace only, unlike trim()
        const whole = out.filter((x) => !isBadLine(x) && x.text === trimmed);
        if (isObject) {
          assert.equal(out.length, 1, `${JSON.stringify(text)} gives one record`);
          assert.equal(whole.length, 1);
          const [line] = whole;
          assert.ok(line && !isBadLine(line));
          assert.deepStrictEqual(line.parsed, reference);
          const { event_id: id, timestamp: ts } = reference as Record<string, unknown>;
          if (line.eventId !== undefined) assert.equal(line.eventId, typeof id === 'string' ? id : null);
          if (line.timestamp !== undefined) assert.equal(line.timestamp, typeof ts === 'string' ? ts : null);
        } else {
          assert.equal(whole.length, 0, `${JSON.stringify(text)} is not accepted whole`);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test('valid UTF-8 text of any script survives decoding unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (value) => {
        const out = goodLines(split(`${JSON.stringify({ event_id: value, v: value })}\n`).out);
        assert.equal(out.length, 1);
        assert.equal(out[0]?.parsed.v, value);
        const eventId = out[0]?.eventId;
        if (eventId !== undefined) assert.equal(eventId, value);
      }),
      { numRuns: 300 },
    );
  });
  test('the watched keys a line reports having are exactly its top-level keys among them', () => {
    // Short keys, so that generated objects often hold them, nested or written with escapes too.
    const key = fc.constantFrom('a', 'b', '_forwarder', 'é', 'event_id', 'x"y');
    const value = fc.oneof(
      fc.integer(),
      fc.string({ maxLength: 4 }),
      fc.dictionary(key, fc.integer(), { maxKeys: 2 }),
    );
    const escaped = (k: string) =>
      `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
    const watchKeys = ['a', '_forwarder', 'é', 'event_id', 'x"y'];
    let known = 0;
    let seen = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value, fc.boolean()), { maxLength: 6 }), (members) => {
        // A member name is sometimes written with \u escapes: the splitter must then not claim to know.
        const text = `{${members.map(([k, v, esc]) => `${esc ? escaped(k) : JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const [line] = goodLines(split(`${text}\n`, { watchKeys }).out);
        assert.ok(line !== undefined);
        if (line.keysWatched === undefined) {
          assert.equal(line.eventId, undefined, 'only lines with unknown keys leave them unreported');
          return;
        }
        known++;
        assert.equal(line.keysWatched, watchKeys, 'the same array the splitter was given');
        watchKeys.forEach((k, bit) => {
          const has = Object.hasOwn(line.parsed, k);
          if (has) seen++;
          assert.equal(((line.keysSeen ?? 0) >>> bit) & 1, has ? 1 : 0, `${k} in ${text}`);
        });
      }),
      { numRuns: 2000 },
    );
    assert.ok(
      known > 200 && seen > 100,
      `the property saw lines with and without the keys (${known}, ${seen})`,
    );
  });
});

describe('captured values (SplitterOptions.capturePaths)', () => {
  /** What the scanner must report for `path`, from the parsed object (see SplitLine.captured). */
  function expected(parsed: Record<string, unknown>, path: readonly string[]): string | false | null {
    let node: unknown = parsed;
    for (let i = 0; i < path.length; i++) {
      if (typeof node !== 'object' || node === null) return null;
      if (Array.isArray(node)) return false;
      if (!Object.hasOwn(node, path[i]!)) return null;
      node = (node as Record<string, unknown>)[path[i]!];
    }
    return typeof node === 'string' ? node : false;
  }

  test('agree with the parsed object: the string, null when nothing is there, false otherwise', () => {
    const key = fc.constantFrom('type', '_forwarder', 'event_type', 'type', '_forwarder', 'a', 'é', 'x"y');
    const leaf = fc.oneof(
      { arbitrary: fc.string({ maxLength: 4 }), weight: 4 },
      { arbitrary: fc.integer(), weight: 1 },
      { arbitrary: fc.constant(null), weight: 1 },
    );
    // Now and then a member name written with escapes: the splitter must then not claim to know.
    const escapedName = fc.constantFrom(false, false, false, false, true);
    const value = fc.oneof(
      leaf,
      fc.dictionary(key, leaf, { maxKeys: 3 }),
      fc.array(leaf, { maxLength: 2 }),
      fc.dictionary(key, fc.dictionary(key, leaf, { maxKeys: 2 }), { maxKeys: 2 }),
    );
    const escaped = (k: string) =>
      `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
    // Members written out by hand so that keys may repeat (the last one wins) or be escaped, also
    // inside the first member's object.
    class Raw {
      constructor(readonly text: string) {}
    }
    const object = (members: Array<[string, unknown, boolean]>): string =>
      `{${members.map(([k, v, esc]) => `${esc ? escaped(k) : JSON.stringify(k)}:${v instanceof Raw ? v.text : JSON.stringify(v)}`).join(',')}}`;
    const inner = fc
      .array(fc.tuple(key, leaf, escapedName), { maxLength: 3 })
      .map((m) => new Raw(object(m as Array<[string, unknown, boolean]>)));
    const capturePaths = [['type'], ['_forwarder', 'event_type'], ['é'], ['x"y'], ['_forwarder', 'x"y']];
    let known = 0;
    let strings = 0;
    let nested = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.oneof(value, inner), escapedName), { maxLength: 6 }),
        (members) => {
          const text = object(members as Array<[string, unknown, boolean]>);
          const [line] = goodLines(split(`${text}\n`, { capturePaths }).out);
          assert.ok(line !== undefined);
          if (line.captured === undefined) {
            assert.equal(line.pathsCaptured, undefined);
            return;
          }
          known++;
          assert.equal(line.pathsCaptured, capturePaths, 'the same array the splitter was given');
          capturePaths.forEach((path, i) => {
            const want = expected(line.parsed, path);
            if (typeof want === 'string') {
              strings++;
              if (path.length === 2) nested++;
            }
            assert.equal(line.captured![i], want, `${path.join('.')} in ${text}`);
          });
        },
      ),
      { numRuns: 3000 },
    );
    assert.ok(
      known > 300 && strings > 30 && nested > 10,
      `the property saw strings at both depths (${known}, ${strings}, ${nested})`,
    );
  });

  test('escaped string values are decoded', () => {
    const text = '{"type":"A\\u0042\\"C","_forwarder":{"event_type":"X\\u0059"}}\n';
    const [line] = goodLines(split(text, { capturePaths: [['type'], ['_forwarder', 'event_type']] }).out);
    assert.deepEqual(line?.captured, ['AB"C', 'XY']);
  });

  test('more than eight paths, or a path of three names, is a configuration error naming both', () => {
    const paths = [['a', 'b', 'c'], ...'abcdefgh'.split('').map((n) => [n])];
    assert.throws(
      () => split('{}\n', { capturePaths: paths }),
      /At most 8 capturePaths, got 9\. A capture path has one or two names, got \[a, b, c\]\./,
    );
  });
});
