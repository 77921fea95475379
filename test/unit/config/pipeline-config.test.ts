import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/load.ts';
import { isCfError } from '../../../src/core/errors/index.ts';

/* `pipeline`: the settings of the whole pipeline, whichever sources feed it. */

test('pipeline settings have defaults and apply to every source', () => {
  const c = validateConfig({});
  assert.deepEqual(c.pipeline, { concurrency: 4, skipExpiredFiles: false });
  const set = validateConfig({ pipeline: { concurrency: 12, skipExpiredFiles: true } });
  assert.deepEqual(set.pipeline, { concurrency: 12, skipExpiredFiles: true });
});

test('source.concurrency and source.skipExpiredFiles of an old config name their new keys, listed with the rest', () => {
  assert.throws(
    () =>
      validateConfig({
        source: { concurrency: 8, skipExpiredFiles: true, pageSize: 500 },
        pipeline: { concurrency: 0 },
      }),
    (err: unknown) => {
      assert.ok(isCfError(err) && err.code === 'CF_ERR_CONFIG');
      for (const needle of [
        'source.concurrency moved to pipeline.concurrency',
        'source.skipExpiredFiles moved to pipeline.skipExpiredFiles',
        'source.pageSize',
        'pipeline.concurrency:',
      ]) {
        assert.ok(err.message.includes(needle), `missing ${needle} in:\n${err.message}`);
      }
      return true;
    },
  );
});
