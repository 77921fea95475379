import { CfError } from '../core/errors/index.js';
import { hasZone, isoToMs } from '../lib/time.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

// `now`, `-7d`, `+128m`, optional snap `@d` / `@h` / `@m` / `@s` / `@w` (Splunk/Cribl style),
// or a snap alone (`@d`: start of today).
const RELATIVE = /^(?:now|([+-])(\d+)(s|sec|m|min|h|hr|d|w))?(?:@(s|m|h|d|w))?$/;

/**
 * Parses a time for `after`/`before`: an ISO-8601 timestamp (a zone is required), `now`, or a
 * relative time like Cribl's: `-7d`, `-90m`, `-1d@d` (a day ago, snapped to midnight UTC),
 * `+128m@h`. Snapping rounds down in UTC; `@w` snaps to Sunday 00:00 UTC like Splunk.
 * Throws CF_ERR_BAD_TIME with the offending text, and nothing else.
 */
export function parseTime(text: string, now: Date = new Date()): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}T/.test(t)) {
    if (!hasZone(t)) {
      throw new CfError('CF_ERR_BAD_TIME', `Time "${clip(text)}" has no time zone; add Z or an offset.`);
    }
    const ms = isoToMs(t);
    if (Number.isNaN(ms))
      throw new CfError('CF_ERR_BAD_TIME', `Time "${clip(text)}" is not a valid ISO-8601 time.`);
    return new Date(ms);
  }
  const m = t === '' ? null : RELATIVE.exec(t);
  if (m === null) {
    throw new CfError(
      'CF_ERR_BAD_TIME',
      `Time "${clip(text)}" is neither ISO-8601 (2026-07-09T13:00:00Z) nor relative (now, -7d, -90m, -1d@d, +2h@h).`,
    );
  }
  const [, sign, amount, unit, snap] = m;
  let ms = now.getTime();
  if (sign !== undefined && amount !== undefined && unit !== undefined) {
    const delta = Number(amount) * UNIT_MS[unit]!;
    if (!Number.isSafeInteger(delta))
      throw new CfError('CF_ERR_BAD_TIME', `Time "${clip(text)}" is out of range.`);
    ms += sign === '-' ? -delta : delta;
  }
  if (snap !== undefined) ms = snapDown(ms, snap);
  if (Number.isNaN(new Date(ms).getTime()))
    throw new CfError('CF_ERR_BAD_TIME', `Time "${clip(text)}" is out of range.`);
  return new Date(ms);
}

function snapDown(ms: number, unit: string): number {
  const d = new Date(ms);
  switch (unit) {
    case 's':
      return ms - (ms % 1000);
    case 'm':
      return ms - (ms % 60_000);
    case 'h':
      return ms - (ms % 3_600_000);
    case 'd':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    default: {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return day - d.getUTCDay() * 86_400_000;
    }
  }
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** Parses durations like `5m`, `30s`, `1h`, `7d` (config and CLI flags) into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (m === null)
    throw new CfError('CF_ERR_BAD_TIME', `Duration "${clip(text)}" is not like 500ms, 30s, 5m, 2h or 7d.`);
  const factor = m[2] === 'ms' ? 1 : UNIT_MS[m[2]!]!;
  return Math.round(Number(m[1]) * factor);
}
