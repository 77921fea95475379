import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cronSchedule,
  failureDelayMs,
  failureVerdict,
  intervalSchedule,
} from '../../../../src/app/service/index.ts';
import { parseCron } from '../../../../src/config/cron.ts';
import { configSchema } from '../../../../src/config/schema.ts';
import { CfError, ERROR_CODES, type ErrorCode } from '../../../../src/core/errors/index.ts';

test('the interval counts from the end of a poll, plus up to the jitter share of it', () => {
  const at = (random: number) => intervalSchedule(60_000, 0.25, () => random).nextPollAt(1_000_000);
  assert.equal(at(0), 1_060_000);
  assert.equal(at(0.5), 1_067_500);
  assert.ok(at(0.999_999) < 1_075_000);
  assert.equal(intervalSchedule(1000, 0).nextPollAt(5), 1005);
});

test('a cron schedule polls at the next slot after the poll ends', () => {
  const s = cronSchedule(parseCron('*/15 * * * *'));
  assert.equal(
    new Date(s.nextPollAt(Date.parse('2026-11-20T10:14:59Z'))).toISOString(),
    '2026-11-20T10:15:00.000Z',
  );
  // A poll that overran two slots waits for the next one rather than running back to back.
  assert.equal(
    new Date(s.nextPollAt(Date.parse('2026-11-20T10:46:00Z'))).toISOString(),
    '2026-11-20T11:00:00.000Z',
  );
});

test('a failing stream waits longer after each failure, up to the cap, never nothing', () => {
  const service = configSchema.parse({}).service;
  const { failureBackoffInitialMs: first, failureBackoffMaxMs: cap } = service;
  assert.equal(
    failureDelayMs(service, 1, () => 0),
    first / 2,
    'a floor even when the jitter draws 0',
  );
  assert.equal(
    failureDelayMs(service, 1, () => 0.999_999),
    first - 1,
  );
  assert.ok(failureDelayMs(service, 3, () => 0.999_999) > 3 * first, 'doubles');
  assert.ok(failureDelayMs(service, 50, () => 0.999_999) <= cap, 'capped');
});

test('only upstream trouble that may heal backs a stream off; everything else stops the service', () => {
  const backOff: ErrorCode[] = [
    'CF_ERR_HTTP_SERVER',
    'CF_ERR_HTTP_RATE_LIMITED',
    'CF_ERR_SOCKET',
    'CF_ERR_TIMEOUT',
    'CF_ERR_BAD_RESPONSE',
    'CF_ERR_INTEGRITY',
    'CF_ERR_REDIRECT',
    'CF_ERR_RETRIES_EXHAUSTED',
  ];
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const verdict = failureVerdict(new CfError(code, 'x', { retriable: false }));
    assert.equal(verdict, backOff.includes(code) ? 'back-off' : 'fatal', code);
  }
  for (const code of [
    'CF_ERR_HTTP_AUTH',
    'CF_ERR_CONFIG',
    'CF_ERR_SECRET_MISSING',
    'CF_ERR_SINK_AUTH',
  ] as const) {
    assert.equal(failureVerdict(new CfError(code, 'x')), 'fatal', code);
  }
});
