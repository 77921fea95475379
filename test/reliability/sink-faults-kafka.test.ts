import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { KAFKA_CLIENTS } from '../helpers/kafka-clients.ts';
import { type KafkaBroker, startKafkaBroker } from '../infra/kafka.ts';
import { countEventIds } from './crash-harness.ts';
import { CRASH_EVENT_TYPES, startCrashSimulator } from './crash-targets.ts';
import {
  type FaultSim,
  idsCoveredByCheckpoints,
  lossReport,
  MiB,
  startExport,
  waitFor,
} from './sink-fault-harness.ts';

/*
 * The whole Kafka cluster unreachable for OUTAGE_MS in the middle of an `export`, then back.
 * Promised: the export waits (retries, no fatal error, memory bounded), its checkpoint does not
 * move while nothing can be delivered, and once the brokers return it completes with every
 * event_id of the window in the topics (read back with kcat) — zero silent loss.
 *
 * OUTAGE_MS is the issue's 30 s: long enough that several retry rounds and connection timeouts
 * pass, short enough that the test finishes in about 45 s. The sink is told to retry without a
 * limit (retryMaxAttempts: 0) with delays capped at 2 s: the default (10 attempts, full-jitter
 * delays up to 30 s) gives up after a random 30-90 s, so a fixed outage would make the outcome
 * depend on the dice; an operator expecting long outages sets the same.
 */
const OUTAGE_MS = 30_000;
const RSS_BOUND = 300 * MiB;
const TOPICS = CRASH_EVENT_TYPES.map((t) => `openai.compliance.${t.toLowerCase()}`);
const tmp = new TempDirs();
let sim: FaultSim;
const brokers: KafkaBroker[] = [];

before(async () => {
  sim = await startCrashSimulator('sink-faults-kafka');
});
after(async () => {
  for (const kafka of brokers) await kafka.stop();
  await sim?.stop();
  await tmp.cleanup();
});

async function topicIds(kafka: KafkaBroker): Promise<Map<string, number>> {
  const payloads: string[] = [];
  for (const topic of TOPICS)
    for (const r of (await kafka.consume(topic)).records) payloads.push(r.payload ?? '');
  return countEventIds(payloads).counts;
}

for (const client of KAFKA_CLIENTS)
  test(`Kafka brokers down for ${OUTAGE_MS / 1000} s mid-export (${client}): waits, checkpoint unmoved, then every event delivered`, async (t) => {
    // A cluster of its own: the topics are read back whole.
    const kafka = await startKafkaBroker({ topics: TOPICS.map((t) => `${t}:3`) });
    brokers.push(kafka);
    const dir = await tmp.make();
    const run = await startExport(
      sim,
      dir,
      [
        'sinks:',
        '  - type: kafka',
        `    client: ${client}`,
        `    brokers: [${kafka.brokers.map((b) => `"${b}"`).join(', ')}]`,
        '    retryMaxAttempts: 0',
        '    retryInitialDelayMs: 200',
        '    retryMaxDelayMs: 2000',
        '    requestTimeoutMs: 5000',
        '',
      ].join('\n'),
    );
    // Mid-export: once a first checkpoint exists, so some files are delivered and most are not.
    await waitFor('a first checkpoint', async () => (await idsCoveredByCheckpoints(sim, run.state)).size > 0);
    // Freeze the export while the topics are read and the brokers go down, so "what was in Kafka
    // when the outage began" is exact: nothing can be delivered between the read and the outage.
    run.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 300)); // requests already on the wire reach the broker
    const beforeOutage = await topicIds(kafka);
    for (const b of [1, 2, 3]) await kafka.control(`down ${b}`);
    const downAt = Date.now();
    run.child.kill('SIGCONT');

    const rssBefore = run.peakRss();
    await waitFor(
      'the outage to last',
      () => Date.now() - downAt >= OUTAGE_MS || run.child.exitCode !== null,
      OUTAGE_MS + 10_000,
    );
    assert.equal(run.child.exitCode, null, 'the export is still waiting, not failed, after the outage');
    // Whatever the checkpoint vouches for after 30 s of outage was in Kafka before it began.
    const covered = await idsCoveredByCheckpoints(sim, run.state);
    const notDelivered = [...covered].filter((id) => !beforeOutage.has(id));
    const peakDuringOutage = run.peakRss();
    for (const b of [1, 2, 3]) await kafka.control(`up ${b}`);

    const r = await run.done;
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const report = await lossReport(sim, run.state, await topicIds(kafka));
    t.diagnostic(
      `outage ${OUTAGE_MS} ms; in Kafka before it ${beforeOutage.size} ids, checkpoint covering ${covered.size} after it; ` +
        `delivered ${report.delivered}/${report.expected}, duplicates ${report.duplicates}, dead-lettered ${report.deadLettered}, ` +
        `peak RSS ${(peakDuringOutage / MiB).toFixed(0)} MiB during the outage (${(rssBefore / MiB).toFixed(0)} before), ${run.rssSamples()} samples`,
    );
    assert.deepEqual(notDelivered, [], 'the checkpoint never covered an event Kafka did not have');
    assert.ok(beforeOutage.size < report.expected, 'the outage began mid-export');
    assert.deepEqual(report.silentlyLost, [], 'every event arrived or was dead-lettered');
    assert.equal(report.delivered, report.expected, 'every event of the window is in the topics');
    assert.equal(report.unexpected, 0);
    assert.ok(peakDuringOutage < RSS_BOUND, `RSS ${peakDuringOutage} bytes while waiting`);
  });
