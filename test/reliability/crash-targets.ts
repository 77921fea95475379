import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { startEsReceiver } from '../infra/es-receiver.ts';
import { startHecReceiver } from '../infra/hec-receiver.ts';
import { startKafkaBroker } from '../infra/kafka.ts';
import { startRsyslog } from '../infra/rsyslog.ts';
import { assertNothingLost } from './crash-assertions.ts';
import {
  type CrashOutcome,
  type CrashScenario,
  type CrashTarget,
  countEventIds,
  runCrashScenario,
} from './crash-harness.ts';

/*
 * The durable sinks the crash harness drives, each with a reader that does not go through the
 * forwarder: the files on disk, kcat, the HEC receiver's store, rsyslog's parsed output.
 */

/** A target plus the receiver it started; `stop()` in an after hook. */
export interface StartedTarget extends CrashTarget {
  /** The destination keeps each event once however often it is sent (no duplicate allowed). */
  readonly exactlyOnce?: boolean;
  stop(): Promise<void>;
}

export const CRASH_EVENT_TYPES = ['AUDIT_LOG', 'AUTH_LOG'] as const;

export function fileTarget(dir: string): StartedTarget {
  const out = join(dir, 'out');
  return {
    name: 'file',
    sinkArgs: ['--out', out],
    async readDelivered() {
      // Finished files and the sink's `.partial` ones: after a kill, acknowledged lines sit in a
      // partial file until the next start finishes it (a torn last line does not parse and is not counted).
      const lines: string[] = [];
      for (const e of await readdir(out, { recursive: true, withFileTypes: true }).catch(() => [])) {
        if (!e.isFile() || e.name.startsWith('dead-letter') || e.name.endsWith('.gz')) continue;
        lines.push(
          ...(await readFile(join(e.parentPath, e.name), 'utf8')).split('\n').filter((l) => l !== ''),
        );
      }
      return countEventIds(lines).counts;
    },
    async stop() {},
  };
}

/** `client` forces the sink's Kafka client (--kafka-client); absent, the sink picks one. */
export async function kafkaTarget(client?: 'librdkafka' | 'kafkajs'): Promise<StartedTarget> {
  const topics = CRASH_EVENT_TYPES.map((t) => `openai.compliance.${t.toLowerCase()}`);
  const kafka = await startKafkaBroker({ topics: topics.map((t) => `${t}:3`) });
  return {
    name: client === undefined ? 'kafka' : `kafka (${client})`,
    sinkArgs: [
      '--kafka-brokers',
      kafka.bootstrap,
      ...(client === undefined ? [] : ['--kafka-client', client]),
    ],
    async readDelivered() {
      const payloads: string[] = [];
      for (const topic of topics)
        for (const r of (await kafka.consume(topic)).records) payloads.push(r.payload ?? '');
      return countEventIds(payloads).counts;
    },
    stop: () => kafka.stop(),
  };
}

export async function hecAckTarget(): Promise<StartedTarget> {
  const hec = await startHecReceiver({ ack: true });
  return {
    name: 'splunk-hec (ack)',
    sinkArgs: ['--sink', 'splunk-hec', '--hec-url', hec.url, '--hec-ack'],
    env: { HEC_TOKEN: hec.token },
    async readDelivered() {
      const counts = new Map<string, number>();
      for (const e of await hec.events()) {
        const id = e.event.event_id;
        if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    stop: () => hec.stop(),
  };
}

/**
 * Elasticsearch through the _bulk contract receiver: create actions with _id = event_id, so a
 * file sent again after a kill answers 409 and the index holds each event once (its store keeps
 * one document per index and _id; counts above 1 would mean one id in two indices).
 */
export async function elasticsearchTarget(): Promise<StartedTarget> {
  const es = await startEsReceiver();
  return {
    name: 'elasticsearch',
    exactlyOnce: true,
    sinkArgs: ['--sink', 'elasticsearch', '--es-url', es.url],
    env: { ES_API_KEY: es.apiKey! },
    async readDelivered() {
      const counts = new Map<string, number>();
      for (const d of await es.docs()) {
        const id = d.source.event_id;
        if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    stop: () => es.stop(),
  };
}

export async function syslogTcpTarget(): Promise<StartedTarget> {
  const rsyslog = await startRsyslog();
  return {
    name: 'syslog (tcp)',
    sinkArgs: ['--syslog-url', rsyslog.url('tcp')],
    async readDelivered() {
      const messages = await rsyslog.settledMessages();
      return countEventIds(messages.map((m) => m.msg)).counts;
    },
    stop: () => rsyslog.close(),
  };
}

/** A simulator whose slow first bytes spread an export over a few seconds, so kills land mid-run. */
export async function startCrashSimulator(
  seed: string,
  hours = 8,
): Promise<Omit<CrashScenario, 'dir' | 'kills' | 'seed'> & { stop(): Promise<void> }> {
  const sim = new Simulator({
    port: 0,
    seed,
    faults: {
      firstByteLatencyMs: 40,
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  const start = Math.floor((sim.now().getTime() - 2 * 86_400_000) / 600_000) * 600_000;
  return {
    sim,
    workspace: info.sampleWorkspaceId,
    apiKey: info.apiKey,
    baseUrl: info.baseUrl,
    eventTypes: CRASH_EVENT_TYPES,
    window: {
      after: new Date(start).toISOString(),
      before: new Date(start + hours * 3_600_000).toISOString(),
    },
    stop: () => sim.stop(),
  };
}

/**
 * The body every crash-consistency test shares (test/reliability/crash-*.test.ts): registers one
 * after hook that stops what the tests started and removes their directories, and returns the run:
 * a crash simulator named `simName`, a fresh directory, the target `makeTarget` starts there,
 * `kills` SIGKILLs seeded by CF_CRASH_SEED (default 11), the outcome as a diagnostic, and
 * assertNothingLost. The caller asserts what else its sink promises on the outcome returned.
 */
export function crashRunner(
  kills: number,
): (
  t: TestContext,
  simName: string,
  makeTarget: (dir: string) => StartedTarget | Promise<StartedTarget>,
) => Promise<CrashOutcome> {
  const tmp = new TempDirs();
  const stops: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await tmp.cleanup();
  });
  return async (t, simName, makeTarget) => {
    const sim = await startCrashSimulator(simName);
    stops.push(sim.stop);
    const dir = await tmp.make();
    const target = await makeTarget(dir);
    stops.push(target.stop);
    const seed = Number(process.env.CF_CRASH_SEED ?? 11);
    const outcome = await runCrashScenario(target, { ...sim, dir, kills, seed });
    t.diagnostic(
      `seed ${seed}: ${outcome.killed}/${outcome.attempts} runs killed, ${outcome.expectedEvents} events in ${outcome.files} files, ` +
        `${outcome.duplicates} duplicates from ${outcome.repeatedFiles} files`,
    );
    assertNothingLost(outcome);
    return outcome;
  };
}
