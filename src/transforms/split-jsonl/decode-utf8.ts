import { isAscii, transcode } from 'node:buffer';

/**
 * Decodes bytes the caller already checked to be valid UTF-8 (`isUtf8`), taking the fastest exact
 * route measured (benchmarks/micro/split_enrich.ts):
 *   - ASCII (checked with simdutf): latin1 decoding gives the same text for less work;
 *   - otherwise: on V8 before 12 (Node 20), ICU's transcode to UTF-16 plus a copy into a string runs
 *     about 1.5x faster on mixed-script text than V8's scalar UTF-8 decoder; later V8 (Node 24)
 *     decodes with SIMD itself and `toString('utf8')` is faster than transcode.
 * The splitter only decodes lines a stage reads as text (split-line.ts) or that take the JSON.parse
 * path; validation never goes through here, so invalid bytes are never replaced by U+FFFD.
 */
export function decodeValidUtf8(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return useTranscode ? transcode(bytes, 'utf8', 'ucs2').toString('ucs2') : bytes.toString('utf8');
}

const useTranscode = (() => {
  if (Number.parseInt(process.versions.v8, 10) >= 12) return false;
  try {
    // Node built without ICU has no transcode.
    return transcode(Buffer.from('é'), 'utf8', 'ucs2').toString('ucs2') === 'é';
  } catch {
    return false;
  }
})();
