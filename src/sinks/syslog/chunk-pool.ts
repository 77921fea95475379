/**
 * Recycles the buffers that stream chunks are written from. A steady flow writes about 100 MB/s
 * of 64 KiB chunks; left to the garbage collector, tens of MB of dead buffers pile up (external
 * memory is collected late) on top of the resend window. A buffer comes back only once nothing
 * refers to it any more: its write completed and it left the resend window (or never entered it).
 */
export class ChunkPool {
  /** Capacity of a pooled buffer: a 64 KiB chunk plus the message that crossed the 64 KiB mark. */
  static readonly SLAB_BYTES = 128 * 1024;
  /** Stacked: take() pops the top, so the bottom holds the slabs longest unused. */
  private readonly free: ArrayBuffer[] = [];
  /** The fewest free slabs since the last trim(): that many at the bottom went unused. */
  private lowWater = 0;

  constructor(private readonly maxFree = 32) {}

  /** Free slabs held for reuse. */
  get freeSlabs(): number {
    return this.free.length;
  }

  /** A buffer of exactly `bytes`, recycled when it fits a slab. Contents are undefined. */
  take(bytes: number): Buffer {
    if (bytes > ChunkPool.SLAB_BYTES) return Buffer.allocUnsafeSlow(bytes);
    const slab = this.free.pop() ?? Buffer.allocUnsafeSlow(ChunkPool.SLAB_BYTES).buffer;
    if (this.free.length < this.lowWater) this.lowWater = this.free.length;
    return Buffer.from(slab, 0, bytes);
  }

  /**
   * Lets go of the free slabs no take() needed since the last trim (call it every few seconds):
   * a burst fills the free list, and without this it would stay full at the burst's level
   * (up to maxFree slabs, 4 MiB) for the rest of the process's life.
   */
  trim(): void {
    this.free.splice(0, this.lowWater);
    this.lowWater = this.free.length;
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
