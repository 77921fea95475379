import { test } from 'node:test';
import { KAFKA_CLIENTS } from '../helpers/kafka-clients.ts';
import { crashRunner, kafkaTarget } from './crash-targets.ts';

/*
 * Crash consistency of `export` into Kafka: a bounded number of SIGKILLs at seeded random
 * moments, then a run to completion; the sink's own contents must hold every event_id of the window.
 * Replay a failure with CF_CRASH_SEED=<seed>; `npm run chaos` runs hundreds of kills.
 */
const KILLS = 3;
const runCrash = crashRunner(KILLS);

for (const client of KAFKA_CLIENTS)
  test(`export into Kafka (${client}) survives ${KILLS} SIGKILLs with every event_id delivered`, async (t) => {
    await runCrash(t, `crash-kafka-${client}`, () => kafkaTarget(client));
  });
