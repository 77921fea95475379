/**
 * How long the next slice of an audit log window is, from what the previous one took.
 *
 * A slice is read whole before its events go out (the API answers newest first), so its length
 * trades requests against how long deliveries and the checkpoint wait: one slice per hour of a
 * quiet organization costs 900 list requests for 37 days, one slice of a busy week holds the
 * checkpoint back until thousands of pages are read. So the length adapts:
 *
 *  - a slice that fit in one page with at most half a page of events: the next is twice as long
 *    (at the doubled length it is expected to still fit in one page);
 *  - a slice that took more than `shrinkAbovePages` pages: the next is half as long;
 *  - otherwise it stays;
 *
 * always within [minSliceMs, maxSliceMs] and never past the window's end. The first slice is
 * `minSliceMs` long. Pure: no clock, no I/O.
 */
export interface SliceSizing {
  /** The first slice's length and the floor when shrinking. */
  readonly minSliceMs: number;
  /** The ceiling when growing. */
  readonly maxSliceMs: number;
  /** Events per page asked for (the growth test is "at most half a page in one page"). */
  readonly pageSize: number;
  /** A slice that took more pages than this halves the next one. */
  readonly shrinkAbovePages: number;
}

/** A slice that took more pages than this halves the next one (the default). */
export const DEFAULT_SHRINK_ABOVE_PAGES = 10;

export class AdaptiveSlicer {
  readonly #sizing: SliceSizing;
  #lengthMs: number;

  constructor(sizing: SliceSizing) {
    if (!(sizing.minSliceMs > 0) || !(sizing.maxSliceMs >= sizing.minSliceMs)) {
      throw new RangeError(
        `Slice lengths need 0 < min <= max; got min ${sizing.minSliceMs} ms, max ${sizing.maxSliceMs} ms.`,
      );
    }
    this.#sizing = sizing;
    this.#lengthMs = sizing.minSliceMs;
  }

  /** The length the next slice asks for (before the window's end cuts it). */
  get lengthMs(): number {
    return this.#lengthMs;
  }

  /** The end (exclusive) of the slice starting at `fromMs`, bounded by the window's end. */
  next(fromMs: number, windowEndMs: number): number {
    return Math.min(windowEndMs, fromMs + this.#lengthMs);
  }

  /** What the slice just read took; sets the length of the next one. */
  record(took: { readonly pages: number; readonly events: number }): void {
    const { minSliceMs, maxSliceMs, pageSize, shrinkAbovePages } = this.#sizing;
    if (took.pages <= 1 && took.events * 2 <= pageSize) {
      this.#lengthMs = Math.min(maxSliceMs, this.#lengthMs * 2);
    } else if (took.pages > shrinkAbovePages) {
      this.#lengthMs = Math.max(minSliceMs, Math.floor(this.#lengthMs / 2));
    }
  }
}
