import { type BadLine, isBadLine, JsonlSplitter, type SplitLine } from '../../../src/transforms/index.js';

/** What a splitter produced, as plain data that deepStrictEqual can compare. */
export type Piece =
  | { ok: number; text: string; eventId: string | null | undefined; timestamp: string | null | undefined }
  | { bad: BadLine['code']; line: number; size: number; text: string; reason: string };

export function describePiece(x: SplitLine | BadLine): Piece {
  if (isBadLine(x)) return { bad: x.code, line: x.lineNumber, size: x.size, text: x.text, reason: x.reason };
  return { ok: x.lineNumber, text: x.text, eventId: x.eventId, timestamp: x.timestamp };
}

/** Runs `bytes` through a fresh splitter, cut into chunks at `cuts` (sorted byte offsets). */
export function split(
  bytes: Buffer | string,
  options: {
    maxLineBytes?: number;
    firstLineNumber?: number;
    cuts?: readonly number[];
    watchKeys?: readonly string[];
    capturePaths?: ReadonlyArray<readonly string[]>;
  } = {},
): { out: Array<SplitLine | BadLine>; linesSeen: number } {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const splitter = new JsonlSplitter({
    maxLineBytes: options.maxLineBytes ?? 1024 * 1024,
    firstLineNumber: options.firstLineNumber,
    ...(options.watchKeys === undefined ? {} : { watchKeys: options.watchKeys }),
    ...(options.capturePaths === undefined ? {} : { capturePaths: options.capturePaths }),
  });
  const out: Array<SplitLine | BadLine> = [];
  let from = 0;
  for (const cut of [...(options.cuts ?? []), buf.length]) {
    out.push(...splitter.push(buf.subarray(from, cut)));
    from = cut;
  }
  out.push(...splitter.end());
  return { out, linesSeen: splitter.linesSeen };
}

/** Plain-data view of `split`, for comparisons. */
export function pieces(
  bytes: Buffer | string,
  options: { maxLineBytes?: number; firstLineNumber?: number; cuts?: readonly number[] } = {},
): Piece[] {
  return split(bytes, options).out.map(describePiece);
}

export function goodLines(out: Array<SplitLine | BadLine>): SplitLine[] {
  return out.filter((x): x is SplitLine => !isBadLine(x));
}
