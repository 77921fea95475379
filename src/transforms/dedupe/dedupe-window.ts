import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { FileKeys } from './file-keys.js';
import { digestUtf16 } from './id-digest.js';

/** Longer ids are not remembered (they pass through): no real event id is that long, and hashing stays cheap. */
export const DEDUPE_MAX_ID_LENGTH = 256;

/** Bytes the window allocates per entry, at most (see DedupeWindow). */
export const DEDUPE_BYTES_PER_ENTRY = 48;

export const dedupeConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).meta({
      description:
        'Drop a record whose event_id was already seen in another file, at another line of the same one, or in a file that was delivered whole and is read again.',
    }),
    maxEntries: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(100_000)
      .meta({
        description: `How many event ids the window remembers (least recently seen forgotten first). Ids longer than ${DEDUPE_MAX_ID_LENGTH} characters are not remembered. Each id is kept as a 128-bit digest: the window takes ${DEDUPE_BYTES_PER_ENTRY} bytes per entry at most, allocated at start (4.2 MB for 100,000), whatever the ids' length and however many pass through.`,
      }),
  })
  .meta({ description: 'De-duplication on event_id within a bounded window.' });

export type DedupeConfig = z.infer<typeof dedupeConfigSchema>;

/**
 * The last `maxEntries` distinct event ids and the place (file and line) each was first seen at,
 * least recently seen forgotten first (a repeat moves the id to the newest end).
 *
 * A repeat is a duplicate unless it is at the very place the id was first seen and that file was
 * not delivered whole. A file processed again (a retry after a failed download or delivery) reads
 * the same ids at the same lines, and must not be swallowed by its own earlier attempt, whose
 * records may never have been delivered; a file that was delivered whole (`fileDelivered`) and is
 * read again has nothing left to deliver.
 * An id repeated at another line of the same file is a duplicate like one in another file (the
 * upstream re-sends events, sometimes twice into one file). Dropping either is safe because the
 * checkpoint cannot move past the file holding the first copy until that copy is delivered, and a
 * retry of that file delivers the first copy again.
 *
 * Memory: fixed, allocated here, at most DEDUPE_BYTES_PER_ENTRY x maxEntries (4.2 MB for the
 * default 100,000), plus one string per *file* that has an id in the window. Why not a Map of id
 * strings: once full, every new id is a string promoted to V8's old space, every forgotten one
 * old-space garbage, and the Map's table is reallocated in large-object space; V8 let that grow
 * the heap with the length of the export (1 GB file: old and large-object space 64 MiB with the
 * Map, 32 MiB with this). Here nothing per id lives on the JS heap:
 *
 * - each id is kept as a 128-bit digest (digestUtf16, seeded randomly per window), four int32s;
 * - an open-addressing table (linear probing, at most half full, deletion by backward shift so it
 *   never fills with tombstones) maps a digest to its entry;
 * - a doubly linked list through the entries keeps the recency order;
 * - each entry holds its file as a small number (FileKeys) and its line number.
 *
 * Collisions: an id is taken for a duplicate only when its 128-bit digest equals a remembered
 * one's, and that one was seen at another place. Two different ids share a digest with probability
 * about 2^-128; with the window full of n ids, a new id is wrongly dropped with probability about
 * n x 2^-128 (3 x 10^-34 for 100,000): over 10^15 records, still below 10^-18. That holds for ids
 * nobody chose to collide (see digestUtf16: the hash is fast, not cryptographic). No id text is
 * kept, so a match cannot be checked further.
 */
