/**
 * A record's event time in epoch milliseconds, read from its timestamp (ISO-8601, or epoch
 * seconds/milliseconds as digits); NaN when it is absent or unreadable.
 */
export function eventTimeMs(timestamp: string | undefined): number {
  if (timestamp === undefined || timestamp === '') return Number.NaN;
  if (/^\d+(\.\d+)?$/.test(timestamp)) {
    const n = Number(timestamp);
    // 1e11 seconds is the year 5138: anything larger is milliseconds.
    return n > 1e11 ? n : n * 1000;
  }
  return Date.parse(timestamp);
}
