import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  BAD_LINE_TEXT_MAX_BYTES,
  badLineDeadLetter,
  isBadLine,
  JsonlSplitter,
  splitterConfigSchema,
} from '../../../src/transforms/index.js';
import { sourceRef } from '../../helpers/records.js';
import { goodLines, pieces, split } from './split-helpers.js';

const ok = (line: number, text: string) => ({
  ok: line,
  text,
  eventId: null as string | null | undefined,
  timestamp: null as string | null | undefined,
});

describe('JsonlSplitter line endings and numbering', () => {
  test('CRLF line endings give the same records as LF', () => {
    assert.deepStrictEqual(pieces('{"a":1}\r\n{"b":2}\r\n'), [ok(1, '{"a":1}'), ok(2, '{"b":2}')]);
  });

  test('blank and whitespace-only lines are skipped but still counted', () => {
    const { out, linesSeen } = split('\n   \n{"a":1}\n\t \r\n\n{"b":2}\n');
    assert.deepStrictEqual(
      out.map((x) => x.lineNumber),
      [3, 6],
    );
    assert.equal(linesSeen, 6);
  });

  test('the last line needs no final newline', () => {
    assert.deepStrictEqual(pieces('{"a":1}\n{"b":2}'), [ok(1, '{"a":1}'), ok(2, '{"b":2}')]);
  });

  test('empty input gives nothing, and end() can be called twice', () => {
    const splitter = new JsonlSplitter({ maxLineBytes: 100 });
    assert.deepStrictEqual(splitter.push(Buffer.alloc(0)), []);
    assert.deepStrictEqual(splitter.end(), []);
    assert.deepStrictEqual(splitter.end(), []);
    assert.equal(splitter.linesSeen, 0);
  });

  test('firstLineNumber shifts the numbering', () => {
    assert.deepStrictEqual(
      split('{"a":1}\n{"b":2}\n', { firstLineNumber: 41 }).out.map((x) => x.lineNumber),
      [41, 42],
    );
  });

  test('push after end is refused as a programming error', () => {
    const splitter = new JsonlSplitter({ maxLineBytes: 100 });
    splitter.end();
    assert.throws(() => splitter.push(Buffer.from('{}\n')), { code: 'CF_ERR_INTERNAL' });
  });

  test('bad options are refused with a clear error', () => {
    assert.throws(() => new JsonlSplitter({ maxLineBytes: 0 }), /maxLineBytes must be a positive integer/);
    const keys = Array.from({ length: 32 }, (_, i) => `k${i}`);
    assert.throws(() => new JsonlSplitter({ maxLineBytes: 1024, watchKeys: keys }), {
      code: 'CF_ERR_CONFIG',
      message: /At most 31 watchKeys, got 32/,
    });
  });

  test('a lone CR is not a line break: whitespace between objects, invalid inside a string', () => {
    const out = pieces('{"a":1}\r{"b":2}\n{"s":"x\ry"}\n');
    assert.equal(out.length, 3);
    assert.deepStrictEqual(
      out.slice(0, 2).map((p) => ('ok' in p ? [p.ok, p.text] : p)),
      [
        [1, '{"a":1}'],
        [1, '{"b":2}'],
      ],
    );
    assert.deepStrictEqual(out[2] && 'bad' in out[2] ? [out[2].bad, out[2].line, out[2].text] : out[2], [
      'CF_ERR_BAD_JSON',
      2,
      '{"s":"x\ry"}',
    ]);
  });
});

describe('JsonlSplitter run-together objects', () => {
  test('}{, }{}{ and } { yield one record each, all with the line number of their line', () => {
    const out = split('{"a":1}{"b":2}\n{}{}{}\n{"c":3} {"d":4}\t{"e":5}\n').out;
    assert.deepStrictEqual(
      out.map((x) => (isBadLine(x) ? x : [x.lineNumber, x.text])),
      [
        [1, '{"a":1}'],
        [1, '{"b":2}'],
        [2, '{}'],
        [2, '{}'],
        [2, '{}'],
        [3, '{"c":3}'],
        [3, '{"d":4}'],
        [3, '{"e":5}'],
      ],
    );
  });

  test('}{ and an escaped newline inside a string do not split the record', () => {
    const text = '{"a":"}{","b":"x\\ny \\"}{\\" z","c":{"d":"{"}}';
    const out = goodLines(split(`${text}\n`).out);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.text, text);
    assert.deepStrictEqual(out[0]?.parsed, JSON.parse(text));
  });

  test('good objects before a broken one are kept; the rest of the line is dead-lettered', () => {
    const out = pieces('{"a":1}{"b":}{"c":3}\n{"d":4}\n');
    assert.equal(out.length, 3);
    assert.ok(out[0] && 'ok' in out[0] && out[0].ok === 1 && out[0].text === '{"a":1}');
    assert.ok(out[1] && 'bad' in out[1]);
    assert.equal(out[1].bad, 'CF_ERR_BAD_JSON');
    assert.equal(out[1].line, 1);
    assert.equal(out[1].text, '{"b":}{"c":3}');
    assert.match(out[1].reason, /after 1 run-together object/);
    assert.deepStrictEqual(out[2], ok(2, '{"d":4}'));
  });

  test('surrounding whitespace is not part of the record text', () => {
    assert.deepStrictEqual(pieces('  {"a":1}\t \n'), [
      { ok: 1, text: '{"a":1}', eventId: undefined, timestamp: undefined },
    ]);
  });
});

