import { type EventTimeField, type EventTimeSpec, eventTimeMs } from '../../core/event-time.js';
import { parsePath } from '../json-path/path.js';
import type { SplitLine } from '../split-jsonl/types.js';

/**
 * Already ISO-8601 with a zone (what sinks write as is, microseconds included): kept byte for
 * byte. Anything else readable is normalised with toISOString.
 */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

interface CompiledField {
  readonly names: readonly string[];
  readonly format: EventTimeField['format'];
  /** `timestamp` at top level as ISO: the splitter read it already, no parse needed. */
  readonly splitterTimestamp: boolean;
}

/**
 * Reads a record's event time where its source declares it (see core/event-time.ts), as ISO-8601.
 * The common case, a top-level ISO `timestamp`, is what the splitter found without a parse; any
 * other path reads the parsed record (parsed once, and only for such sources).
 */
export class EventTimeReader {
  readonly #fields: readonly CompiledField[];
  /** Whether the last `read` took the time from a top-level `timestamp` member. */
  fromTimestampMember = false;

  constructor(spec: EventTimeSpec) {
    this.#fields = spec.map((f) => {
      const names = parsePath(f.path);
      return {
        names,
        format: f.format,
        splitterTimestamp: f.format === 'iso8601' && names.length === 1 && names[0] === 'timestamp',
      };
    });
  }

  get isEmpty(): boolean {
    return this.#fields.length === 0;
  }

  /** The record's time as ISO-8601, or undefined when no declared place holds a readable one. */
  read(line: SplitLine, redacted: boolean): string | undefined {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      let value: unknown;
      if (f.splitterTimestamp && !redacted && line.timestamp !== undefined) value = line.timestamp;
      else value = valueAt(line.parsed, f.names);
      if (value === undefined || value === null) continue;
      const iso = toIso(value, f.format);
      if (iso !== undefined) {
        this.fromTimestampMember = f.splitterTimestamp;
        return iso;
      }
    }
    this.fromTimestampMember = false;
    return undefined;
  }
}

/** The value at a path of member names (an array element by its index), or undefined. */
export function valueAt(root: unknown, names: readonly string[]): unknown {
  let node = root;
  for (let i = 0; i < names.length; i++) {
    if (typeof node !== 'object' || node === null) return undefined;
    const name = names[i]!;
    if (!Object.hasOwn(node, name)) return undefined;
    node = (node as Record<string, unknown>)[name];
  }
  return node;
}

/** `value` as ISO-8601 in `format`, or undefined when it is not a readable time. */
export function toIso(value: unknown, format: EventTimeField['format']): string | undefined {
  if (format === 'iso8601' && typeof value === 'string' && ISO_WITH_ZONE.test(value)) {
    return Number.isNaN(Date.parse(value)) ? undefined : value;
  }
  const ms = eventTimeMs(value, format);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
