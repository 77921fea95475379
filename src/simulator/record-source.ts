import type { Catalog, CatalogFile } from './catalog.js';
import { combine, type Prng, unitFloat } from './random.js';
import type { CompiledTemplate, TemplateStore } from './templates/index.js';

/**
 * Which record sits at index i of a file, decided without rendering anything. Each record draws
 * from its own PRNG seeded by (file seed, index), so any record of any file can be produced on
 * its own: that is what lets a later file repeat an earlier file's event byte for byte
 * (at-least-once delivery) without keeping anything in memory.
 *
 * Draw order per record (the renderer and eventIds() rely on it):
 *   1. duplicate roll, 2-3. duplicate source (part, index), 4. template,
 *   5. late roll, 6. late amount, 7. timing jitter, then the holes in template order
 *   (the event id first).
 */

const HOUR_MS = 3_600_000;
/** Re-sent events point at earlier files, which may be re-sends themselves; this bounds the chain. */
const MAX_DUPLICATE_DEPTH = 16;

export interface RecordRef {
  /** The file whose generator owns the record (differs from the served file for a re-sent event). */
  readonly file: CatalogFile;
  readonly index: number;
}

export interface RecordSourceOptions {
  readonly duplicateRatio: number;
  readonly lateEventRatio: number;
}

export class RecordSource {
  constructor(
    private readonly catalog: Catalog,
    private readonly templates: TemplateStore,
    private readonly options: RecordSourceOptions,
  ) {}

  templatesOf(file: CatalogFile): readonly CompiledTemplate[] {
    return this.templates.get(file.principalId, file.eventType);
  }

  /**
   * Follows re-sent events back to the file that first carried them. `rng` is scratch state
   * owned by the caller: every concurrent reader (one per download) brings its own.
   */
  resolve(rng: Prng, file: CatalogFile, index: number): RecordRef {
    let ref: RecordRef = { file, index };
    for (let depth = 0; depth < MAX_DUPLICATE_DEPTH; depth++) {
      rng.reseed(combine(ref.file.fileSeed, ref.index));
      const roll = rng.next();
      const partDraw = rng.next();
      const indexDraw = rng.next();
      if (roll >= this.options.duplicateRatio) return ref;
      const w = this.catalog.windowMs;
      const previousWindow = Math.ceil(ref.file.endMs / w) - 1;
      const parts = this.catalog.filesInWindow(ref.file.principalId, ref.file.eventType, previousWindow);
      if (parts === 0) return ref;
      const part = Math.floor(partDraw * parts);
      const source = this.catalog.generatedFile(
        ref.file.principalId,
        ref.file.eventType,
        previousWindow,
        part,
      );
      ref = { file: source, index: Math.floor(indexDraw * (source.records ?? 1)) };
    }
    return ref;
  }

  /**
   * Seeds `rng` for the resolved record and draws up to the first hole; returns the template
   * and the event timestamp. The rng is then positioned at the event id.
   */
  begin(
    rng: Prng,
    ref: RecordRef,
    templates: readonly CompiledTemplate[],
  ): { template: CompiledTemplate; timestampMs: number } {
    rng.reseed(combine(ref.file.fileSeed, ref.index));
    rng.nextUint32();
    rng.nextUint32();
    rng.nextUint32();
    const template = templates[rng.nextUint32() % templates.length]!;
    const lateRoll = rng.next();
    const lateAmount = rng.nextUint32();
    const jitter = rng.next();
    const file = ref.file;
    const span = file.endMs - file.startMs;
    const spacing = this.spacingCount(file, templates);
    let ts = file.startMs + Math.floor(((ref.index + jitter) / spacing) * span);
    if (file.eventType === 'COSTS') {
      // Usage is billed 3 to 5 hours after it happens (reference: COSTS latency).
      ts -= 3 * HOUR_MS + (lateAmount % (2 * HOUR_MS));
    } else if (lateRoll < this.options.lateEventRatio) {
      ts -= span + (lateAmount % (2 * HOUR_MS));
    }
    return { template, timestampMs: Math.min(ts, file.endMs - 1) };
  }

  private spacingCount(file: CatalogFile, templates: readonly CompiledTemplate[]): number {
    if (file.records !== undefined) return file.records;
    let total = 0;
    for (const t of templates) total += t.length + 1;
    return Math.max(1, Math.round((file.sizeTargetBytes ?? 1) / (total / templates.length)));
  }

  /** Message identity for CONVERSATION_MESSAGE: an edit (3%) keeps the previous record's id. */
  messageKey(ref: RecordRef): number {
    let i = ref.index;
    while (i > 0 && unitFloat(combine(ref.file.fileSeed, i, 0xed17)) < 0.03) i--;
    return i;
  }

  /** Consecutive records form conversations of eight messages. */
  conversationKey(ref: RecordRef): number {
    return Math.floor((ref.index + (ref.file.fileSeed % 8)) / 8);
  }
}
