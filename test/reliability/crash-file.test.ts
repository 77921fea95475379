import { test } from 'node:test';
import { crashRunner, fileTarget } from './crash-targets.ts';

/*
 * Crash consistency of `export` into file: a bounded number of SIGKILLs at seeded random
 * moments, then a run to completion; the sink's own contents must hold every event_id of the window.
 * Replay a failure with CF_CRASH_SEED=<seed>; `npm run chaos` runs hundreds of kills.
 */
const KILLS = 3;
const runCrash = crashRunner(KILLS);

test(`export into file survives ${KILLS} SIGKILLs with every event_id delivered`, async (t) => {
  await runCrash(t, 'crash-file', (dir) => fileTarget(dir));
});
