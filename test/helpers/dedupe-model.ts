/**
 * The de-duplication window's contract as a plain model for property tests: an LRU of the last
 * `maxEntries` distinct ids and the file each was first seen in; a repeat moves an id to the end
 * and counts as a duplicate only when first seen in another file.
 */
export class ModelWindow {
  readonly seen = new Map<string, string>();
  constructor(private readonly maxEntries: number) {}

  isDuplicate(id: string, file: string): boolean {
    const first = this.seen.get(id);
    if (first !== undefined) {
      this.seen.delete(id);
      this.seen.set(id, first);
      return first !== file;
    }
    this.seen.set(id, file);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }

  /** How many distinct files the remembered ids were first seen in. */
  get files(): number {
    return new Set(this.seen.values()).size;
  }
}
