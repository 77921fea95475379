/**
 * Small numbers for the file keys the de-duplication window refers to, so each entry stores an
 * int32 instead of a string. A number lives as long as some entry holds it (reference counted):
 * the table never holds more keys than files with an id in the window, however long the process
 * runs, and the same key (a retried file) gets the same number while any of its ids is remembered.
 */
export class FileKeys {
  readonly #numbers = new Map<string, number>();
  readonly #keys: Array<string | undefined> = [];
  readonly #refs: number[] = [];
  readonly #free: number[] = [];
  /** Per number: its file was delivered whole (every record acknowledged by every sink). */
  readonly #delivered: boolean[] = [];
  /** The last key looked up: consecutive records almost always come from the same file. */
  #lastKey: string | undefined;
  #lastNumber = -1;

  /** Files with at least one entry. */
  get size(): number {
    return this.#numbers.size;
  }

  /** The key's number, or -1 when no entry holds it. */
  find(key: string): number {
    if (key === this.#lastKey) return this.#lastNumber;
    const n = this.#numbers.get(key);
    if (n === undefined) return -1;
    this.#lastKey = key;
    this.#lastNumber = n;
    return n;
  }

  /** The key's number, counting one more entry that holds it. */
  acquire(key: string): number {
    let n = this.find(key);
    if (n === -1) {
      n = this.#free.pop() ?? this.#keys.length;
      this.#numbers.set(key, n);
      this.#keys[n] = key;
      this.#refs[n] = 0;
      this.#delivered[n] = false;
      this.#lastKey = key;
      this.#lastNumber = n;
    }
    this.#refs[n]!++;
    return n;
  }

  /** Notes that the key's file was delivered whole; nothing when no entry holds the key. */
  markDelivered(key: string): void {
    const n = this.find(key);
    if (n !== -1) this.#delivered[n] = true;
  }

  isDelivered(n: number): boolean {
    return this.#delivered[n] === true;
  }

  /** One entry holding `n` is gone; the last one frees the number for another key. */
  release(n: number): void {
    if (--this.#refs[n]! > 0) return;
    this.#numbers.delete(this.#keys[n]!);
    this.#keys[n] = undefined;
    this.#delivered[n] = false;
    this.#free.push(n);
    if (this.#lastNumber === n) {
      this.#lastKey = undefined;
      this.#lastNumber = -1;
    }
  }
}
