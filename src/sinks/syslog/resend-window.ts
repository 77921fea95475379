interface Written {
  readonly chunk: Buffer;
  /** When the socket reported the chunk written (ms since epoch). */
  readonly at: number;
}

/**
 * The chunks most recently written to a TCP/TLS connection. A completed socket write only means
 * the bytes reached our kernel: when the connection then breaks, whatever sat in the two kernels'
 * buffers or the receiver's unread input is gone. On a detected break the sink sends again the
 * chunks written within `maxAgeMs` before it noticed, bounded by `maxBytes` (the most recent
 * bytes win). This turns that loss window into duplicates, within these two bounds.
 */
export class ResendWindow {
  /** Entries before `head` are evicted and cleared, so they hold no chunk. */
  private entries: Array<Written | undefined> = [];
  private head = 0;
  private heldBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
    /** Called with each chunk the window lets go of without handing it out (for recycling). */
    private readonly onDrop: (chunk: Buffer) => void = () => {},
  ) {}

  /** Bytes held for resending. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Records a chunk the socket reported written; false when the window does not keep it. */
  add(chunk: Buffer): boolean {
    if (this.maxBytes === 0 || this.maxAgeMs === 0 || chunk.length > this.maxBytes) return false;
    const at = this.now();
    this.entries.push({ chunk, at });
    this.heldBytes += chunk.length;
    this.evict(at);
    return true;
  }

  /** Drops what is too old, e.g. when idle, so memory is released without new writes. */
  prune(): void {
    this.evict(this.now());
  }

  /**
   * Empties the window and returns the chunks written less than `maxAgeMs` before `detectedAt`,
   * oldest first: the ones to send again on the next connection.
   */
  takeRecent(detectedAt: number = this.now()): Buffer[] {
    const since = detectedAt - this.maxAgeMs;
    const out: Buffer[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.at >= since) out.push(e.chunk);
      else this.onDrop(e.chunk);
    }
    this.entries = [];
    this.head = 0;
    this.heldBytes = 0;
    return out;
  }

  private evict(now: number): void {
    const since = now - this.maxAgeMs;
    while (this.head < this.entries.length) {
      const first = this.entries[this.head]!;
      if (this.heldBytes <= this.maxBytes && first.at >= since) break;
      this.heldBytes -= first.chunk.length;
      // Cleared now, not at the next compaction: a chunk the pool does not take back (its free
      // list is full) must be garbage as soon as it leaves the window.
      this.entries[this.head] = undefined;
      this.head++;
      this.onDrop(first.chunk);
    }
    // Compact now and then so the array does not grow with everything ever written.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
