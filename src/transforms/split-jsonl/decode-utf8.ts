import { isAscii, isUtf8, transcode } from 'node:buffer';

/**
 * Decodes strict UTF-8, or returns undefined when the bytes are not valid UTF-8 (never substitutes
 * U+FFFD). Decoding is one of the largest costs of the splitter, so it takes the fastest exact route
 * measured (benchmarks/micro/split_enrich.ts):
 *   - ASCII (checked with simdutf): latin1 decoding gives the same text for less work, and no
 *     separate UTF-8 validation is needed;
 *   - otherwise, after validation: on V8 before 12 (Node 20), ICU's transcode to UTF-16 plus a copy
 *     into a string runs about 1.5x faster on mixed-script text than V8's scalar UTF-8 decoder;
 *     later V8 (Node 24) decodes with SIMD itself and `toString('utf8')` is faster than transcode.
 */
export function decodeUtf8(bytes: Buffer): string | undefined {
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return undefined;
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
