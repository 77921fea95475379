import { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import type { CheckpointPosition } from '../../core/stream-source.js';
import type { FileCursor } from './file-cursor.js';

const LF = 0x0a;

/**
 * A stretch of a file's JSON Lines view starting at `start`: at least `segmentBytes` long and cut
 * just after the first line end past that (or at the end of the file). It is the unit the
 * pipeline delivers and checkpoints, so a replay interrupted anywhere resumes at the start of the
 * segment that was in flight instead of the start of the file.
 *
 * Its end is found while it is read, so `done` (and `position`, the checkpoint it establishes:
 * `<end offset>:<path>`) settle when its byte stream has been consumed to the end; `done`
 * rejects if the stream is destroyed first.
 *
 * With `wholeLines` (a file that may still be written to), bytes after the last line break are
 * held back until more arrive; at the end of the file they are given back to the cursor, so the
 * segment ends at a line end and the unfinished line is read by a later poll, whole.
 */
export class Segment {
  readonly done: Promise<{ readonly endOffset: number; readonly endOfFile: boolean }>;
  position: CheckpointPosition;
  readonly #cursor: FileCursor;
  readonly #segmentBytes: number;
  readonly #endTime: string;
  readonly #wholeLines: boolean;
  #settle!: { resolve: (r: { endOffset: number; endOfFile: boolean }) => void; reject: (e: unknown) => void };

  constructor(cursor: FileCursor, segmentBytes: number, endTime: string, wholeLines = false) {
    this.#cursor = cursor;
    this.#wholeLines = wholeLines;
    this.#segmentBytes = segmentBytes;
    this.#endTime = endTime;
    this.position = { endTime, ids: [resumeToken(cursor.offset, cursor.path)] };
    this.done = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
  }

  open(): Readable {
    return Readable.from(this.#bytes(), { objectMode: false });
  }

  async *#bytes(): AsyncGenerator<Buffer> {
    const cursor = this.#cursor;
    let emitted = 0;
    let settled = false;
    // wholeLines: the bytes after the last line break seen (read from the cursor, not yet emitted),
    // joined once a line break follows them, so a long line is copied once.
    let held: Buffer[] = [];
    try {
      for (;;) {
        const next = await cursor.next();
        if (next === undefined) {
          if (held.length > 0) cursor.unshift(Buffer.concat(held));
          this.#finish(true);
          settled = true;
          return;
        }
        if (this.#wholeLines && next.indexOf(LF) === -1) {
          held.push(next);
          continue;
        }
        const chunk = held.length === 0 ? next : Buffer.concat([...held, next]);
        held = [];
        // Past the size, cut after the first line end (the segment keeps at least segmentBytes).
        const from = Math.max(0, this.#segmentBytes - emitted - 1);
        const lf = from < chunk.length ? chunk.indexOf(LF, from) : -1;
        if (lf === -1) {
          const upTo = this.#wholeLines ? chunk.lastIndexOf(LF) + 1 : chunk.length;
          if (upTo < chunk.length) held = [chunk.subarray(upTo)];
          emitted += upTo;
          yield chunk.subarray(0, upTo);
          continue;
        }
        cursor.unshift(chunk.subarray(lf + 1));
        yield chunk.subarray(0, lf + 1);
        this.#finish(false);
        settled = true;
        return;
      }
    } catch (err) {
      settled = true;
      this.#settle.reject(err);
      throw err;
    } finally {
      if (!settled) this.#settle.reject(new CfError('CF_ERR_ABORTED', `Reading ${cursor.path} was stopped.`));
    }
  }

  #finish(endOfFile: boolean): void {
    const endOffset = this.#cursor.offset;
    this.position = { endTime: this.#endTime, ids: [resumeToken(endOffset, this.#cursor.path)] };
    this.#settle.resolve({ endOffset, endOfFile });
  }
}

/** The checkpoint id of a replay position: `<offset>:<path>` (the path may hold any character). */
export function resumeToken(offset: number, path: string): string {
  return `${offset}:${path}`;
}

/** The position a checkpoint id names, or undefined for an id that is not one. */
export function parseResumeToken(token: string): { offset: number; path: string } | undefined {
  const colon = token.indexOf(':');
  const offset = Number(token.slice(0, colon));
  if (colon <= 0 || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { offset, path: token.slice(colon + 1) };
}
