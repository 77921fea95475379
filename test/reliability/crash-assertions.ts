import assert from 'node:assert/strict';
import type { CrashOutcome } from './crash-harness.ts';

/** What every crash run must show: nothing missing, nothing invented, repeats only from files in flight, readable checkpoints. */
export function assertNothingLost(o: CrashOutcome): void {
  assert.equal(o.finalExitCode, 0, `${o.target}: the final run failed\n${o.finalStderr}`);
  assert.deepEqual(o.unreadableCheckpoints, [], `${o.target}: a checkpoint did not parse after a kill`);
  assert.ok(o.checkpointsRead > 0 || o.killed > 0, `${o.target}: checkpoints were read`);
  assert.ok(o.expectedEvents > 100, `${o.target}: the window holds events (${o.expectedEvents})`);
  assert.equal(
    o.missing.length,
    0,
    `${o.target}: ${o.missing.length} event ids missing, e.g. ${o.missing[0]}`,
  );
  assert.equal(o.unexpected, 0, `${o.target}: ids outside the window arrived`);
  // Repeats may come only from files in flight: none from a file a checkpoint already covered.
  assert.deepEqual(
    o.repeatsOfCheckpointedFiles,
    [],
    `${o.target}: events of already-checkpointed files arrived again after a kill: ${o.repeatsOfCheckpointedFiles.slice(0, 3).join('; ')}`,
  );
}