export class DedupeWindow {
  readonly #capacity: number;
  #size = 0;
  /** Per entry: its id's digest, four words at entry x 4. */
  readonly #digests: Int32Array;
  /** Per entry: its file's number (FileKeys) and the line in it where the id was first seen. */
  readonly #files: Int32Array;
  readonly #lines: Int32Array;
  /** Per entry: the next older and newer entry, -1 at the ends. */
  readonly #older: Int32Array;
  readonly #newer: Int32Array;
  #oldest = -1;
  #newest = -1;
  /** Open addressing: entry + 1 at each used position, 0 where free. */
  readonly #table: Int32Array;
  readonly #mask: number;
  readonly #fileKeys = new FileKeys();
  readonly #seed: number;
  /** The digest of the id being looked up (no allocation per call). */
  readonly #digest = new Int32Array(4);

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}.`);
    }
    this.#capacity = maxEntries;
    this.#digests = new Int32Array(maxEntries * 4);
    this.#files = new Int32Array(maxEntries);
    this.#lines = new Int32Array(maxEntries);
    this.#older = new Int32Array(maxEntries);
    this.#newer = new Int32Array(maxEntries);
    // A power of two at least twice the entries: probes stay short (about 2.5 for a new id).
    let tableSize = 2;
    while (tableSize < maxEntries * 2) tableSize *= 2;
    this.#table = new Int32Array(tableSize);
    this.#mask = tableSize - 1;
    this.#seed = randomBytes(4).readInt32LE(0);
  }

  get size(): number {
    return this.#size;
  }

  /** Files with at least one id in the window (each holds one key string). */
  get files(): number {
    return this.#fileKeys.size;
  }

  /** Bytes of the fixed tables (the file keys' strings aside). */
  get byteLength(): number {
    return (
      this.#digests.byteLength +
      this.#files.byteLength +
      this.#lines.byteLength +
      this.#older.byteLength +
      this.#newer.byteLength +
      this.#table.byteLength
    );
  }

  /**
   * Records `eventId` as seen at line `lineNumber` of `fileKey`; true when it had already been seen
   * at another place (a duplicate to drop). Empty or over-long ids are never duplicates.
   */
  isDuplicate(eventId: string, fileKey: string, lineNumber: number): boolean {
    if (eventId.length === 0 || eventId.length > DEDUPE_MAX_ID_LENGTH) return false;
    const d = this.#digest;
    digestUtf16(eventId, this.#seed, d);
    const d0 = d[0]!;
    const d1 = d[1]!;
    const d2 = d[2]!;
    const d3 = d[3]!;
    const table = this.#table;
    const digests = this.#digests;
    const mask = this.#mask;
    for (let pos = d0 & mask; ; pos = (pos + 1) & mask) {
      const entry = table[pos]! - 1;
      if (entry === -1) break;
      const at = entry * 4;
      if (digests[at] === d0 && digests[at + 1] === d1 && digests[at + 2] === d2 && digests[at + 3] === d3) {
        this.#touch(entry);
        const file = this.#files[entry]!;
        if (this.#lines[entry] !== lineNumber || file !== this.#fileKeys.find(fileKey)) return true;
        // The very place it was first seen: the file is read again. A retry of a file that
        // failed keeps it (its first copy may never have been delivered); a file delivered whole
        // and read again (a later poll re-reading past a failed file) has it already.
        return this.#fileKeys.isDelivered(file);
      }
    }
    // Not remembered: take a free entry, or the least recently seen one once full.
    let entry: number;
    if (this.#size < this.#capacity) {
      entry = this.#size++;
    } else {
      entry = this.#oldest;
      this.#unlink(entry);
      this.#removeFromTable(entry);
      this.#fileKeys.release(this.#files[entry]!);
    }
    const at = entry * 4;
    digests[at] = d0;
    digests[at + 1] = d1;
    digests[at + 2] = d2;
    digests[at + 3] = d3;
    this.#files[entry] = this.#fileKeys.acquire(fileKey);
    this.#lines[entry] = lineNumber;
    this.#linkNewest(entry);
    // Probe again: removing the evicted entry may have shifted others into the free position.
    let pos = d0 & mask;
    while (table[pos] !== 0) pos = (pos + 1) & mask;
    table[pos] = entry + 1;
    return false;
  }

  /**
   * Notes that every record of `fileKey`'s file was delivered: when that file is read again (a
   * poll lists it again because a file before it failed), its ids at the same places are
   * duplicates too. Forgotten with the file's last entry.
   */
  fileDelivered(fileKey: string): void {
    this.#fileKeys.markDelivered(fileKey);
  }

  /** Moves an entry to the newest end. */
  #touch(entry: number): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    this.#linkNewest(entry);
  }

  #unlink(entry: number): void {
    const older = this.#older[entry]!;
    const newer = this.#newer[entry]!;
    if (older === -1) this.#oldest = newer;
    else this.#newer[older] = newer;
    if (newer === -1) this.#newest = older;
    else this.#older[newer] = older;
  }

  #linkNewest(entry: number): void {
    const newest = this.#newest;
    this.#older[entry] = newest;
    this.#newer[entry] = -1;
    if (newest === -1) this.#oldest = entry;
    else this.#newer[newest] = entry;
    this.#newest = entry;
  }

  /**
   * Removes an entry from the table by backward shift (Knuth 6.4, algorithm R): every entry after
   * the hole that could sit in it moves there, so lookups never need tombstones and the table does
   * not degrade however many ids pass through.
   */
  #removeFromTable(entry: number): void {
    const table = this.#table;
    const digests = this.#digests;
    const mask = this.#mask;
    let hole = digests[entry * 4]! & mask;
    while (table[hole] !== entry + 1) hole = (hole + 1) & mask;
    for (let pos = (hole + 1) & mask; ; pos = (pos + 1) & mask) {
      const other = table[pos]!;
      if (other === 0) break;
      const home = digests[(other - 1) * 4]! & mask;
      // `other` may move into the hole unless its home lies cyclically in (hole, pos].
      if (pos > hole ? home <= hole || home > pos : home <= hole && home > pos) {
        table[hole] = other;
        hole = pos;
      }
    }
    table[hole] = 0;
  }
}
