import { CfError } from '../core/errors/index.js';

// Not croner: checked against croner 11.0.1, it computes the same next() for every case in
// test/unit/config/cron.test.ts, but reports day 0 as "day: -1" and month 13 as "month: 12",
// returns null for a pattern that never fires (`0 0 31 2 *`) instead of refusing it, and reads
// six fields as seconds-first (`0 0 * * * *` fires hourly); this parser names the field and range.

/**
 * A parsed cron expression (UTC): five fields, `minute hour day-of-month month day-of-week`,
 * each `*`, a value, a range `a-b`, a step `*\/n` or `a-b/n`, or a comma list of those; months
 * and weekdays also by name (`jan`, `mon`); weekday 7 is Sunday like 0. The macros `@hourly`,
 * `@daily` (`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`) stand for their
 * usual expansions. As in Vixie cron, when both day fields are restricted a day matches if
 * either does.
 */
export interface CronExpression {
  readonly source: string;
  /** The first minute strictly after `after` that matches (seconds are always 0). */
  next(after: Date): Date;
}

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Enough to find Feb 29 on a given weekday (28-year calendar cycle) and to prove "never". */
const SEARCH_LIMIT_MS = 29 * 366 * 86_400_000;
const MINUTE_MS = 60_000;

/**
 * Parses a cron expression, or throws CF_ERR_CONFIG naming the field and the problem. An
 * expression that can never fire (`0 0 30 2 *`) is rejected too.
 */
export function parseCron(expression: string): CronExpression {
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    throw cronError(
      source,
      `it has ${parts.length} fields; expected 5 (minute hour day-of-month month day-of-week) or a macro such as @hourly`,
    );
  }
  const sets = parts.map((p, i) => parseField(source, p, FIELDS[i]!));
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0);
  const dayRestricted = !parts[2]!.startsWith('*');
  const weekdayRestricted = !parts[4]!.startsWith('*');

  const dayMatches = (d: Date): boolean => {
    const byDay = days.has(d.getUTCDate());
    const byWeekday = weekdays.has(d.getUTCDay());
    if (dayRestricted && weekdayRestricted) return byDay || byWeekday;
    if (dayRestricted) return byDay;
    if (weekdayRestricted) return byWeekday;
    return true;
  };

  const next = (after: Date): Date => {
    const start = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const limit = start + SEARCH_LIMIT_MS;
    const t = new Date(start);
    // Skip whole months, days and hours that cannot match; each step lands on a boundary.
    while (t.getTime() < limit) {
      if (!months.has(t.getUTCMonth() + 1)) {
        t.setUTCMonth(t.getUTCMonth() + 1, 1);
        t.setUTCHours(0, 0, 0, 0);
      } else if (!dayMatches(t)) {
        t.setUTCDate(t.getUTCDate() + 1);
        t.setUTCHours(0, 0, 0, 0);
      } else if (!hours.has(t.getUTCHours())) {
        t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      } else if (!minutes.has(t.getUTCMinutes())) {
        t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      } else {
        return t;
      }
    }
    throw cronError(source, 'it never fires (no date matches it)');
  };

  next(new Date(Date.UTC(2000, 0, 1)));
  return { source, next };
}

function parseField(source: string, text: string, field: Field): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (m === null) throw cronError(source, `${field.name} "${item}" is not a value, range or step`);
    const [, range, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw cronError(source, `${field.name} step "${stepText}" must be a whole number of at least 1`);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = field.min;
      hi = field.name === 'day of week' ? 6 : field.max;
    } else {
      const [a, b] = range!.split('-') as [string, string | undefined];
      lo = value(source, a, field);
      hi = b === undefined ? (stepText === undefined ? lo : field.max) : value(source, b, field);
      if (hi < lo) throw cronError(source, `${field.name} range "${range}" runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(source: string, text: string, field: Field): number {
  const byName = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (byName >= 0) return field.name === 'month' ? byName + 1 : byName;
  if (!/^\d+$/.test(text)) throw cronError(source, `${field.name} "${text}" is not a number or a name`);
  const n = Number(text);
  if (n < field.min || n > field.max) {
    throw cronError(source, `${field.name} ${n} is outside ${field.min}..${field.max}`);
  }
  return n;
}

function cronError(source: string, problem: string): CfError {
  return new CfError('CF_ERR_CONFIG', `The cron expression "${source}" is invalid: ${problem}.`);
}
