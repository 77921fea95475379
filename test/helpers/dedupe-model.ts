/**
 * The de-duplication window's contract as a plain model for property tests: an LRU of the last
 * `maxEntries` distinct ids and the place (file and line) each was first seen at; a repeat moves
 * an id to the end and counts as a duplicate unless it is at that very place (a retried file).
 */
export class ModelWindow {
  readonly seen = new Map<string, { readonly file: string; readonly line: number }>();
  constructor(private readonly maxEntries: number) {}

  isDuplicate(id: string, file: string, line: number): boolean {
    const first = this.seen.get(id);
    if (first !== undefined) {
      this.seen.delete(id);
      this.seen.set(id, first);
      return first.file !== file || first.line !== line;
    }
    this.seen.set(id, { file, line });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }

  /** How many distinct files the remembered ids were first seen in. */
  get files(): number {
    return new Set([...this.seen.values()].map((p) => p.file)).size;
  }
}
