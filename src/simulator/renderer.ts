import type { CatalogFile } from './catalog.js';
import { type ContentFaults, fileIsAffected } from './faults.js';
import { combine, hashString, Prng, uuidString, writeUuid } from './random.js';
import type { RecordRef, RecordSource } from './record-source.js';
import { type CompiledTemplate, HOLE, INVALID_UTF8 } from './templates/index.js';

/**
 * Turns one catalog file into its bytes, chunk by chunk, never holding more than one chunk.
 * The same code computes the listed size and digest and serves the download, so they agree by
 * construction. Content faults are decided per file here, so the listed size and digest
 * describe the faulty bytes (a truthful upstream that serves ugly content).
 */

const CHUNK_BYTES = 64 * 1024;
const DAY_MS = 86_400_000;

/** Where the content faults land in one file (record indexes; -1 for none). */
export interface ContentPlan {
  readonly crlf: boolean;
  readonly missingFinalNewline: boolean;
  readonly malformedAt: number;
  readonly invalidUtf8At: number;
  readonly runTogetherAt: number;
}

export const CLEAN_PLAN: ContentPlan = {
  crlf: false,
  missingFinalNewline: false,
  malformedAt: -1,
  invalidUtf8At: -1,
  runTogetherAt: -1,
};

export function contentPlan(
  seed: number,
  file: CatalogFile,
  records: number,
  faults: ContentFaults,
): ContentPlan {
  const at = (fault: string, ratio: number, positions: number) =>
    positions > 0 && fileIsAffected(seed, file.id, fault, ratio)
      ? combine(seed, file.fileSeed, hashString(fault)) % positions
      : -1;
  return {
    crlf: fileIsAffected(seed, file.id, 'crlf', faults.crlf),
    missingFinalNewline: fileIsAffected(seed, file.id, 'missingFinalNewline', faults.missingFinalNewline),
    malformedAt: at('malformedLines', faults.malformedLines, records),
    invalidUtf8At: at('invalidUtf8', faults.invalidUtf8, records),
    // Joins record k and k+1, so it needs two records.
    runTogetherAt: at('runTogether', faults.runTogether, records - 1),
  };
}

export class FileRenderer {
  private dayCached = -1;
  private readonly dayPrefix = Buffer.alloc(11);
  private readonly idRng = new Prng(0);
  /** This renderer's own record state: renderers of concurrent downloads interleave. */
  private readonly rng = new Prng(0);
  private readonly templates: readonly CompiledTemplate[];

  constructor(
    private readonly source: RecordSource,
    readonly file: CatalogFile,
    readonly records: number,
    readonly plan: ContentPlan,
  ) {
    this.templates = source.templatesOf(file);
  }

  private terminatorBytes(i: number): number {
    if (i === this.plan.runTogetherAt) return 0;
    if (i === this.records - 1 && this.plan.missingFinalNewline) return 0;
    return this.plan.crlf ? 2 : 1;
  }

  private recordBytes(i: number, template: CompiledTemplate): number {
    if (i === this.plan.malformedAt) return template.eventIdEnd;
    return template.length + (i === this.plan.invalidUtf8At ? INVALID_UTF8.length : 0);
  }

  /** Exact byte size of the file, without rendering it. */
  size(): number {
    let total = 0;
    for (let i = 0; i < this.records; i++) {
      const { template } = this.source.begin(
        this.rng,
        this.source.resolve(this.rng, this.file, i),
        this.templates,
      );
      total += this.recordBytes(i, template) + this.terminatorBytes(i);
    }
    return total;
  }

