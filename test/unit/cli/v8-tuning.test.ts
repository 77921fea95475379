import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { v8TuningFlags } from '../../../src/cli/v8-tuning.js';

test('the CLI tunes V8 for flat memory unless the operator chose otherwise', () => {
  assert.deepEqual(v8TuningFlags(['--max-semi-space-size=8'], ''), [
    '--liftoff-only',
    '--heap-growing-percent=100',
  ]);
  // Given on the command line or in NODE_OPTIONS, in either spelling V8 accepts: theirs wins.
  assert.deepEqual(v8TuningFlags(['--no-liftoff-only'], ''), ['--heap-growing-percent=100']);
  assert.deepEqual(v8TuningFlags([], '--heap_growing_percent=100 --max-old-space-size=512'), [
    '--liftoff-only',
  ]);
  assert.deepEqual(v8TuningFlags(['--liftoff-only'], '--heap-growing-percent=20'), []);
  // A flag that merely starts with the same name is another flag.
  assert.deepEqual(v8TuningFlags(['--liftoff-only-for-testing'], ''), [
    '--liftoff-only',
    '--heap-growing-percent=100',
  ]);
});
