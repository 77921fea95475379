/**
 * Recycles the buffers that stream chunks are written from. A steady flow writes about 100 MB/s
 * of 64 KiB chunks; left to the garbage collector, tens of MB of dead buffers pile up (external
 * memory is collected late) on top of the resend window. A buffer comes back only once nothing
 * refers to it any more: its write completed and it left the resend window (or never entered it).
 */
export class ChunkPool {
  /** Capacity of a pooled buffer: a 64 KiB chunk plus the message that crossed the 64 KiB mark. */
  static readonly SLAB_BYTES = 128 * 1024;
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly maxFree = 32) {}

  /** A buffer of exactly `bytes`, recycled when it fits a slab. Contents are undefined. */
  take(bytes: number): Buffer {
    if (bytes > ChunkPool.SLAB_BYTES) return Buffer.allocUnsafeSlow(bytes);
    const slab = this.free.pop() ?? Buffer.allocUnsafeSlow(ChunkPool.SLAB_BYTES).buffer;
    return Buffer.from(slab, 0, bytes);
  }

  /** Returns a buffer from `take()` that nothing uses any more. */
  give(chunk: Buffer): void {
    const slab = chunk.buffer;
    if (
      slab.byteLength === ChunkPool.SLAB_BYTES &&
      chunk.byteOffset === 0 &&
      this.free.length < this.maxFree
    ) {
      this.free.push(slab as ArrayBuffer);
    }
  }
}
