import { CfError } from '../core/errors/index.js';

/**
 * The one ISO-8601 parser for times a caller or the API gives us (`after`/`before`, checkpoint
 * and List times, audit-log and conversations start times): a date-time with an explicit zone
 * (Z or ±hh:mm / ±hhmm), seconds and fraction optional. A zone-less time would be read as local
 * time by Date.parse, so it is refused.
 *
 * Record timestamps in sinks are a different job (best effort: anything Date can parse, with a
 * fallback) and do not use this.
 */
export const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch of an ISO-8601 time with a zone, or NaN. */
export function isoToMs(value: string): number {
  return ISO_WITH_ZONE.test(value) ? Date.parse(value) : Number.NaN;
}

/** True when `value` ends with a zone designator (what a zone-less ISO time lacks). */
export function hasZone(value: string): boolean {
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
}

/** isoToMs(), or CF_ERR_BAD_TIME naming the setting: `<name> must be an ISO-8601 time with a zone`. */
export function requireIsoMs(value: string, name: string): number {
  const ms = isoToMs(value);
  if (Number.isNaN(ms)) {
    throw new CfError(
      'CF_ERR_BAD_TIME',
      `${name} must be an ISO-8601 time with a zone, got ${JSON.stringify(value)}.`,
    );
  }
  return ms;
}
