import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DEDUPE_BYTES_PER_ENTRY, DedupeWindow } from '../../../src/transforms/dedupe/dedupe-window.js';
import { digestUtf16 } from '../../../src/transforms/dedupe/id-digest.js';
import { ModelWindow } from '../../helpers/dedupe-model.js';

/**
 * The de-duplication window on its own: the same contract as dedupe-window-model.test.ts (through
 * the enricher), here with many files coming and going, ids that differ by one character, and the
 * memory bound the configuration documents.
 */

/** A fresh string each call: a retried file's key is equal to, not the same object as, the first. */
const fileKey = (n: number) => ['stream', String(n)].join('\u0000');

describe('DedupeWindow', () => {
  test('drops exactly what the LRU model drops, with files coming and going', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 80 }),
            file: fc.integer({ min: 0, max: 30 }),
            line: fc.integer({ min: 1, max: 3 }),
            // Now and then the file is delivered whole after this record.
            delivered: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
          }),
          {
            minLength: 1,
            maxLength: 600,
          },
        ),
        (max, trace) => {
          const window = new DedupeWindow(max);
          const model = new ModelWindow(max);
          for (const [i, { id, file, line, delivered }] of trace.entries()) {
            assert.equal(
              window.isDuplicate(`evt-${id}`, fileKey(file), line),
              model.isDuplicate(`evt-${id}`, fileKey(file), line),
              `step ${i}: evt-${id} in file ${file} line ${line}`,
            );
            if (delivered) {
              window.fileDelivered(fileKey(file));
              model.fileDelivered(fileKey(file));
            }
            assert.equal(window.size, model.seen.size);
            assert.equal(window.files, model.files, `step ${i}: files with an id in the window`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('ids that differ by one character are never taken for each other', () => {
    const count = 100_000;
    const window = new DedupeWindow(count * 2);
    // Near-identical ids: sequential numbers, one character changed, non-ASCII, lone surrogates,
    // a prefix of another, the longest remembered length.
    const ids = (variant: string) =>
      Array.from({ length: count }, (_, i) => {
        const n = i.toString(36).padStart(6, '0');
        return i % 4 === 0
          ? `evt_${variant}${n}`
          : i % 4 === 1
            ? `évt-😀${variant}-${n}`
            : i % 4 === 2
              ? `\ud800${variant}${n}\udfff`
              : `${variant}${n}`.padEnd(256, 'x');
      });
    const a = ids('a');
    const b = ids('b');
    for (const [i, id] of a.entries()) assert.equal(window.isDuplicate(id, 'file-a', i + 1), false);
    let wronglyDropped = 0;
    for (const [i, id] of b.entries()) if (window.isDuplicate(id, 'file-b', i + 1)) wronglyDropped++;
    assert.equal(wronglyDropped, 0, 'no new id is taken for a remembered one');
    let dropped = 0;
    for (const [i, id] of a.entries()) if (window.isDuplicate(id, 'file-c', i + 1)) dropped++;
    assert.equal(dropped, count, 'every repeat from another file is a duplicate');
    assert.equal(window.size, count * 2);
  });

  test('an id repeated at another line of its file is a duplicate; a retry of the file is not', () => {
    const window = new DedupeWindow(10);
    assert.equal(window.isDuplicate('evt-1', fileKey(1), 11), false, 'first sight');
    assert.equal(window.isDuplicate('evt-1', fileKey(1), 44), true, 'the upstream repeat in the same file');
    // The file fails and is read again from its first line: the first copy must be delivered.
    assert.equal(window.isDuplicate('evt-1', fileKey(1), 11), false, 'the retry keeps the first copy');
    assert.equal(window.isDuplicate('evt-1', fileKey(1), 44), true, 'and drops the repeat again');
    assert.equal(window.isDuplicate('evt-1', fileKey(2), 11), true, 'another file at the same line');
  });

  test('a file delivered whole and read again (a later poll past a failed file) has only duplicates', () => {
    const window = new DedupeWindow(10);
    assert.equal(window.isDuplicate('evt-1', fileKey(1), 1), false);
    assert.equal(window.isDuplicate('evt-2', fileKey(1), 2), false);
    assert.equal(window.isDuplicate('evt-3', fileKey(2), 1), false);
    window.fileDelivered(fileKey(1));
    assert.equal(window.isDuplicate('evt-1', fileKey(1), 1), true, 'its records were delivered');
    assert.equal(window.isDuplicate('evt-2', fileKey(1), 2), true);
    assert.equal(window.isDuplicate('evt-3', fileKey(2), 1), false, 'a file not delivered keeps its retry');
    // Once the window forgot every id of the delivered file, the mark goes with them.
    const small = new DedupeWindow(1);
    small.isDuplicate('evt-1', fileKey(1), 1);
    small.fileDelivered(fileKey(1));
    small.isDuplicate('evt-9', fileKey(9), 1);
    assert.equal(small.isDuplicate('evt-5', fileKey(1), 1), false, 'a new id of that file is new');
    assert.equal(small.isDuplicate('evt-5', fileKey(1), 1), false, 'and its retry is kept: the mark is gone');
  });

  test('ids of 256 characters are remembered; longer or empty ones pass and are not counted', () => {
    const window = new DedupeWindow(10);
    const longest = 'x'.repeat(256);
    const tooLong = 'x'.repeat(257);
    for (const id of [longest, tooLong, '']) window.isDuplicate(id, 'file-1', 1);
    assert.equal(window.size, 1);
    assert.equal(window.isDuplicate(longest, 'file-2', 1), true);
    assert.equal(window.isDuplicate(tooLong, 'file-2', 1), false);
    assert.equal(window.isDuplicate('', 'file-2', 1), false);
  });

  test('memory is fixed by maxEntries: bounded tables, and file keys only for files in the window', () => {
    for (const max of [1, 3, 1000, 65_536, 65_537, 100_000]) {
      const window = new DedupeWindow(max);
      assert.ok(
        window.byteLength <= DEDUPE_BYTES_PER_ENTRY * max,
        `${max} entries: ${window.byteLength} bytes`,
      );
    }
    // A long-running service sees an endless stream of files: the window must forget their keys.
    const window = new DedupeWindow(50);
    for (let f = 0; f < 20_000; f++) {
      for (let i = 0; i < 3; i++) window.isDuplicate(`f${f}-e${i}`, fileKey(f), i + 1);
    }
    assert.equal(window.size, 50);
    assert.ok(window.files <= 17, `${window.files} file keys kept for 50 ids of 3 per file`);
  });

  test('rejects a size that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new DedupeWindow(bad), RangeError);
  });
});

describe('digestUtf16', () => {
  test('is MurmurHash3_x86_128 of the UTF-16LE code units (vectors from the reference C code)', () => {
    const out = new Int32Array(4);
    const cases: Array<[string, number, number[]]> = [
      ['', 0, [0, 0, 0, 0]],
      ['evt_01HZX3K9Q2', 0, [-1318060177, 2005549558, -2043037322, 1484449662]],
      ['evt_01HZX3K9Q2', 42, [-804292661, -1905435577, 903709045, 1293662738]],
      ['é€😀 x', 42, [-1785872320, -1231364050, -332145372, 655837332]],
    ];
    for (const [text, seed, expected] of cases) {
      digestUtf16(text, seed, out);
      assert.deepEqual([...out], expected, JSON.stringify(text));
    }
  });
});
