import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CfError, isCfError } from '../../core/errors/index.js';
import { JsonItemScanner } from '../shared/index.js';

/** How a file's bytes become JSON Lines. */
export type ArchiveFormat = 'jsonl' | 'json-array';

export interface FileCursorOptions {
  /** Where reading starts, in bytes of the file's JSON Lines view (a checkpoint's offset). */
  readonly startOffset: number;
  /** Bytes per read from disk. Default DEFAULT_CHUNK_BYTES. */
  readonly chunkBytes?: number;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const SNIFF_BYTES = 64 * 1024;
/**
 * 512 KiB reads: a replay is one long sequential read, and each chunk costs a read call, a
 * stream hop and a splitter pass set-up; against 64 KiB this took 7-10% less CPU on a 256 MiB
 * archive (single_file_to_file) for about 12 MiB more peak memory.
 */
const DEFAULT_CHUNK_BYTES = 512 * 1024;
const LF = 0x0a;
const LF_BUFFER = Buffer.from('\n');

/**
 * One local file (or stdin) read once, front to back, as its JSON Lines view: the bytes of a JSONL
 * file, the decompressed bytes of a gzip file (magic bytes, not the name, decide), or, for a file
 * holding one JSON array, each element on a line of its own (streamed with JsonItemScanner, never
 * held). The view's byte offsets are what a checkpoint records, so a replay resumes mid-file:
 * a plain JSONL file seeks there; gzip and arrays are read again and the prefix skipped. Either
 * way the byte before the offset must end a line, or the file changed since the checkpoint.
 *
 * `next()` hands out chunks; `unshift()` gives back the unread tail of one. `rawBytesRead` counts
 * bytes read from disk (compressed, for gzip): the unit of progress and ETA.
 */
export class FileCursor {
  readonly path: string;
  readonly format: ArchiveFormat;
  readonly gzip: boolean;
  #offset: number;
  readonly #rawBytes: () => number;
  readonly #chunks: AsyncIterator<Buffer>;
  readonly #raw: Readable;
  #pushedBack: Buffer[] = [];
  #ended = false;
  #closed = false;

  private constructor(
    path: string,
    format: ArchiveFormat,
    gzip: boolean,
    raw: Readable,
    chunks: AsyncIterable<Buffer>,
    offset: number,
    rawBytes: () => number,
  ) {
    this.path = path;
    this.format = format;
    this.gzip = gzip;
    this.#raw = raw;
    this.#chunks = chunks[Symbol.asyncIterator]();
    this.#offset = offset;
    this.#rawBytes = rawBytes;
  }

  /** Opens a local file at `o.startOffset` of its JSON Lines view. */
  static async openFile(path: string, o: FileCursorOptions): Promise<FileCursor> {
    const head = await readHead(path);
    const gzip = head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
    const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!gzip && firstSignificantByte(head) !== 0x5b && o.startOffset > 0) {
      // Plain JSON Lines: seek, after checking the offset is where a line starts.
      await checkLineStart(path, o.startOffset);
      const raw = createReadStream(path, { start: o.startOffset, highWaterMark: chunkBytes });
      return new FileCursor(
        path,
        'jsonl',
        false,
        raw,
        raw,
        o.startOffset,
        () => o.startOffset + raw.bytesRead,
      );
    }
    const raw = createReadStream(path, { highWaterMark: chunkBytes });
    return FileCursor.#fromStream(path, raw, gzip, o.startOffset, () => raw.bytesRead);
  }

  /** Reads a stream (stdin) from its start; it cannot resume, so `startOffset` must be 0. */
  static async openStream(name: string, stream: Readable): Promise<FileCursor> {
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await it.next().catch((err: unknown) => {
      throw readError(name, err);
    });
    const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
    let read = head.length;
    const replay = Readable.from(
      (async function* () {
        try {
          if (head.length > 0) yield head;
          for (;;) {
            const r = await it.next();
            if (r.done) return;
            read += r.value.length;
            yield r.value;
          }
        } finally {
          await Promise.resolve(it.return?.()).catch(() => undefined);
        }
      })(),
      { objectMode: false },
    );
    const gzip = head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
    return FileCursor.#fromStream(name, replay, gzip, 0, () => read);
  }

