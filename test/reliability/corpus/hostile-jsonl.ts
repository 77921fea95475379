/*
 * The hostile JSONL corpus, generated at test time (nothing large is committed). Each case is a
 * file body whose first and last lines are good records, so a test can check that the bad part in
 * the middle neither takes its neighbours with it nor stops the file.
 */

export interface HostileCase {
  readonly name: string;
  /** The whole file, in chunks (large cases are streamed, never held whole). */
  chunks(): Iterable<Buffer>;
  /**
   * What the middle must become: only dead-letter entries; only records; or both, where the
   * splitter (by design, see SplitLine) recovers whole objects run together or followed by junk
   * and dead-letters the rest.
   */
  readonly expect: 'bad-lines' | 'records' | 'bad-lines-and-objects';
}

export const GOOD_FIRST = '{"event_id":"good-first","type":"AUDIT_LOG","timestamp":"2026-01-01T00:00:00Z"}\n';
export const GOOD_LAST = '{"event_id":"good-last","type":"AUDIT_LOG","timestamp":"2026-01-01T00:00:01Z"}\n';

function framed(middle: Buffer | string): () => Iterable<Buffer> {
  return function* () {
    yield Buffer.from(GOOD_FIRST);
    yield typeof middle === 'string' ? Buffer.from(middle) : middle;
    yield Buffer.from(GOOD_LAST);
  };
}

/** `{"a":` repeated `depth` times then the closers, streamed in 64 KiB pieces. */
function* deepNesting(depth: number, open: string, close: string): Iterable<Buffer> {
  yield Buffer.from(GOOD_FIRST);
  const piece = 64 * 1024;
  for (let left = depth; left > 0; left -= piece / open.length) {
    yield Buffer.from(open.repeat(Math.min(piece / open.length, left)));
  }
  for (let left = depth; left > 0; left -= piece / close.length) {
    yield Buffer.from(close.repeat(Math.min(piece / close.length, left)));
  }
  yield Buffer.from('\n');
  yield Buffer.from(GOOD_LAST);
}

/** One line of `bytes` bytes inside a JSON string, streamed. */
function* hugeLine(bytes: number): Iterable<Buffer> {
  yield Buffer.from(GOOD_FIRST);
  yield Buffer.from('{"event_id":"huge","pad":"');
  const block = Buffer.alloc(1024 * 1024, 0x78);
  for (let left = bytes; left > 0; left -= block.length)
    yield left >= block.length ? block : block.subarray(0, left);
  yield Buffer.from('"}\n');
  yield Buffer.from(GOOD_LAST);
}

export function hostileCorpus(options: { hugeLineBytes?: number } = {}): HostileCase[] {
  return [
    { name: 'invalid JSON', expect: 'bad-lines', chunks: framed('{"event_id":"x", nope}\n{"a":1,}\n[1,2\n') },
    {
      name: 'invalid UTF-8',
      expect: 'bad-lines',
      chunks: framed(
        Buffer.concat([
          Buffer.from('{"event_id":"'),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
          Buffer.from('"}\n'),
        ]),
      ),
    },
    {
      name: 'NUL bytes',
      expect: 'bad-lines',
      chunks: framed('{"event_id":"a\u0000b"}\n\u0000\u0000\u0000\n'),
    },
    {
      name: `a ${Math.round((options.hugeLineBytes ?? 100 * 1024 * 1024) / 1048576)} MB line`,
      expect: 'bad-lines',
      chunks: () => hugeLine(options.hugeLineBytes ?? 100 * 1024 * 1024),
    },
    {
      name: 'objects nested a million deep',
      expect: 'bad-lines',
      chunks: () => deepNesting(1_000_000, '{"a":', '}'),
    },
    {
      name: 'arrays nested a million deep',
      expect: 'bad-lines',
      chunks: () => deepNesting(1_000_000, '[', ']'),
    },
    {
      name: 'duplicate keys',
      expect: 'records',
      chunks: framed('{"event_id":"dup-1","event_id":"dup-2","x":1,"x":2}\n'),
    },
    {
      name: '`}{` runs',
      expect: 'bad-lines-and-objects',
      chunks: framed(`${'}{'.repeat(10_000)}\n{}{}}{{\n`),
    },
    {
      name: 'one giant JSON array',
      expect: 'bad-lines',
      chunks: framed(
        `[${Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ event_id: `arr-${i}`, n: i })).join(',')}]\n`,
      ),
    },
    {
      name: 'a JSON array split over lines',
      expect: 'bad-lines-and-objects',
      chunks: framed(
        `[\n${Array.from({ length: 50 }, (_, i) => JSON.stringify({ event_id: `arr-${i}` })).join(',\n')}\n]\n`,
      ),
    },
  ];
}
