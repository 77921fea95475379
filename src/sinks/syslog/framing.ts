import type { ChunkPool } from './chunk-pool.js';

/**
 * How messages go on the wire. TCP and TLS need framing: octet counting (`MSG-LEN SP MSG`,
 * RFC 6587 section 3.4.1 and RFC 5425 section 4.3) or a trailing LF (RFC 6587 section 3.4.2).
 * UDP sends one message per datagram (RFC 5426).
 */
export type Framing = 'octet-counting' | 'newline' | 'datagram';

/** Frames of one batch are joined into writes of about this size (fewer syscalls and callbacks). */
export const CHUNK_TARGET_BYTES = 64 * 1024;

/**
 * Collects the messages of one batch into the buffers a transport writes: for streams, chunks of
 * whole frames of about CHUNK_TARGET_BYTES (a frame never spans two chunks, so a resent chunk
 * never starts mid-frame); for UDP, one buffer per datagram.
 */
export class PayloadBuilder {
  private readonly parts: string[] = [];
  private pendingBytes = 0;
  private readonly out: Buffer[] = [];

  constructor(
    private readonly framing: Framing,
    private readonly pool?: ChunkPool,
    private readonly chunkBytes = CHUNK_TARGET_BYTES,
  ) {}

  /** Adds one message, given as its header and body (kept apart to save a concatenation); `bytes` is its UTF-8 size. */
  add(head: string, body: string, bytes: number): void {
    if (this.framing === 'datagram') {
      const datagram = Buffer.allocUnsafe(bytes);
      datagram.write(body, datagram.write(head, 0, 'utf8'), 'utf8');
      this.out.push(datagram);
      return;
    }
    if (this.framing === 'octet-counting') {
      const prefix = `${bytes} `;
      this.parts.push(prefix, head, body);
      this.pendingBytes += prefix.length + bytes;
    } else {
      this.parts.push(head, body, '\n');
      this.pendingBytes += bytes + 1;
    }
    if (this.pendingBytes >= this.chunkBytes) this.flush();
  }

  /** The buffers to write, in order. */
  finish(): Buffer[] {
    this.flush();
    return this.out;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.pool?.take(this.pendingBytes) ?? Buffer.allocUnsafe(this.pendingBytes);
    let offset = 0;
    for (const part of this.parts) offset += chunk.write(part, offset, 'utf8');
    this.out.push(offset === chunk.length ? chunk : chunk.subarray(0, offset));
    this.parts.length = 0;
    this.pendingBytes = 0;
  }
}
