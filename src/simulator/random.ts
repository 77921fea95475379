/**
 * Deterministic randomness for the simulator. Everything the simulator serves is a pure
 * function of (seed, principal, event type, file, record index): the hashes below turn those
 * coordinates into 32-bit seeds, and a small PRNG expands a seed into as many numbers as a
 * record needs. Nothing here uses Math.random, so the same seed always serves the same bytes.
 */

/** 32-bit FNV-1a of a string, then finalised with `mix32` (FNV alone clusters on short inputs). */
export function hashString(text: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A strong 32-bit integer finaliser (lowbias32): every input bit affects every output bit. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Combines several 32-bit values into one seed, order-sensitive. */
export function combine(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) h = mix32((h ^ (p >>> 0)) + 0x632be5ab);
  return h;
}

/** A uniform float in [0, 1) from a 32-bit hash, for "does this happen" decisions. */
export function unitFloat(hash: number): number {
  return (hash >>> 0) / 4294967296;
}

/**
 * mulberry32: one 32-bit word of state, a handful of integer ops per draw. Plenty for test data
 * and cheap enough to re-seed for every record, which is what makes records random-access.
 */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  reseed(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const s = i.toString(16).padStart(2, '0');
  HEX[i * 2] = s.charCodeAt(0);
  HEX[i * 2 + 1] = s.charCodeAt(1);
}

function writeHexWord(buf: Uint8Array, offset: number, word: number, bytes: number): number {
  for (let shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    const b = (word >>> shift) & 0xff;
    buf[offset++] = HEX[b * 2]!;
    buf[offset++] = HEX[b * 2 + 1]!;
  }
  return offset;
}

/** Width of a UUID in its canonical text form. */
export const UUID_WIDTH = 36;

/**
 * Writes a version-4 UUID made of the next 128 bits of `rng` at `offset` (36 ASCII bytes,
 * no quotes) and returns the offset after it. Written byte by byte because this runs for every
 * record of multi-gigabyte files.
 */
export function writeUuid(buf: Uint8Array, offset: number, rng: Prng): number {
  const a = rng.nextUint32();
  const b = rng.nextUint32();
  const c = (rng.nextUint32() & 0x3fffffff) | 0x80000000; // variant 10xx
  const d = rng.nextUint32();
  offset = writeHexWord(buf, offset, a, 4);
  buf[offset++] = 0x2d;
  offset = writeHexWord(buf, offset, b >>> 16, 2);
  buf[offset++] = 0x2d;
  offset = writeHexWord(buf, offset, (b & 0x0fff) | 0x4000, 2); // version 4
  buf[offset++] = 0x2d;
  offset = writeHexWord(buf, offset, c >>> 16, 2);
  buf[offset++] = 0x2d;
  offset = writeHexWord(buf, offset, c & 0xffff, 2);
  offset = writeHexWord(buf, offset, d, 4);
  return offset;
}

/** The same UUID as `writeUuid` would write, as a string (for templates and helpers). */
export function uuidString(rng: Prng): string {
  const buf = Buffer.allocUnsafe(UUID_WIDTH);
  writeUuid(buf, 0, rng);
  return buf.toString('latin1');
}

/** Lower-case hex of `bytes` random bytes. */
export function hexString(rng: Prng, bytes: number): string {
  let out = '';
  while (out.length < bytes * 2) out += rng.nextUint32().toString(16).padStart(8, '0');
  return out.slice(0, bytes * 2);
}
