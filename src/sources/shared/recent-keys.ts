/**
 * The record keys delivered within the last `windowMs` of record time: what a source that re-reads
 * an overlap on resume (audit logs, conversations) must not deliver again. It travels in the
 * checkpoint (ListedFile.checkpoint `ids`), each key encoded as `<record time ms>|<key>`.
 *
 * Keys are added in record-time order (the sources emit oldest first); the window is measured back
 * from the latest time added. At most `maxKeys` are kept, oldest forgotten first: past that bound a
 * restart may deliver a few overlap records again (a duplicate with the same identity, never a gap).
 */
export class RecentKeys {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** Insertion (= time) order. */
  #entries: Array<{ timeMs: number; key: string }> = [];
  #head = 0;
  readonly #times = new Map<string, number>();
  #latestMs = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number, maxKeys: number, carried: readonly string[] = []) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
    for (const encoded of carried) {
      const bar = encoded.indexOf('|');
      const timeMs = Number(encoded.slice(0, bar));
      // Ids from another kind of checkpoint (or corrupt) are ignored: they only cost a duplicate.
      if (bar <= 0 || !Number.isFinite(timeMs)) continue;
      this.add(timeMs, encoded.slice(bar + 1));
    }
  }

  /** Whether `key` was delivered within the window (or added earlier in this run). */
  has(key: string): boolean {
    return this.#times.has(key);
  }

  get size(): number {
    return this.#times.size;
  }

  /** The latest record time added, or -Infinity. */
  get latestMs(): number {
    return this.#latestMs;
  }

  add(timeMs: number, key: string): void {
    if (this.#times.has(key)) return;
    this.#entries.push({ timeMs, key });
    this.#times.set(key, timeMs);
    if (timeMs > this.#latestMs) this.#latestMs = timeMs;
    this.#prune();
  }

  /** Moves the window's end to `timeMs` (a listing reached it with nothing newer), forgetting older keys. */
  advanceTo(timeMs: number): void {
    if (timeMs > this.#latestMs) this.#latestMs = timeMs;
    this.#prune();
  }

  /** The keys in the window, encoded for a checkpoint, oldest first. */
  snapshot(): string[] {
    const out: string[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i]!;
      out.push(`${e.timeMs}|${e.key}`);
    }
    return out;
  }

  #prune(): void {
    const oldest = this.#latestMs - this.#windowMs;
    while (this.#head < this.#entries.length) {
      const e = this.#entries[this.#head]!;
      if (e.timeMs >= oldest && this.#times.size <= this.#maxKeys) break;
      this.#times.delete(e.key);
      this.#head++;
    }
    // Compact now and then so the array does not grow with everything ever added.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
