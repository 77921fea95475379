import {
  type EventType,
  eventTypeAt,
  eventTypeIndex,
  eventTypesFor,
  type PrincipalKind,
  principalKindOf,
} from './event-types.js';
import { type ExtraFile, profileFor, type ResolvedOptions } from './options.js';
import { combine, hashString, unitFloat } from './random.js';

/**
 * Which files exist. A file is identified by (principal, event type, end_time, part); parts
 * 0..127 are the generated files of one window (several parts share the window's end_time, as
 * when the 15 MB cap splits it), parts 128+ are the configured extra files. Whether a window has
 * files, and how many records each has, is a hash of those coordinates and the seed: nothing is
 * stored, so any well-formed principal id is served and a 30-day catalog costs no memory.
 */

export const EXTRA_PART_BASE = 128;

const FILE_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CatalogFile {
  readonly id: string;
  readonly principalId: string;
  readonly principalKind: PrincipalKind;
  readonly eventType: EventType;
  /** end_time in epoch milliseconds (whole seconds). */
  readonly endMs: number;
  /** The window the file's events belong to: [startMs, endMs). */
  readonly startMs: number;
  readonly part: number;
  /** `2026-07-09T13:00:00Z` */
  readonly endTime: string;
  /** `AUDIT_LOG_2026-07-09T13:00:00+00:00.jsonl` (the parts of one window share it). */
  readonly fileName: string;
  /** Seed of everything inside the file. */
  readonly fileSeed: number;
  /** Fixed record count, or undefined when the file is sized in bytes. */
  readonly records: number | undefined;
  readonly sizeTargetBytes: number | undefined;
}

