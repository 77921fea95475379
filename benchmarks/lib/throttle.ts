import type { Readable } from 'node:stream';

/**
 * Reads a stream (a child's stdout) no faster than `bytesPerSecond`: the slow consumer behind a
 * throttled sink. The pipe fills, the child's writes wait, and backpressure has to reach its
 * downloads. `unthrottle()` lets the rest drain at full speed (e.g. so a stopped child can exit).
 */
export interface ThrottledReader {
  readonly bytes: () => number;
  unthrottle(): void;
}

export function readThrottled(stream: Readable, bytesPerSecond: number): ThrottledReader {
  const started = performance.now();
  let bytes = 0;
  let throttled = true;
  let timer: NodeJS.Timeout | undefined;
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (!throttled) return;
    const dueMs = started + (bytes / bytesPerSecond) * 1000;
    const waitMs = dueMs - performance.now();
    if (waitMs > 1) {
      stream.pause();
      timer = setTimeout(() => {
        timer = undefined;
        stream.resume();
      }, waitMs);
    }
  });
  return {
    bytes: () => bytes,
    unthrottle() {
      throttled = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      stream.resume();
    },
  };
}
