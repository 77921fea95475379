import type { SplitLine } from './types.js';

/** The splitter's SplitLine: `parsed` is built on first use (see SplitLine.parsed). */
export class LazySplitLine implements SplitLine {
  #parsed: Record<string, unknown> | undefined;

  constructor(
    readonly text: string,
    readonly lineNumber: number,
    readonly eventId: string | null | undefined,
    readonly timestamp: string | null | undefined,
    parsed?: Record<string, unknown>,
    readonly bytes?: number,
  ) {
    this.#parsed = parsed;
  }

  get parsed(): Record<string, unknown> {
    this.#parsed ??= JSON.parse(this.text) as Record<string, unknown>;
    return this.#parsed;
  }

  /** The parsed object if something already paid for it, without parsing. */
  get parsedIfBuilt(): Record<string, unknown> | undefined {
    return this.#parsed;
  }

  /**
   * For the slow path, which has parsed the object already. Its fields are left "not known" so that
   * readers use the parsed object, which is exact even for keys written with escapes.
   */
  static fromParsed(text: string, lineNumber: number, parsed: Record<string, unknown>): LazySplitLine {
    return new LazySplitLine(text, lineNumber, undefined, undefined, parsed);
  }
}