  /** The event_id of every record, in file order (re-sent events included). */
  eventIds(): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.records; i++) {
      this.source.begin(this.rng, this.source.resolve(this.rng, this.file, i), this.templates);
      ids.push(uuidString(this.rng));
    }
    return ids;
  }

  /** The file's bytes in chunks of about 64 KiB; each chunk is a fresh buffer the caller may keep. */
  *chunks(): Generator<Buffer, void, undefined> {
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let off = 0;
    for (let i = 0; i < this.records; i++) {
      const ref = this.source.resolve(this.rng, this.file, i);
      const { template, timestampMs } = this.source.begin(this.rng, ref, this.templates);
      const room = template.length + INVALID_UTF8.length + 2;
      if (off + room > buf.length) {
        if (off > 0) yield buf.subarray(0, off);
        buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
        off = 0;
      }
      const start = off;
      off = this.writeRecord(buf, off, template, ref, timestampMs, i === this.plan.invalidUtf8At);
      if (i === this.plan.malformedAt) off = start + template.eventIdEnd;
      const term = this.terminatorBytes(i);
      if (term === 2) buf[off++] = 0x0d;
      if (term > 0) buf[off++] = 0x0a;
    }
    if (off > 0) yield buf.subarray(0, off);
  }

  private writeRecord(
    buf: Buffer,
    off: number,
    template: CompiledTemplate,
    ref: RecordRef,
    ts: number,
    invalidUtf8: boolean,
  ): number {
    const { segments, holes } = template;
    const rng = this.rng;
    for (let h = 0; h < holes.length; h++) {
      const seg = segments[h]!;
      seg.copy(buf, off);
      off += seg.length;
      switch (holes[h]) {
        case HOLE.EVENT_ID:
        case HOLE.UUID:
          off = writeUuid(buf, off, rng);
          break;
        case HOLE.TIMESTAMP:
          off = this.writeIso(buf, off, ts);
          break;
        case HOLE.EPOCH:
          off = writeDigits(buf, off, Math.floor(ts / 1000), 10);
          buf[off++] = 0x2e;
          off = writeDigits(buf, off, (ts % 1000) * 1000 + (rng.nextUint32() % 1000), 6);
          break;
        case HOLE.MESSAGE_ID:
          off = this.writeKeyedUuid(buf, off, ref, this.source.messageKey(ref), 0x3e55);
          break;
        case HOLE.PREV_MESSAGE_ID:
          off = this.writeKeyedUuid(buf, off, ref, this.source.messageKey(ref) - 1, 0x3e55);
          break;
        case HOLE.CONVERSATION_ID:
          off = this.writeKeyedUuid(buf, off, ref, this.source.conversationKey(ref), 0xc0);
          break;
        case HOLE.DAY:
          this.ensureDay(ts);
          off += this.dayPrefix.copy(buf, off, 0, 10);
          break;
        case HOLE.HOUR: {
          const hour = Math.floor((ts % DAY_MS) / 3_600_000);
          buf[off++] = hour < 10 ? 0x20 : 0x30 + Math.floor(hour / 10);
          buf[off++] = 0x30 + (hour % 10);
          break;
        }
        case HOLE.FAULT:
          if (invalidUtf8) off += INVALID_UTF8.copy(buf, off);
          break;
      }
    }
    const last = segments[holes.length]!;
    last.copy(buf, off);
    return off + last.length;
  }

  private writeKeyedUuid(buf: Buffer, off: number, ref: RecordRef, key: number, salt: number): number {
    return writeUuid(buf, off, this.idRng.reseed(combine(ref.file.fileSeed, key, salt)));
  }

  private ensureDay(ts: number): void {
    const day = Math.floor(ts / DAY_MS);
    if (day !== this.dayCached) {
      this.dayCached = day;
      this.dayPrefix.write(new Date(day * DAY_MS).toISOString().slice(0, 11), 0, 'latin1');
    }
  }

  /** `2026-07-09T13:04:05.678Z`, 24 bytes, formatted by hand: it runs for every record. */
  private writeIso(buf: Buffer, off: number, ts: number): number {
    this.ensureDay(ts);
    off += this.dayPrefix.copy(buf, off);
    let rem = ts - this.dayCached * DAY_MS;
    const h = Math.floor(rem / 3_600_000);
    rem -= h * 3_600_000;
    const m = Math.floor(rem / 60_000);
    rem -= m * 60_000;
    const s = Math.floor(rem / 1000);
    off = writeDigits(buf, off, h, 2);
    buf[off++] = 0x3a;
    off = writeDigits(buf, off, m, 2);
    buf[off++] = 0x3a;
    off = writeDigits(buf, off, s, 2);
    buf[off++] = 0x2e;
    off = writeDigits(buf, off, rem - s * 1000, 3);
    buf[off++] = 0x5a;
    return off;
  }
}

function writeDigits(buf: Buffer, off: number, value: number, width: number): number {
  for (let i = width - 1; i >= 0; i--) {
    buf[off + i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return off + width;
}
