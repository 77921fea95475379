import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDurationMs, parseTime } from '../../../src/config/time.ts';
import { isCfError } from '../../../src/core/errors/index.ts';

const NOW = new Date('2026-11-22T15:47:31.250Z');

test('relative times like Cribl: now, -7d, -90m, snap to day and hour', () => {
  assert.equal(parseTime('now', NOW).toISOString(), '2026-11-22T15:47:31.250Z');
  assert.equal(parseTime('-7d', NOW).toISOString(), '2026-11-15T15:47:31.250Z');
  assert.equal(parseTime('-90m', NOW).toISOString(), '2026-11-22T14:17:31.250Z');
  assert.equal(parseTime('-1d@d', NOW).toISOString(), '2026-11-21T00:00:00.000Z');
  assert.equal(parseTime('+128m@h', NOW).toISOString(), '2026-11-22T17:00:00.000Z');
  assert.equal(parseTime('@d', NOW).toISOString(), '2026-11-22T00:00:00.000Z');
  assert.equal(parseTime('-0s@w', NOW).toISOString(), '2026-11-22T00:00:00.000Z'); // a Sunday
  assert.equal(parseTime('-2h@m', NOW).toISOString(), '2026-11-22T13:47:00.000Z');
});

test('ISO-8601 times need a zone', () => {
  assert.equal(parseTime('2026-07-09T13:00:00Z').toISOString(), '2026-07-09T13:00:00.000Z');
  assert.equal(parseTime('2026-07-09T15:00:00+02:00').toISOString(), '2026-07-09T13:00:00.000Z');
  assert.throws(() => parseTime('2026-07-09T13:00:00'), /no time zone/);
  assert.throws(() => parseTime('2026-13-45T13:00:00Z'), /not a valid ISO-8601/);
});

test('bad times fail with CF_ERR_BAD_TIME naming the text', () => {
  for (const bad of ['', 'yesterday', '-7', '7d', '-7y', '-1d@x', 'now-1d']) {
    assert.throws(
      () => parseTime(bad, NOW),
      (err: unknown) => isCfError(err) && err.code === 'CF_ERR_BAD_TIME' && err.message.includes(`"${bad}"`),
      bad,
    );
  }
});

test('the time parser throws nothing but CF_ERR_BAD_TIME, whatever the input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        const d = parseTime(s, NOW);
        assert.ok(!Number.isNaN(d.getTime()));
      } catch (err) {
        assert.ok(isCfError(err) && err.code === 'CF_ERR_BAD_TIME', String(err));
      }
    }),
    { numRuns: 2000 },
  );
});

test('durations carry their unit', () => {
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('1.5h'), 5_400_000);
  assert.throws(() => parseDurationMs('5'), /Duration "5"/);
});
