/**
 * Where a record's own event time is, and how it is written: what each source declares (and a
 * config may override), what the enricher reads into PipelineRecord.timestamp (ISO-8601, UTC) and
 * what the sinks then write (HEC `time`, the syslog TIMESTAMP, the Kafka record timestamp).
 */

/** How the value at the path is written. */
export const EVENT_TIME_FORMATS = ['iso8601', 'epoch-seconds', 'epoch-millis'] as const;
export type EventTimeFormat = (typeof EVENT_TIME_FORMATS)[number];

/** One place a record's time may be: a dot-separated path of member names (no wildcards). */
export interface EventTimeField {
  /** `effective_at`, `messages.data.0.created_at`, `_forwarder.event_time`. */
  readonly path: string;
  readonly format: EventTimeFormat;
}

/**
 * A source's declaration: the places tried in order; the first that holds a readable time wins.
 * Empty: the records carry no time (the sinks' fallback applies).
 */
export type EventTimeSpec = readonly EventTimeField[];

/** Epoch milliseconds of `value` read as `format`, or NaN when it is not a time in that format. */
export function eventTimeMs(value: unknown, format: EventTimeFormat): number {
  if (format === 'iso8601') {
    return typeof value === 'string' && value !== '' && !NUMERIC.test(value) ? Date.parse(value) : Number.NaN;
  }
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && NUMERIC.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n)) return Number.NaN;
  const ms = format === 'epoch-seconds' ? n * 1000 : n;
  // Date's range: ±8.64e15 ms.
  return Math.abs(ms) <= 8.64e15 ? Math.round(ms) : Number.NaN;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;
