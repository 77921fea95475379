/**
 * The record's own time, written the way each format wants it. Records carry ISO-8601 UTC
 * timestamps; anything else Date can parse is normalised, and a record without a usable time
 * gets the NILVALUE in RFC 5424 (the receiver stamps it) and the send time in RFC 3164, which
 * has no NILVALUE.
 */

/** RFC 5424 TIMESTAMP: FULL-DATE "T" FULL-TIME, at most 6 fraction digits, a zone. */
const RFC5424_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

export function rfc5424Timestamp(timestamp: string | undefined): string {
  if (timestamp === undefined) return '-';
  // The common case: already valid, keep it byte for byte (it may carry microseconds).
  if (RFC5424_TIMESTAMP.test(timestamp)) return timestamp;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? '-' : new Date(ms).toISOString();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 TIMESTAMP `Mmm dd hh:mm:ss`, day padded with a space, in UTC (the format has no zone). */
export function rfc3164Timestamp(timestamp: string | undefined, now: () => number = Date.now): string {
  let ms = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  if (Number.isNaN(ms)) ms = now();
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const time = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return `${MONTHS[d.getUTCMonth()]} ${day} ${time}`;
}