export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export class Catalog {
  readonly seedHash: number;
  private readonly extrasByKey = new Map<string, Array<{ index: number; file: ExtraFile }>>();

  constructor(private readonly options: ResolvedOptions) {
    this.seedHash = hashString(String(options.seed));
    options.extraFiles.forEach((file, index) => {
      const list = this.extrasByKey.get(file.eventType) ?? [];
      list.push({ index, file });
      list.sort((a, b) => a.file.endTime.getTime() - b.file.endTime.getTime() || a.index - b.index);
      this.extrasByKey.set(file.eventType, list);
    });
  }

  get windowMs(): number {
    return this.options.windowMs;
  }

  /** How many generated files window `k` (ending at k * windowMs) has; pure, ignores the span. */
  filesInWindow(principalId: string, type: EventType, k: number): number {
    const profile = profileFor(this.options, type);
    const h = combine(this.seedHash, hashString(principalId), eventTypeIndex(type), k);
    if (unitFloat(h) >= profile.fileRatio) return 0;
    const { min, max } = profile.filesPerWindow;
    return min + (combine(h, 1) % (max - min + 1));
  }

  /** Records in a generated file; pure. */
  recordsInFile(principalId: string, type: EventType, k: number, part: number): number {
    const { min, max } = profileFor(this.options, type).recordsPerFile;
    return (
      min +
      (combine(this.seedHash, hashString(principalId), eventTypeIndex(type), k, part, 2) % (max - min + 1))
    );
  }

  generatedFile(principalId: string, type: EventType, k: number, part: number): CatalogFile {
    const kind = principalKindOf(principalId) ?? 'workspace';
    const endMs = k * this.options.windowMs;
    return this.describe(principalId, kind, type, endMs, endMs - this.options.windowMs, part, {
      records: this.recordsInFile(principalId, type, k, part),
      sizeTargetBytes: undefined,
    });
  }

  private extraFile(principalId: string, kind: PrincipalKind, index: number, file: ExtraFile): CatalogFile {
    const endMs = Math.floor(file.endTime.getTime() / 1000) * 1000;
    return this.describe(
      principalId,
      kind,
      file.eventType,
      endMs,
      endMs - this.options.windowMs,
      EXTRA_PART_BASE + index,
      {
        records: file.records,
        sizeTargetBytes: file.sizeBytes,
      },
    );
  }

  private describe(
    principalId: string,
    principalKind: PrincipalKind,
    eventType: EventType,
    endMs: number,
    startMs: number,
    part: number,
    size: { records: number | undefined; sizeTargetBytes: number | undefined },
  ): CatalogFile {
    const endTime = isoSeconds(endMs);
    return {
      id: this.fileId(principalId, eventType, endMs, part),
      principalId,
      principalKind,
      eventType,
      endMs,
      startMs,
      part,
      endTime,
      fileName: `${eventType}_${endTime.slice(0, 19)}+00:00.jsonl`,
      fileSeed: combine(
        this.seedHash,
        hashString(principalId),
        eventTypeIndex(eventType),
        endMs / 1000,
        part,
      ),
      ...size,
    };
  }

  private extrasFor(principalId: string, type: EventType): Array<{ index: number; file: ExtraFile }> {
    const all = this.extrasByKey.get(type) ?? [];
    return all.filter((e) => e.file.principalId === undefined || e.file.principalId === principalId);
  }

  /**
   * Visible files of one type with afterMs < end_time < beforeMs, ascending by (end_time, part),
   * at most `max` of them. Visible means inside the span: now - span < end_time <= now.
   */
  list(
    principalId: string,
    type: EventType,
    range: { afterMs: number; beforeMs: number; nowMs: number },
    max: number,
  ): CatalogFile[] {
    const kind = principalKindOf(principalId);
    if (kind === undefined || !eventTypesFor(kind).includes(type)) return [];
    const lo = Math.max(range.afterMs, range.nowMs - this.options.spanMs);
    const hi = Math.min(range.beforeMs - 1, range.nowMs);
    const out: CatalogFile[] = [];
    if (hi <= lo) return out;
    const extras = this.extrasFor(principalId, type)
      .map((e) => this.extraFile(principalId, kind, e.index, e.file))
      .filter((f) => f.endMs > lo && f.endMs <= hi);
    let nextExtra = 0;
    const w = this.options.windowMs;
    for (let k = Math.floor(lo / w) + 1; k * w <= hi && out.length < max; k++) {
      while (nextExtra < extras.length && extras[nextExtra]!.endMs < k * w && out.length < max) {
        out.push(extras[nextExtra++]!);
      }
      const parts = this.filesInWindow(principalId, type, k);
      for (let part = 0; part < parts && out.length < max; part++) {
        out.push(this.generatedFile(principalId, type, k, part));
      }
    }
    while (nextExtra < extras.length && out.length < max) out.push(extras[nextExtra++]!);
    return out;
  }

  /** The visible files with the latest end_time (every part sharing it); empty when none. */
  latestFiles(principalId: string, type: EventType, nowMs: number): CatalogFile[] {
    const kind = principalKindOf(principalId);
    if (kind === undefined || !eventTypesFor(kind).includes(type)) return [];
    const lo = nowMs - this.options.spanMs;
    const extras = this.extrasFor(principalId, type)
      .map((e) => this.extraFile(principalId, kind, e.index, e.file))
      .filter((f) => f.endMs > lo && f.endMs <= nowMs);
    const latestExtra = Math.max(Number.NEGATIVE_INFINITY, ...extras.map((f) => f.endMs));
    const w = this.options.windowMs;
    let latest = latestExtra;
    for (let k = Math.floor(nowMs / w); k * w > lo && k * w > latestExtra; k--) {
      if (this.filesInWindow(principalId, type, k) > 0) {
        latest = k * w;
        break;
      }
    }
    if (!Number.isFinite(latest)) return [];
    return this.list(
      principalId,
      type,
      { afterMs: latest - 1, beforeMs: latest + 1, nowMs },
      Number.POSITIVE_INFINITY,
    );
  }

  /**
   * File ids look like UUIDs: 1 hex digit of event type, 10 of end_time in seconds, 2 of part,
   * then 19 of a keyed hash of (seed, principal, those fields), so an id only resolves for the
   * principal (and seed) it was listed for.
   */
  fileId(principalId: string, type: EventType, endMs: number, part: number): string {
    const t = eventTypeIndex(type).toString(16);
    const e = (endMs / 1000).toString(16).padStart(10, '0');
    const p = part.toString(16).padStart(2, '0');
    const hex = t + e + p + this.mac(principalId, t + e + p);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  private mac(principalId: string, payload: string): string {
    const h = combine(this.seedHash, hashString(principalId), hashString(payload));
    const words = [h, combine(h, 1), combine(h, 2)].map((x) => x.toString(16).padStart(8, '0'));
    return words.join('').slice(0, 19);
  }

  /**
   * The file behind an id for this principal, whether or not it is visible now (the caller
   * decides between "not yet", "expired" and "served"); undefined for ids that never existed.
   */
  resolve(principalId: string, fileId: string): CatalogFile | undefined {
    const kind = principalKindOf(principalId);
    if (kind === undefined || !FILE_ID_RE.test(fileId)) return undefined;
    const hex = fileId.replace(/-/g, '');
    const type = eventTypeAt(Number.parseInt(hex.slice(0, 1), 16));
    const endMs = Number.parseInt(hex.slice(1, 11), 16) * 1000;
    const part = Number.parseInt(hex.slice(11, 13), 16);
    if (type === undefined || !eventTypesFor(kind).includes(type)) return undefined;
    if (this.fileId(principalId, type, endMs, part) !== fileId) return undefined;
    if (part >= EXTRA_PART_BASE) {
      const entry = this.extrasFor(principalId, type).find((e) => e.index === part - EXTRA_PART_BASE);
      if (entry === undefined) return undefined;
      const file = this.extraFile(principalId, kind, entry.index, entry.file);
      return file.endMs === endMs ? file : undefined;
    }
    const w = this.options.windowMs;
    if (endMs % w !== 0 || part >= this.filesInWindow(principalId, type, endMs / w)) return undefined;
    return this.generatedFile(principalId, type, endMs / w, part);
  }

  isVisible(file: CatalogFile, nowMs: number): boolean {
    return file.endMs <= nowMs && file.endMs > nowMs - this.options.spanMs;
  }
}
