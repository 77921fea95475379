/**
 * A record template is one JSON.stringify'd record with holes for the values that change from
 * record to record (event id, timestamp, ids). Serving a file is then copying byte segments and
 * writing fixed-width holes: no object building or stringifying per record, which is what lets
 * the simulator serve hundreds of MiB/s. Every hole has a fixed width, so a file's size is known
 * without rendering it.
 */

export const HOLE = {
  EVENT_ID: 0,
  TIMESTAMP: 1,
  /** created_at as epoch seconds with microseconds, a JSON number: 1752066000.123456 */
  EPOCH: 2,
  MESSAGE_ID: 3,
  PREV_MESSAGE_ID: 4,
  CONVERSATION_ID: 5,
  /** A fresh random UUID per record. */
  UUID: 6,
  /** `2026-07-09` of the record's timestamp. */
  DAY: 7,
  /** The hour of the record's timestamp as a JSON number padded with a space: ` 7` or `13`. */
  HOUR: 8,
  /** Empty, or invalid UTF-8 bytes when the invalidUtf8 fault hits this record. Inside a string. */
  FAULT: 9,
} as const;

export type HoleKind = (typeof HOLE)[keyof typeof HOLE];

export const HOLE_WIDTH: Readonly<Record<HoleKind, number>> = {
  [HOLE.EVENT_ID]: 36,
  [HOLE.TIMESTAMP]: 24,
  [HOLE.EPOCH]: 17,
  [HOLE.MESSAGE_ID]: 36,
  [HOLE.PREV_MESSAGE_ID]: 36,
  [HOLE.CONVERSATION_ID]: 36,
  [HOLE.UUID]: 36,
  [HOLE.DAY]: 10,
  [HOLE.HOUR]: 2,
  [HOLE.FAULT]: 0,
};

/** The bytes the invalidUtf8 fault puts in the FAULT hole: a lone continuation byte and 0xFF. */
export const INVALID_UTF8 = Buffer.from([0x80, 0xff]);

/** Markers placed in string values before stringifying; `num` markers lose their quotes. */
export function hole(kind: keyof typeof HOLE): string {
  return `@@H:${kind}@@`;
}
export function numericHole(kind: 'EPOCH' | 'HOUR'): number {
  // Typed as a number so template objects read naturally; compile() swaps it back.
  return `@@N:${kind}@@` as unknown as number;
}

export interface CompiledTemplate {
  /** segments.length === holes.length + 1 */
  readonly segments: readonly Buffer[];
  readonly holes: Uint8Array;
  /** Bytes of the record without the line terminator and with an empty FAULT hole. */
  readonly length: number;
  /** Bytes from the start of the record to the end of the event id (the EVENT_ID hole). */
  readonly eventIdEnd: number;
}

const MARKER_RE = /"@@N:([A-Z_]+)@@"|@@H:([A-Z_]+)@@/g;

export function compileTemplate(record: object): CompiledTemplate {
  const json = JSON.stringify(record);
  const segments: Buffer[] = [];
  const holes: number[] = [];
  let last = 0;
  for (const m of json.matchAll(MARKER_RE)) {
    const name = (m[1] ?? m[2]) as keyof typeof HOLE;
    const kind = HOLE[name];
    if (kind === undefined) throw new Error(`unknown template hole ${name}`);
    segments.push(Buffer.from(json.slice(last, m.index), 'utf8'));
    holes.push(kind);
    last = m.index + m[0].length;
  }
  segments.push(Buffer.from(json.slice(last), 'utf8'));
  if (holes[0] !== HOLE.EVENT_ID || !json.startsWith('{"event_id":"')) {
    throw new Error('a template must start with its event_id hole');
  }
  if (holes.filter((h) => h === HOLE.FAULT).length !== 1) {
    throw new Error('a template needs exactly one FAULT hole inside a string');
  }
  let length = 0;
  for (const s of segments) length += s.length;
  for (const h of holes) length += HOLE_WIDTH[h as HoleKind];
  return {
    segments,
    holes: Uint8Array.from(holes),
    length,
    eventIdEnd: segments[0]!.length + HOLE_WIDTH[HOLE.EVENT_ID],
  };
}
