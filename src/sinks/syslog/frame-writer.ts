import { type PipelineRecord, writeRecordUtf8 } from '../../core/record.js';
import { ChunkPool } from './chunk-pool.js';
import type { MessageEncoder } from './encoder.js';
import { CHUNK_TARGET_BYTES, type Framing } from './framing.js';

/** What became of a record given to `FrameWriter.add`. */
export type Framed =
  | { readonly fits: true; readonly truncatedFrom?: number }
  /** Over the limit and not truncated: nothing was written; `bytes` is the message's size. */
  | { readonly fits: false; readonly bytes: number };

const WRITTEN: Framed = Object.freeze({ fits: true });

/** A sealed chunk using less than 1/SMALL_CHUNK_FRACTION of its buffer is copied out (seal()). */
const SMALL_CHUNK_FRACTION = 4;

/**
 * Frames records into the buffers a transport writes, one record at a time as it arrives, so a
 * batch being filled holds bytes rather than records and their text. For streams: chunks of whole
 * frames of about CHUNK_TARGET_BYTES (a frame never spans two chunks, so a resent chunk never
 * starts mid-frame), in pooled buffers; for UDP, one buffer per datagram.
 *
 * MSG is the record's line: copied as bytes (writeRecordUtf8) when the record holds them, so the
 * line is not decoded for it. The text path (MessageEncoder.encode) takes what the byte path
 * cannot: a line of unknown size, a message over the limit (cut or refused), an LF to escape for
 * newline framing, a formatter that rewrites MSG.
 */
export class FrameWriter {
  private chunk: Buffer | undefined;
  private used = 0;
  private out: Buffer[] = [];

  constructor(
    private readonly framing: Framing,
    private readonly encoder: MessageEncoder,
    private readonly pool: ChunkPool = new ChunkPool(),
    private readonly chunkBytes = CHUNK_TARGET_BYTES,
  ) {}

  /** Frames one record; `lineBytes`, when known, is the UTF-8 size of its line. */
  add(record: PipelineRecord, lineBytes: number | undefined): Framed {
    if (lineBytes !== undefined) {
      const head = this.encoder.headOf(record);
      if (head !== undefined) {
        const headBytes = Buffer.byteLength(head, 'utf8');
        if (
          headBytes + lineBytes <= this.encoder.maxBytes &&
          this.copyLine(record, head, headBytes, lineBytes)
        ) {
          return WRITTEN;
        }
      }
    }
    const encoded = this.encoder.encode(record, lineBytes);
    if (encoded.fits) this.writeText(encoded.head, encoded.body, encoded.bytes);
    return encoded;
  }

  /** The buffers framed since the last call, in order. */
  finish(): Buffer[] {
    this.seal();
    const out = this.out;
    this.out = [];
    return out;
  }

  /**
   * The frame with MSG copied from the record's bytes. False, with nothing written, when the copy
   * is not what `lineBytes` announced or (newline framing) the line holds an LF.
   */
  private copyLine(record: PipelineRecord, head: string, headBytes: number, lineBytes: number): boolean {
    const bytes = headBytes + lineBytes;
    if (this.framing === 'datagram') {
      const datagram = Buffer.allocUnsafe(bytes);
      datagram.write(head, 0, 'utf8');
      if (writeRecordUtf8(record, datagram, headBytes) !== lineBytes) return false;
      this.out.push(datagram);
      return true;
    }
    const prefix = this.framing === 'octet-counting' ? `${bytes} ` : '';
    const newline = this.framing === 'newline' ? 1 : 0;
    const chunk = this.room(prefix.length + bytes + newline);
    let at = this.used;
    if (prefix !== '') at += chunk.write(prefix, at, 'latin1');
    at += chunk.write(head, at, 'utf8');
    const lineAt = at;
    if (writeRecordUtf8(record, chunk, at) !== lineBytes) return false;
    at += lineBytes;
    if (newline === 1) {
      // An LF inside the message would end it early: let the text path escape it.
      if (chunk.subarray(lineAt, at).includes(0x0a)) return false;
      chunk[at++] = 0x0a;
    }
    this.commit(at);
    return true;
  }

  private writeText(head: string, body: string, bytes: number): void {
    if (this.framing === 'datagram') {
      const datagram = Buffer.allocUnsafe(bytes);
      datagram.write(body, datagram.write(head, 0, 'utf8'), 'utf8');
      this.out.push(datagram);
      return;
    }
    const prefix = this.framing === 'octet-counting' ? `${bytes} ` : '';
    const tail = this.framing === 'newline' ? '\n' : '';
    const chunk = this.room(prefix.length + bytes + tail.length);
    let at = this.used;
    at += chunk.write(prefix, at, 'latin1');
    at += chunk.write(head, at, 'utf8');
    at += chunk.write(body, at, 'utf8');
    at += chunk.write(tail, at, 'latin1');
    this.commit(at);
  }

  /** The current chunk, with room for `frameBytes` more (a new one when it has not). */
  private room(frameBytes: number): Buffer {
    const current = this.chunk;
    if (current !== undefined && this.used + frameBytes <= current.length) return current;
    this.seal();
    const chunk = this.pool.take(Math.max(ChunkPool.SLAB_BYTES, frameBytes));
    this.chunk = chunk;
    this.used = 0;
    return chunk;
  }

  private commit(end: number): void {
    this.used = end;
    if (end >= this.chunkBytes) this.seal();
  }

  private seal(): void {
    const chunk = this.chunk;
    if (chunk === undefined) return;
    if (this.used === 0) this.pool.give(chunk);
    else if (this.used * SMALL_CHUNK_FRACTION < chunk.length) this.out.push(this.exactCopy(chunk));
    else this.out.push(chunk.subarray(0, this.used));
    this.chunk = undefined;
    this.used = 0;
  }

  /**
   * A small chunk (the end of a batch) copied into a buffer of its own size, its slab back in
   * the pool: the resend window keeps what was written for seconds, and a few KiB of frames
   * must not hold a 128 KiB slab all that time (a slow flow of small batches held 32 times
   * the bytes the window counts).
   */
  private exactCopy(chunk: Buffer): Buffer {
    const copy = Buffer.allocUnsafeSlow(this.used);
    chunk.copy(copy, 0, 0, this.used);
    this.pool.give(chunk);
    return copy;
  }
}
