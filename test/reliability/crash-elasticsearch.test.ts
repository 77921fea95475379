import { strict as assert } from 'node:assert';
import { after, test } from 'node:test';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { assertNothingLost } from './crash-assertions.ts';
import { runCrashScenario } from './crash-harness.ts';
import { elasticsearchTarget, startCrashSimulator } from './crash-targets.ts';

/*
 * Crash consistency of `export` into Elasticsearch: a bounded number of SIGKILLs at seeded random
 * moments, then a run to completion; the index must hold every event_id of the window exactly
 * once (create + _id = event_id: what a resumed run sends again answers 409).
 * Replay a failure with CF_CRASH_SEED=<seed>; `npm run chaos` runs hundreds of kills.
 */
const KILLS = 3;
const tmp = new TempDirs();
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
  await tmp.cleanup();
});

test(`export into Elasticsearch survives ${KILLS} SIGKILLs with every event_id in the index exactly once`, async (t) => {
  const sim = await startCrashSimulator('crash-elasticsearch');
  stops.push(sim.stop);
  const dir = await tmp.make();
  const target = await elasticsearchTarget();
  stops.push(target.stop);
  const seed = Number(process.env.CF_CRASH_SEED ?? 11);
  const outcome = await runCrashScenario(target, { ...sim, dir, kills: KILLS, seed });
  t.diagnostic(
    `seed ${seed}: ${outcome.killed}/${outcome.attempts} runs killed, ${outcome.expectedEvents} events in ${outcome.files} files, ` +
      `${outcome.duplicates} duplicates from ${outcome.repeatedFiles} files`,
  );
  assertNothingLost(outcome);
  assert.equal(outcome.duplicates, 0, 'resent events answered 409: none is in the index twice');
});
