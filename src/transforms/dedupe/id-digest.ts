/**
 * A 128-bit digest of a string: MurmurHash3_x86_128 (Austin Appleby, public domain) of the
 * string's UTF-16LE code units, written into `out` as four 32-bit words.
 *
 * Why this hash: the de-duplication window keeps a digest instead of each event id, so its memory
 * is fixed (no string per id on the V8 heap). It runs once per record, so it must be cheap: this
 * one reads the code units directly (no UTF-8 encoding, no allocation) and costs about a tenth of
 * `crypto.hash('md5', id)`, which pays for a native call and a Buffer per id. Its 128 bits are
 * well mixed, so two different ids share a digest with probability about 2^-128 (see
 * DedupeWindow for what that means over a window's lifetime). It is not a cryptographic hash:
 * someone who controls event ids could craft two that collide whatever the seed (the window would
 * drop the second as a duplicate). The ids come from the upstream API, not from the people whose
 * events they are; the random seed per window keeps accidental collisions from repeating.
 */
export function digestUtf16(text: string, seed: number, out: Int32Array): void {
  const units = text.length;
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  // Blocks of 16 bytes: 8 code units, two per little-endian 32-bit word.
  const blockEnd = units - (units & 7);
  let i = 0;
  for (; i < blockEnd; i += 8) {
    let k1 = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    let k2 = text.charCodeAt(i + 2) | (text.charCodeAt(i + 3) << 16);
    let k3 = text.charCodeAt(i + 4) | (text.charCodeAt(i + 5) << 16);
    let k4 = text.charCodeAt(i + 6) | (text.charCodeAt(i + 7) << 16);

    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
    h1 = (h1 << 19) | (h1 >>> 13);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    k2 = Math.imul(k2, C3);
    h2 ^= k2;
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (h2 + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    k3 = Math.imul(k3, C4);
    h3 ^= k3;
    h3 = (h3 << 15) | (h3 >>> 17);
    h3 = (h3 + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    k4 = Math.imul(k4, C1);
    h4 ^= k4;
    h4 = (h4 << 13) | (h4 >>> 19);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }

  // The tail: 0 to 7 code units, i.e. an even number of bytes, so every word is whole units.
  const rest = units - i;
  if (rest > 6) {
    let k4 = text.charCodeAt(i + 6);
    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    h4 ^= Math.imul(k4, C1);
  }
  if (rest > 4) {
    let k3 = text.charCodeAt(i + 4) | (rest > 5 ? text.charCodeAt(i + 5) << 16 : 0);
    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    h3 ^= Math.imul(k3, C4);
  }
  if (rest > 2) {
    let k2 = text.charCodeAt(i + 2) | (rest > 3 ? text.charCodeAt(i + 3) << 16 : 0);
    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    h2 ^= Math.imul(k2, C3);
  }
  if (rest > 0) {
    let k1 = text.charCodeAt(i) | (rest > 1 ? text.charCodeAt(i + 1) << 16 : 0);
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, C2);
  }

  const bytes = units * 2;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789 | 0;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93 | 0;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
