import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/load.ts';
import { isCfError } from '../../../src/core/errors/index.ts';

test('the service section has defaults fit for Kubernetes', () => {
  const { service } = validateConfig({});
  assert.equal(service.pollIntervalMs, 300_000);
  assert.equal(service.shutdownGraceMs, 25_000, 'inside the default 30 s termination grace period');
  assert.equal(service.httpPort, 9464);
  assert.equal(service.cron, undefined);
  assert.equal(service.shard, undefined);
});

test('every bad service setting is reported at once, by path', () => {
  assert.throws(
    () =>
      validateConfig({
        service: {
          cron: '61 * * * *',
          lookback: 'last tuesday',
          shard: 'two of three',
          failureBackoffInitialMs: 5000,
          failureBackoffMaxMs: 1000,
          pollIntervalMs: 10,
        },
      }),
    (err: unknown) => {
      assert.ok(isCfError(err) && err.code === 'CF_ERR_CONFIG');
      assert.match(err.message, /service\.cron: The cron expression "61 \* \* \* \*" is invalid: minute 61/);
      assert.match(err.message, /service\.lookback: Time "last tuesday"/);
      assert.match(err.message, /service\.shard: must be INDEX\/COUNT/);
      assert.match(err.message, /service\.pollIntervalMs/);
      assert.match(
        err.message,
        /service\.failureBackoffMaxMs: must not be less than failureBackoffInitialMs/,
      );
      return true;
    },
  );
});

test('cron, lookback as ISO-8601 and shard specs that are right pass', () => {
  const { service } = validateConfig({
    service: { cron: '@hourly', lookback: '2026-11-01T00:00:00Z', shard: 'ordinal/3' },
  });
  assert.equal(service.cron, '@hourly');
  assert.equal(service.shard, 'ordinal/3');
});
