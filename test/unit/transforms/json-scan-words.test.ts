import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { isBadLine, type SplitLine } from '../../../src/transforms/index.js';
import { split } from './split-helpers.js';

/**
 * The splitter's scanner skips long string runs four bytes at a time on aligned words of the chunk's
 * ArrayBuffer. These tests put every byte that must stop a run (quote, backslash, each control
 * character) at every offset of long strings, in lines starting at every alignment of the chunk, and
 * check the verdict against JSON.parse: a line is a record exactly when JSON.parse accepts it as one
 * object, and then its text is the line.
 */

/** True when JSON.parse accepts `text` as one object. */
function parsesAsObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Splits `line` placed `shift` bytes into a larger buffer (so its byteOffset varies). */
function splitAt(line: Buffer, shift: number) {
  const backing = Buffer.alloc(shift + line.length + 1 + 7, 0x20);
  line.copy(backing, shift);
  backing[shift + line.length] = 0x0a;
  return split(backing.subarray(shift, shift + line.length + 1)).out;
}

function check(line: Buffer, shift: number): void {
  const text = line.toString('utf8');
  const out = splitAt(line, shift);
  const expected = parsesAsObject(text);
  const records = out.filter((x): x is SplitLine => !isBadLine(x));
  const label = `${JSON.stringify(text.slice(0, 80))} at shift ${shift}`;
  if (expected) {
    assert.equal(records.length, 1, label);
    assert.equal(records[0]!.text, text, label);
    assert.deepEqual(records[0]!.parsed, JSON.parse(text), label);
  } else {
    assert.equal(records.length, 0, label);
    assert.ok(out.length === 1 && isBadLine(out[0]!), label);
  }
}

const STOPS = [
  '"',
  '\\',
  '\\n',
  '\\"',
  '\\\\',
  '\\u00e9',
  '\\ud83d\\ude80',
  '\\x',
  '\\u12',
  '\u0000',
  '\t',
  '\r',
  '\u001f',
];

describe('JSON scanner: long strings', () => {
  test('a stop byte at every offset of a long string, lines at every alignment, agrees with JSON.parse', () => {
    const filler = 'abcdefghijklmnopqrstuvwxyz0123456789é日🚀';
    for (const stop of STOPS) {
      for (let at = 0; at < 24; at++) {
        const value = `${filler.slice(0, at)}${stop}${filler.slice(at)}`;
        const line = Buffer.from(`{"event_id":"e","message":"${value}","n":1}`, 'utf8');
        for (let shift = 0; shift < 4; shift++) check(line, shift);
      }
    }
  });

  test('a string that runs to the end of the line without its closing quote is bad JSON', () => {
    for (let len = 0; len < 40; len++) {
      for (let shift = 0; shift < 4; shift++) check(Buffer.from(`{"a":"${'x'.repeat(len)}`), shift);
    }
  });

  test('bytes 0x80-0xff inside strings are plain content (valid UTF-8 of any script)', () => {
    const line = Buffer.from(JSON.stringify({ a: 'ÿþ€日本語🚀'.repeat(20), b: 'z' }), 'utf8');
    for (let shift = 0; shift < 4; shift++) check(line, shift);
  });

  test('invalid UTF-8 in a long string is BAD_UTF8, overlong encodings and lone surrogates included', () => {
    const bad = [
      Buffer.from([0xc0, 0xaf]), // overlong '/'
      Buffer.from([0xe0, 0x80, 0xaf]), // overlong
      Buffer.from([0xed, 0xa0, 0x80]), // UTF-8 encoded lone surrogate U+D800
      Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
      Buffer.from([0xff]),
    ];
    for (const b of bad) {
      const line = Buffer.concat([Buffer.from('{"a":"0123456789abcdef'), b, Buffer.from('0123456789"}')]);
      for (let shift = 0; shift < 4; shift++) {
        const out = splitAt(line, shift);
        assert.equal(out.length, 1);
        assert.ok(isBadLine(out[0]!) && out[0]!.code === 'CF_ERR_BAD_UTF8');
      }
    }
  });

  test('escaped surrogates (paired or lone) are valid JSON and kept as written', () => {
    for (const esc of ['\\ud83d\\ude80', '\\ud800', '\\udfff', '\\u0000']) {
      check(Buffer.from(`{"event_id":"id-${esc}-0123456789","t":"x"}`), 1);
    }
  });

  test('numbers, literals and nesting around long strings', () => {
    const cases = [
      '{"a":-0.5e+10,"b":"' + 'x'.repeat(30) + '"}',
      '{"a":01,"b":"' + 'x'.repeat(30) + '"}',
      '{"a":1.,"b":"' + 'x'.repeat(30) + '"}',
      '{"a":[true,false,null,{"b":"' + 'y'.repeat(33) + '"}],"c":{}}',
      '{"a":[tru],"b":"' + 'x'.repeat(30) + '"}',
      `${'{"a":'.repeat(200)}"${'z'.repeat(20)}"${'}'.repeat(200)}`,
      `${'{"a":'.repeat(200)}"${'z'.repeat(20)}"${'}'.repeat(199)}`,
    ];
    for (const c of cases) for (let shift = 0; shift < 4; shift++) check(Buffer.from(c), shift);
  });
});
