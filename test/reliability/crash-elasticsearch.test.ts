import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { crashRunner, elasticsearchTarget } from './crash-targets.ts';

/*
 * Crash consistency of `export` into Elasticsearch: a bounded number of SIGKILLs at seeded random
 * moments, then a run to completion; the index must hold every event_id of the window exactly
 * once (create + _id = event_id: what a resumed run sends again answers 409).
 * Replay a failure with CF_CRASH_SEED=<seed>; `npm run chaos` runs hundreds of kills.
 */
const KILLS = 3;
const runCrash = crashRunner(KILLS);

test(`export into Elasticsearch survives ${KILLS} SIGKILLs with every event_id in the index exactly once`, async (t) => {
  const outcome = await runCrash(t, 'crash-elasticsearch', () => elasticsearchTarget());
  assert.equal(outcome.duplicates, 0, 'resent events answered 409: none is in the index twice');
});