describe('JsonlSplitter bad lines', () => {
  test('malformed JSON is a bad line, and the next line is unaffected', () => {
    const out = pieces('{"a":1,}\n{"b":2}\n');
    assert.ok(out[0] && 'bad' in out[0]);
    assert.equal(out[0].bad, 'CF_ERR_BAD_JSON');
    assert.equal(out[0].text, '{"a":1,}');
    assert.equal(out[0].size, 8);
    assert.deepStrictEqual(out[1], ok(2, '{"b":2}'));
  });

  test('valid JSON that is not an object is BAD_JSON "not a JSON object"', () => {
    const out = pieces('[1,2]\n42\n"s"\nnull\ntrue\n');
    assert.deepStrictEqual(
      out.map((p) => ('bad' in p ? [p.bad, p.line] : p)),
      [1, 2, 3, 4, 5].map((n) => ['CF_ERR_BAD_JSON', n]),
    );
    for (const p of out) assert.match('reason' in p ? p.reason : '', /not a JSON object/);
  });

  test('invalid UTF-8 is BAD_UTF8 and is never decoded with replacement characters into a record', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n{"overlong":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}\n{"surrogate":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}\n{"ok":"é"}\n'),
    ]);
    const out = pieces(bytes);
    assert.deepStrictEqual(
      out.map((p) => ('bad' in p ? [p.bad, p.line] : [p.ok, p.text])),
      [
        ['CF_ERR_BAD_UTF8', 1],
        ['CF_ERR_BAD_UTF8', 2],
        ['CF_ERR_BAD_UTF8', 3],
        [4, '{"ok":"é"}'],
      ],
    );
    assert.ok(out[0] && 'bad' in out[0] && out[0].size === 10);
  });

  test('NUL bytes make a line BAD_JSON, and the reason says so', () => {
    const out = pieces('{"a":"x\u0000y"}\n\u0000\u0000\n');
    assert.deepStrictEqual(
      out.map((p) => ('bad' in p ? [p.bad, p.line] : p)),
      [
        ['CF_ERR_BAD_JSON', 1],
        ['CF_ERR_BAD_JSON', 2],
      ],
    );
    for (const p of out) assert.match('reason' in p ? p.reason : '', /NUL bytes/);
  });

  test('a UTF-8 BOM is dropped at the start of the input only', () => {
    const out = pieces('\ufeff{"a":1}\n\ufeff{"b":2}\n');
    assert.deepStrictEqual(out[0], ok(1, '{"a":1}'));
    assert.ok(out[1] && 'bad' in out[1] && out[1].bad === 'CF_ERR_BAD_JSON' && out[1].line === 2);
  });

  test('a BOM split across chunks is still dropped', () => {
    const bytes = Buffer.from('\ufeff{"a":1}\n');
    for (const cut of [1, 2, 3]) assert.deepStrictEqual(pieces(bytes, { cuts: [cut] }), [ok(1, '{"a":1}')]);
  });

  test('a multi-byte character split across chunks is decoded whole', () => {
    const text = '{"k":"日本語 🚀"}';
    const bytes = Buffer.from(`${text}\n`);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepStrictEqual(pieces(bytes, { cuts: [cut] }), [ok(1, text)], `cut at ${cut}`);
    }
  });
});

