import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { V8_START_FLAGS, v8TuningFlags } from '../../../src/cli/v8-tuning.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

test("the bin's shebang gives node V8_START_FLAGS", () => {
  const first = read('src/cli/bin.ts').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node((?: \S+)*)$/.exec(first);
  assert.ok(m, `src/cli/bin.ts: the shebang does not run node through env -S: ${first}`);
  assert.deepEqual(
    m[1]!.split(' ').filter(Boolean),
    V8_START_FLAGS,
    "src/cli/bin.ts: the shebang's node flags differ from V8_START_FLAGS (src/cli/v8-tuning.ts)",
  );
});

test("deploy/Dockerfile's ENTRYPOINT gives node V8_START_FLAGS", () => {
  // The last ENTRYPOINT is the image's; the exec form (a JSON array) so tini, not a shell, is PID 1.
  const line = read('deploy/Dockerfile')
    .split('\n')
    .filter((l) => l.startsWith('ENTRYPOINT '))
    .at(-1);
  assert.ok(line, 'deploy/Dockerfile has no ENTRYPOINT');
  const words = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  const node = words.indexOf('node');
  const script = words.indexOf('/app/dist/cli/bin.js');
  assert.ok(node !== -1 && script > node, `deploy/Dockerfile: the ENTRYPOINT does not run the bin: ${line}`);
  assert.deepEqual(
    words.slice(node + 1, script),
    V8_START_FLAGS,
    "deploy/Dockerfile: the ENTRYPOINT's node flags differ from V8_START_FLAGS (src/cli/v8-tuning.ts)",
  );
});

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
