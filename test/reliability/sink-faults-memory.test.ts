import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { startHecReceiver } from '../infra/hec-receiver.ts';
import { startKafkaBroker } from '../infra/kafka.ts';
import { startRsyslog } from '../infra/rsyslog.ts';
import {
  type FaultSim,
  idsCoveredByCheckpoints,
  MiB,
  rssOf,
  startExport,
  waitFor,
} from './sink-fault-harness.ts';

/*
 * Memory while a sink waits: one FILE_BYTES file (more than RSS_BOUND, so an export that buffered
 * what it downloads would blow the bound) exported into a sink that stops taking records once the
 * download is under way — Kafka brokers down, HEC acknowledgements that never come, rsyslog
 * frozen (SIGSTOP: connected but not reading). Promised: the download stalls (backpressure reaches
 * the source), the export's RSS stays under RSS_BOUND, and no checkpoint covers the file. The
 * export is then killed; delivery after recovery is what the other sink-fault tests check.
 */
const FILE_BYTES = 400 * MiB;
const RSS_BOUND = 300 * MiB;
const tmp = new TempDirs();
let sim: FaultSim;

before(async () => {
  const end = new Date(Math.floor((Date.now() - 86_400_000) / 600_000) * 600_000);
  const s = new Simulator({
    port: 0,
    seed: 'sink-faults-memory',
    profiles: { AUTH_LOG: { fileRatio: 0 } },
    extraFiles: [{ eventType: 'AUTH_LOG', endTime: end, sizeBytes: FILE_BYTES }],
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await s.start();
  sim = {
    sim: s,
    workspace: info.sampleWorkspaceId,
    apiKey: info.apiKey,
    baseUrl: info.baseUrl,
    eventTypes: ['AUTH_LOG'],
    window: {
      after: new Date(end.getTime() - 600_000).toISOString(),
      before: new Date(end.getTime() + 1000).toISOString(),
    },
    stop: () => s.stop(),
  };
});
after(async () => {
  await sim?.stop();
  await tmp.cleanup();
});

interface Stall {
  readonly name: string;
  /** Starts the receiver; returns the sink YAML, the fault, and cleanup. */
  setup(): Promise<{
    yaml: string;
    env?: Record<string, string>;
    fault(): Promise<void>;
    stop(): Promise<void>;
  }>;
}

const stalls: Stall[] = [
  {
    name: 'Kafka brokers down',
    async setup() {
      const kafka = await startKafkaBroker({ brokers: 1, topics: ['openai.compliance.auth_log:1'] });
      return {
        yaml: `sinks:\n  - type: kafka\n    brokers: ["${kafka.bootstrap}"]\n    retryMaxAttempts: 0\n    retryMaxDelayMs: 2000\n`,
        fault: () => kafka.control('down 1'),
        stop: () => kafka.stop(),
      };
    },
  },
  {
    name: 'HEC acknowledgements never come',
    async setup() {
      const hec = await startHecReceiver({ ack: true, store: 'count' });
      return {
        yaml:
          `sinks:\n  - type: splunk-hec\n    url: "${hec.url}"\n    useAck: true\n` +
          '    ackPollIntervalMs: 200\n    ackMaxPolls: 100000\n',
        env: { HEC_TOKEN: hec.token },
        fault: () => hec.configure({ ackMode: 'manual' }),
        stop: () => hec.stop(),
      };
    },
  },
  {
    name: 'rsyslog frozen (not reading)',
    async setup() {
      const rsyslog = await startRsyslog({ ruleset: 'tally' });
      return {
        yaml: `sinks:\n  - type: syslog\n    url: "${rsyslog.url('tcp')}"\n    writeStallTimeoutMs: 600000\n`,
        fault: async () => rsyslog.pause(),
        stop: async () => {
          rsyslog.resume();
          await rsyslog.close();
        },
      };
    },
  },
];

for (const stall of stalls) {
  test(`${stall.name} with a ${FILE_BYTES / MiB} MiB file in flight: download stalls, RSS under ${RSS_BOUND / MiB} MiB, nothing checkpointed`, async (t) => {
    const rx = await stall.setup();
    const run = await startExport(sim, await tmp.make(), rx.yaml, rx.env ?? {});
    try {
      const served = () => sim.sim.stats().bytesServed;
      const start = served();
      await waitFor(
        'the download under way',
        () => served() - start > 20 * MiB || run.child.exitCode !== null,
      );
      await rx.fault();
      // Backpressure: the download stops growing (no progress for 2 s), however long that takes here.
      let last = served();
      let still = Date.now();
      await waitFor(
        'the download to stall',
        () => {
          const now = served();
          if (now !== last) [last, still] = [now, Date.now()];
          return Date.now() - still >= 2000 || run.child.exitCode !== null;
        },
        120_000,
      );
      // The waiting state, sampled a little longer.
      let peak = run.peakRss();
      await waitFor('samples while waiting', () => {
        peak = Math.max(peak, rssOf(run.child.pid ?? -1) ?? 0);
        return Date.now() - still >= 4000 || run.child.exitCode !== null;
      });
      const downloaded = served() - start;
      t.diagnostic(
        `downloaded ${(downloaded / MiB).toFixed(0)} of ${FILE_BYTES / MiB} MiB before stalling; peak RSS ${(peak / MiB).toFixed(0)} MiB (${run.rssSamples()} samples)`,
      );
      assert.equal(run.child.exitCode, null, 'the export waits for the sink instead of failing');
      assert.ok(downloaded < FILE_BYTES / 2, 'the download stalled well before the end of the file');
      assert.ok(peak < RSS_BOUND, `peak RSS ${peak} bytes while the sink waits`);
      assert.equal((await idsCoveredByCheckpoints(sim, run.state)).size, 0, 'no checkpoint covers the file');
    } finally {
      run.child.kill('SIGKILL');
      await run.done;
      await rx.stop();
    }
  });
}