describe('JsonlSplitter maximum line size', () => {
  const max = 16;
  const exact = '{"a":"12345678"}'; // 16 bytes
  const long = '{"a":"1234567890123456789"}'; // 27 bytes

  test('a line of exactly maxLineBytes is accepted, with LF or CRLF', () => {
    assert.equal(Buffer.byteLength(exact), max);
    for (const [input, count] of [
      [`${exact}\n`, 1],
      [`${exact}\r\n`, 1],
      [exact, 1],
      [`${exact}\r\n${exact}\r\n`, 2],
    ] as const) {
      // Every chunking, including a chunk that ends on the CR before the LF is known.
      for (let cut = 0; cut < input.length; cut++) {
        const texts = pieces(input, { maxLineBytes: max, cuts: cut ? [cut] : [] }).map((p) =>
          'ok' in p ? p.text : p,
        );
        assert.deepStrictEqual(texts, Array(count).fill(exact), `${JSON.stringify(input)} cut at ${cut}`);
      }
    }
  });

  for (const [where, input, line] of [
    ['start', `${long}\n{"b":1}\n{"c":2}\n`, 1],
    ['middle', `{"b":1}\n${long}\n{"c":2}\n`, 2],
    ['end, without a final newline', `{"b":1}\n{"c":2}\n${long}`, 3],
  ] as const) {
    test(`an over-long line at the ${where} is dead-lettered with its size and a prefix; neighbours survive`, () => {
      for (const cuts of [[], [3], [10, 20, 25], [...Array(input.length).keys()].slice(1)]) {
        const out = pieces(input, { maxLineBytes: max, cuts });
        assert.equal(out.length, 3);
        const bad = out[line - 1];
        assert.ok(bad && 'bad' in bad, `line ${line} is bad with cuts ${cuts}`);
        assert.equal(bad.bad, 'CF_ERR_LINE_TOO_LONG');
        assert.equal(bad.size, Buffer.byteLength(long));
        assert.equal(bad.text, long.slice(0, max));
        assert.match(bad.reason, /27 bytes, over the maximum line size of 16 bytes/);
        assert.deepStrictEqual(
          out.filter((p) => 'ok' in p).map((p) => ('ok' in p ? p.text : '')),
          ['{"b":1}', '{"c":2}'],
        );
      }
    });
  }

  test('an over-long line is not held whole: its dead-letter text is bounded to 64 KiB', () => {
    const huge = `{"a":"${'x'.repeat(300 * 1024)}"}`;
    const splitter = new JsonlSplitter({ maxLineBytes: 200 * 1024 });
    const out = [];
    const bytes = Buffer.from(`${huge}\n{"b":1}\n`);
    for (let o = 0; o < bytes.length; o += 16 * 1024)
      out.push(...splitter.push(bytes.subarray(o, o + 16 * 1024)));
    out.push(...splitter.end());
    assert.equal(out.length, 2);
    const bad = out[0];
    assert.ok(bad && isBadLine(bad));
    assert.equal(bad.code, 'CF_ERR_LINE_TOO_LONG');
    assert.equal(bad.size, huge.length);
    assert.equal(bad.text.length, BAD_LINE_TEXT_MAX_BYTES);
    assert.ok(!isBadLine(out[1]!));
  });

  test('the configured default is 16 MiB', () => {
    assert.deepStrictEqual(splitterConfigSchema.parse({}), { maxLineBytes: 16 * 1024 * 1024 });
    assert.equal(splitterConfigSchema.safeParse({ maxLineBytes: 0 }).success, false);
    assert.equal(splitterConfigSchema.safeParse({ maxLineBytes: 10, other: 1 }).success, false);
  });
});

describe('JsonlSplitter records', () => {
  test('event_id and timestamp are read without a parse, and agree with the parsed object', () => {
    const lines = [
      '{"event_id":"e1","timestamp":"2026-11-20T10:00:00Z","x":{"event_id":"nested"}}',
      '{"x":1,"event_id":"e\\u00e9\\n","event_id":"last wins"}',
      '{"event_id":5,"timestamp":null}',
      '{"ev\\u0065nt_id":"escaped key"}',
      '{"nested":{"event_id":"not top level"}}',
    ];
    const out = goodLines(split(lines.join('\n')).out);
    assert.equal(out.length, lines.length);
    for (const line of out) {
      const parsed = JSON.parse(line.text);
      const expected = typeof parsed.event_id === 'string' ? parsed.event_id : null;
      if (line.eventId !== undefined) assert.equal(line.eventId, expected, line.text);
      assert.deepStrictEqual(line.parsed, parsed);
    }
    assert.deepStrictEqual(
      out.map((l) => l.eventId),
      ['e1', 'last wins', null, undefined, null],
    );
    assert.equal(out[0]?.timestamp, '2026-11-20T10:00:00Z');
  });

  test('the record text keeps the upstream bytes exactly (escapes, spacing, number formats)', () => {
    const text = '{"a" : 1.50e+2, "b":"\\u00e9\\/", "c":[ ], "d":{}}';
    const out = goodLines(split(`${text}\n`).out);
    assert.equal(out[0]?.text, text);
  });

  test('a bad line becomes a dead-letter entry with file id, line number, size and text', () => {
    const bad = split('{"a":\n').out[0];
    assert.ok(bad && isBadLine(bad));
    assert.deepStrictEqual(badLineDeadLetter(bad, sourceRef()), {
      reason: bad.reason,
      code: 'CF_ERR_BAD_JSON',
      stage: 'split',
      source: {
        stream: sourceRef().stream,
        fileId: 'file-0001',
        fileName: sourceRef().fileName,
        lineNumber: 1,
      },
      size: 5,
      text: '{"a":',
    });
  });
});
