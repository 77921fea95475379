import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCron } from '../../../src/config/cron.ts';
import { isCfError } from '../../../src/core/errors/index.ts';

const next = (expr: string, after: string) => parseCron(expr).next(new Date(after)).toISOString();

test('next() finds the first matching minute strictly after the given time (UTC)', () => {
  assert.equal(next('*/5 * * * *', '2026-11-20T10:02:30Z'), '2026-11-20T10:05:00.000Z');
  assert.equal(next('*/5 * * * *', '2026-11-20T10:05:00Z'), '2026-11-20T10:10:00.000Z', 'strictly after');
  assert.equal(next('0 * * * *', '2026-11-20T10:00:00.001Z'), '2026-11-20T11:00:00.000Z');
  assert.equal(next('30 2 * * *', '2026-11-20T03:00:00Z'), '2026-11-21T02:30:00.000Z');
  assert.equal(next('0 0 1 * *', '2026-12-15T00:00:00Z'), '2027-01-01T00:00:00.000Z', 'across a year');
  assert.equal(next('15,45 9-17/4 * * *', '2026-11-20T09:20:00Z'), '2026-11-20T09:45:00.000Z');
  assert.equal(next('15,45 9-17/4 * * *', '2026-11-20T09:50:00Z'), '2026-11-20T13:15:00.000Z');
  assert.equal(next('0 0 29 2 *', '2026-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z', 'leap day');
});

test('months and weekdays by name, Sunday as 0 or 7, and the macros', () => {
  // 2026-11-20 is a Friday.
  assert.equal(next('0 9 * * mon-fri', '2026-11-20T10:00:00Z'), '2026-11-23T09:00:00.000Z');
  assert.equal(next('0 9 * * 7', '2026-11-20T10:00:00Z'), '2026-11-22T09:00:00.000Z');
  assert.equal(next('0 9 * * SUN', '2026-11-20T10:00:00Z'), '2026-11-22T09:00:00.000Z');
  assert.equal(next('0 0 1 jan *', '2026-11-20T10:00:00Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('@hourly', '2026-11-20T10:59:59Z'), '2026-11-20T11:00:00.000Z');
  assert.equal(next('@daily', '2026-11-20T10:00:00Z'), '2026-11-21T00:00:00.000Z');
  assert.equal(next('@weekly', '2026-11-20T10:00:00Z'), '2026-11-22T00:00:00.000Z');
  assert.equal(next('@monthly', '2026-11-20T10:00:00Z'), '2026-12-01T00:00:00.000Z');
  assert.equal(next('@yearly', '2026-11-20T10:00:00Z'), '2027-01-01T00:00:00.000Z');
});

test('with both day fields restricted, a day matches if either does (as cron does)', () => {
  // The 1st of the month or any Monday: Monday 2026-11-23 comes before 2026-12-01.
  assert.equal(next('0 0 1 * mon', '2026-11-20T10:00:00Z'), '2026-11-23T00:00:00.000Z');
  assert.equal(next('0 0 1 * mon', '2026-11-30T10:00:00Z'), '2026-12-01T00:00:00.000Z');
});

test('a bad expression is a config error that names the field and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['* * * *', /4 fields; expected 5/],
    ['60 * * * *', /minute 60 is outside 0\.\.59/],
    ['* 24 * * *', /hour 24 is outside 0\.\.23/],
    ['* * 0 * *', /day of month 0 is outside 1\.\.31/],
    ['* * * 13 *', /month 13 is outside 1\.\.12/],
    ['* * * * funday', /day of week "funday" is not a number or a name/],
    ['*/0 * * * *', /step "0" must be a whole number of at least 1/],
    ['5-1 * * * *', /range "5-1" runs backwards/],
    ['0 0 30 2 *', /never fires/],
    ['@sometimes', /1 fields/],
  ];
  for (const [expr, message] of cases) {
    assert.throws(
      () => parseCron(expr),
      (err: unknown) => isCfError(err) && err.code === 'CF_ERR_CONFIG' && message.test(err.message),
      expr,
    );
  }
});
