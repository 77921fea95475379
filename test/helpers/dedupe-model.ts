/**
 * The de-duplication window's contract as a plain model for property tests: an LRU of the last
 * `maxEntries` distinct ids and the place (file and line) each was first seen at; a repeat moves
 * an id to the end and counts as a duplicate unless it is at that very place (a retried file) and
 * that file was not delivered whole. A file's "delivered" mark lasts while some remembered id was
 * first seen in it.
 */
export class ModelWindow {
  readonly seen = new Map<string, { readonly file: string; readonly line: number }>();
  readonly delivered = new Set<string>();
  constructor(private readonly maxEntries: number) {}

  isDuplicate(id: string, file: string, line: number): boolean {
    const first = this.seen.get(id);
    if (first !== undefined) {
      this.seen.delete(id);
      this.seen.set(id, first);
      return first.file !== file || first.line !== line || this.delivered.has(file);
    }
    // Full: the least recently seen id goes first (and its file's mark with its last id).
    if (this.seen.size === this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      const gone = this.seen.get(oldest)!.file;
      this.seen.delete(oldest);
      if (![...this.seen.values()].some((p) => p.file === gone)) this.delivered.delete(gone);
    }
    this.seen.set(id, { file, line });
    return false;
  }

  fileDelivered(file: string): void {
    if ([...this.seen.values()].some((p) => p.file === file)) this.delivered.add(file);
  }

  /** How many distinct files the remembered ids were first seen in. */
  get files(): number {
    return new Set([...this.seen.values()].map((p) => p.file)).size;
  }
}
