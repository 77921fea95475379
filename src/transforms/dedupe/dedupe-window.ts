import { z } from 'zod';

/** Longer ids are not remembered (they pass through), so each entry has a known worst-case size. */
export const DEDUPE_MAX_ID_LENGTH = 256;

export const dedupeConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta({ description: 'Drop a record whose event_id was already seen in another file.' }),
    maxEntries: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(100_000)
      .meta({
        description: `How many event ids the window remembers (least recently seen forgotten first). Ids longer than ${DEDUPE_MAX_ID_LENGTH} characters are not remembered, so the window holds at most about maxEntries x 0.6 KB.`,
      }),
  })
  .meta({ description: 'De-duplication on event_id within a bounded window.' });

export type DedupeConfig = z.infer<typeof dedupeConfigSchema>;

/**
 * The last `maxEntries` distinct event ids and the file each was first seen in, least recently seen
 * forgotten first (a Map keeps insertion order; a hit moves the id to the end).
 *
 * Only an id first seen in a *different* file counts as a duplicate. A file processed again (a retry
 * after a failed download or delivery) must not be swallowed by its own earlier attempt, whose
 * records may never have been delivered. Dropping a cross-file duplicate is safe because the
 * checkpoint cannot move past the file holding the first copy until that copy is delivered.
 *
 * Memory: at most maxEntries entries of an id (<= 256 UTF-16 units) plus a shared file key.
 */
export class DedupeWindow {
  readonly #maxEntries: number;
  readonly #seen = new Map<string, string>();
  /**
   * Walks the ids oldest first, from one eviction to the next. A fresh `keys().next()` per
   * eviction would start at the table's first slot and step over every slot deleted since the
   * last rehash (up to about maxEntries of them): once the window is full, that made each new id
   * cost tens of microseconds. Ids behind this cursor are all deleted; moved and new ids land
   * after it, so the next key it yields is always the least recently seen.
   */
  #oldest: MapIterator<string> | undefined;

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}.`);
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records `eventId` as seen in `fileKey`; true when it had already been seen in another file (a
   * duplicate to drop). Empty or over-long ids are never duplicates.
   */
  isDuplicate(eventId: string, fileKey: string): boolean {
    if (eventId.length === 0 || eventId.length > DEDUPE_MAX_ID_LENGTH) return false;
    const firstFile = this.#seen.get(eventId);
    if (firstFile !== undefined) {
      this.#seen.delete(eventId);
      this.#seen.set(eventId, firstFile);
      return firstFile !== fileKey;
    }
    this.#seen.set(eventId, fileKey);
    if (this.#seen.size > this.#maxEntries) {
      this.#oldest ??= this.#seen.keys();
      let oldest = this.#oldest.next();
      if (oldest.done) {
        // Cannot happen while the window is over its size; start a new walk rather than grow.
        this.#oldest = this.#seen.keys();
        oldest = this.#oldest.next();
      }
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    return false;
  }
}
