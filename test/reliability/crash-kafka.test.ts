import { after, test } from 'node:test';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { KAFKA_CLIENTS } from '../helpers/kafka-clients.ts';
import { assertNothingLost } from './crash-assertions.ts';
import { runCrashScenario } from './crash-harness.ts';
import { kafkaTarget, startCrashSimulator } from './crash-targets.ts';

/*
 * Crash consistency of `export` into Kafka: a bounded number of SIGKILLs at seeded random
 * moments, then a run to completion; the sink's own contents must hold every event_id of the window.
 * Replay a failure with CF_CRASH_SEED=<seed>; `npm run chaos` runs hundreds of kills.
 */
const KILLS = 3;
const tmp = new TempDirs();
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
  await tmp.cleanup();
});

for (const client of KAFKA_CLIENTS)
  test(`export into Kafka (${client}) survives ${KILLS} SIGKILLs with every event_id delivered`, async (t) => {
    const sim = await startCrashSimulator(`crash-kafka-${client}`);
    stops.push(sim.stop);
    const dir = await tmp.make();
    const target = await kafkaTarget(client);
    stops.push(target.stop);
    const seed = Number(process.env.CF_CRASH_SEED ?? 11);
    const outcome = await runCrashScenario(target, { ...sim, dir, kills: KILLS, seed });
    t.diagnostic(
      `seed ${seed}: ${outcome.killed}/${outcome.attempts} runs killed, ${outcome.expectedEvents} events in ${outcome.files} files, ` +
        `${outcome.duplicates} duplicates from ${outcome.repeatedFiles} files`,
    );
    assertNothingLost(outcome);
  });
