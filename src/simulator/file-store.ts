import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CatalogFile } from './catalog.js';
import type { ContentFaults } from './faults.js';
import { Prng } from './random.js';
import type { RecordSource } from './record-source.js';
import { contentPlan, FileRenderer } from './renderer.js';

export interface FileFacts {
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** A few numbers per file; this bounds a long benchmark's memory (oldest forgotten first). */
const CACHE_LIMIT = 200_000;
/** Hashing yields to the event loop every ~1 MiB so a big file never freezes the servers. */
const CHUNKS_PER_YIELD = 16;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.set(key, value);
  if (map.size > CACHE_LIMIT) map.delete(map.keys().next().value as K);
  return value;
}

/**
 * Sizes and digests of files, computed by rendering each file once (streaming through sha256)
 * and cached per (file, content faults): changing a content fault changes the bytes, so it
 * changes the listed facts too. Concurrent requests for the same digest share one computation.
 */
export class FileStore {
  private readonly counts = new Map<string, number>();
  private readonly factsCache = new Map<string, Promise<FileFacts>>();
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly source: RecordSource,
    private readonly seedHash: number,
  ) {}

  /** Records in a file; for a file sized in bytes, as many whole clean lines as reach the size. */
  recordCount(file: CatalogFile): number {
    if (file.records !== undefined) return file.records;
    const cached = this.counts.get(file.id);
    if (cached !== undefined) return cached;
    const target = file.sizeTargetBytes ?? 1;
    const templates = this.source.templatesOf(file);
    const rng = new Prng(0);
    let bytes = 0;
    let n = 0;
    while (bytes < target) {
      bytes += this.source.begin(rng, this.source.resolve(rng, file, n), templates).template.length + 1;
      n++;
    }
    return remember(this.counts, file.id, n);
  }

  /** The latest event timestamp in these files (timestamps only, nothing rendered). */
  maxEventTime(files: readonly CatalogFile[]): number | undefined {
    let max: number | undefined;
    const rng = new Prng(0);
    for (const file of files) {
      const templates = this.source.templatesOf(file);
      const records = this.recordCount(file);
      for (let i = 0; i < records; i++) {
        const { timestampMs } = this.source.begin(rng, this.source.resolve(rng, file, i), templates);
        if (max === undefined || timestampMs > max) max = timestampMs;
      }
    }
    return max;
  }

  renderer(file: CatalogFile, faults: ContentFaults): FileRenderer {
    const records = this.recordCount(file);
    return new FileRenderer(this.source, file, records, contentPlan(this.seedHash, file, records, faults));
  }

  /** Exact size of the bytes a download serves (cheap: no rendering). */
  size(file: CatalogFile, faults: ContentFaults): number {
    const key = cacheKey(file, faults);
    const cached = this.sizes.get(key);
    if (cached !== undefined) return cached;
    return remember(this.sizes, key, this.renderer(file, faults).size());
  }

  /** Size and sha256 as listed; the first call renders the whole file once. */
  facts(file: CatalogFile, faults: ContentFaults): Promise<FileFacts> {
    const key = cacheKey(file, faults);
    const cached = this.factsCache.get(key);
    if (cached !== undefined) return cached;
    const pending = this.compute(file, faults);
    pending.catch(() => this.factsCache.delete(key));
    return remember(this.factsCache, key, pending);
  }

  private async compute(file: CatalogFile, faults: ContentFaults): Promise<FileFacts> {
    const hash = createHash('sha256');
    let sizeBytes = 0;
    let sinceYield = 0;
    for (const chunk of this.renderer(file, faults).chunks()) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      if (++sinceYield >= CHUNKS_PER_YIELD) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
    return { sizeBytes, sha256: hash.digest('hex') };
  }
}

function cacheKey(file: CatalogFile, faults: ContentFaults): string {
  return `${file.id}|${file.principalId}|${faults.crlf}|${faults.missingFinalNewline}|${faults.malformedLines}|${faults.invalidUtf8}|${faults.runTogether}`;
}