  static async #fromStream(
    path: string,
    raw: Readable,
    gzip: boolean,
    startOffset: number,
    rawBytes: () => number,
  ): Promise<FileCursor> {
    const decoded: Readable = gzip ? raw.pipe(createGunzip()) : raw;
    if (gzip) raw.on('error', (err) => decoded.destroy(err));
    // The first significant byte of the decoded bytes decides JSON Lines or one array.
    const it = decoded[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const held: Buffer[] = [];
    let significant: number | undefined;
    let heldBytes = 0;
    while (significant === undefined && heldBytes < SNIFF_BYTES) {
      const r = await nextOrThrow(it, path, gzip);
      if (r === undefined) break;
      held.push(r);
      heldBytes += r.length;
      significant = firstSignificantByte(Buffer.concat(held));
    }
    const format: ArchiveFormat = significant === 0x5b ? 'json-array' : 'jsonl';
    async function* bytes(): AsyncGenerator<Buffer> {
      try {
        yield* held;
        for (;;) {
          const r = await nextOrThrow(it, path, gzip);
          if (r === undefined) return;
          yield r;
        }
      } finally {
        await Promise.resolve(it.return?.()).catch(() => undefined);
      }
    }
    const view = format === 'json-array' ? arrayAsLines(bytes(), path) : bytes();
    const cursor = new FileCursor(path, format, gzip, raw, view, 0, rawBytes);
    if (startOffset > 0) await cursor.#skip(startOffset);
    return cursor;
  }

  /** View bytes handed out and not given back. */
  get offset(): number {
    return this.#offset;
  }

  get rawBytesRead(): number {
    return this.#rawBytes();
  }

  /** The next chunk of the view, or undefined at its end. Errors are CfErrors naming the file. */
  async next(): Promise<Buffer | undefined> {
    // Never mistake a closed file for its end: a segment must not end in the middle of a line.
    if (this.#closed) throw new CfError('CF_ERR_ABORTED', `Reading ${this.path} was stopped.`);
    let chunk = this.#pushedBack.pop();
    if (chunk === undefined && !this.#ended) {
      const r = await nextOrThrow(this.#chunks, this.path, this.gzip);
      if (r === undefined) this.#ended = true;
      chunk = r;
    }
    if (chunk !== undefined) this.#offset += chunk.length;
    return chunk;
  }

  /** Gives back the unread tail of the last chunk. */
  unshift(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#pushedBack.push(chunk);
    this.#offset -= chunk.length;
  }

  async atEnd(): Promise<boolean> {
    const chunk = await this.next();
    if (chunk === undefined) return true;
    this.unshift(chunk);
    return false;
  }

  close(): void {
    this.#closed = true;
    this.#raw.destroy();
    void this.#chunks.return?.().catch(() => undefined);
  }

  /** Skips `bytes` of the view (a resume of gzip or an array); the last skipped byte must end a line. */
  async #skip(bytes: number): Promise<void> {
    let last = -1;
    while (this.#offset < bytes) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      const over = this.#offset - bytes;
      if (over > 0) {
        this.unshift(chunk.subarray(chunk.length - over));
        last = chunk[chunk.length - over - 1]!;
      } else last = chunk[chunk.length - 1]!;
    }
    if (this.#offset !== bytes || last !== LF) {
      throw changedSinceCheckpoint(this.path, bytes);
    }
  }
}

async function readHead(path: string): Promise<Buffer> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw readError(path, err);
  }
}

async function checkLineStart(path: string, offset: number): Promise<void> {
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw readError(path, err);
  });
  try {
    // A file that ends without a newline was read to its end: the checkpoint sits at its size.
    if (offset > 0 && (await fh.stat()).size === offset) return;
    const buf = Buffer.alloc(1);
    const { bytesRead } = await fh.read(buf, 0, 1, offset - 1);
    if (bytesRead !== 1 || buf[0] !== LF) throw changedSinceCheckpoint(path, offset);
  } finally {
    await fh.close();
  }
}

function changedSinceCheckpoint(path: string, offset: number): CfError {
  return new CfError(
    'CF_ERR_STATE_CORRUPT',
    `${path} changed since its checkpoint: byte ${offset} of it does not start a line. Reset the stream's checkpoint to replay the file from its start.`,
    { details: { path, offset } },
  );
}

/** The first byte that is not whitespace or a UTF-8 BOM, if any. */
function firstSignificantByte(b: Buffer): number | undefined {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i < b.length ? b[i] : undefined;
}

function readError(path: string, err: unknown): CfError {
  if (isCfError(err)) return err;
  return new CfError('CF_ERR_ARCHIVE_READ', `Cannot read ${path}: ${(err as Error).message}`, { cause: err });
}

async function nextOrThrow(
  it: AsyncIterator<Buffer>,
  path: string,
  gzip: boolean,
): Promise<Buffer | undefined> {
  try {
    const r = await it.next();
    return r.done ? undefined : r.value;
  } catch (err) {
    if (isCfError(err)) throw err;
    const code = (err as { code?: unknown }).code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new CfError(
        'CF_ERR_ARCHIVE_FORMAT',
        `${path} is not a valid gzip file, or is truncated: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    throw readError(path, err);
  }
}

/** The elements of one JSON array, each on a line of its own (LF between tokens becomes a space). */
async function* arrayAsLines(bytes: AsyncIterable<Buffer>, path: string): AsyncGenerator<Buffer> {
  const scanner = new JsonItemScanner({
    oneLine: true,
    errorCode: 'CF_ERR_ARCHIVE_FORMAT',
    what: `Archive ${path}`,
  });
  let out: Buffer[] = [];
  const handler = {
    itemBytes: (piece: Buffer) => out.push(piece),
    itemEnd: () => out.push(LF_BUFFER),
  };
  for await (const chunk of bytes) {
    scanner.push(chunk, handler);
    if (out.length > 0) {
      const ready = out.length === 1 ? out[0]! : Buffer.concat(out);
      out = [];
      yield ready;
    }
  }
  scanner.end();
}
