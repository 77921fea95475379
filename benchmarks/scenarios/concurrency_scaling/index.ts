import { exportArgs } from '../../lib/forwarder.js';
import { assertExit, type MeasuredRun, measureChild } from '../../lib/measure.js';
import type { FigureRow, Scenario } from '../../lib/result.js';
import {
  type HostedSimulator,
  hostSimulator,
  lastWindows,
  NO_RATE_LIMITS,
  prepareWindow,
  UNLIMITED_SOURCE,
  type Window,
} from '../../lib/simulator-host.js';
import { fixed, MIB } from '../../lib/stats.js';

/**
 * concurrency_scaling: many small files behind a slow, high-latency origin, exported at
 * concurrency 1, 2, 4 and 8. Every request (list, download, signed URL) waits `latencyMs` before
 * its first byte, and each connection of the download origin is capped in bandwidth, so one file
 * at a time leaves the forwarder idle; the question is whether N at a time are N times faster.
 *
 * Concurrency 1 takes longest (about 200 x 2 x 200 ms of latency alone); to fit the suite's time
 * budget it runs alongside the others, which run one after another. The runs are latency-bound
 * (CPU stays low), and contention could only slow the faster levels, so the overlap can only
 * understate the speed-up.
 */

const LEVELS = [1, 2, 4, 8] as const;

async function exportAt(
  host: HostedSimulator,
  cli: import('../../lib/cli-build.js').CliCommand,
  window: Window,
  concurrency: number,
): Promise<MeasuredRun> {
  const run = await measureChild({
    args: exportArgs(cli, host, {
      window,
      sink: { kind: 'blackhole' },
      source: UNLIMITED_SOURCE,
      pipeline: { concurrency },
    }),
    env: host.env,
    timeoutMs: 600_000,
  });
  assertExit(run, `export at concurrency ${concurrency}`);
  return run;
}

export const scenario: Scenario = {
  name: 'concurrency_scaling',
  async run(ctx) {
    const fileCount = ctx.quick ? 16 : 200;
    const latencyMs = ctx.quick ? 20 : 200;
    const bandwidth = 1_000_000;
    const recordsPerFile = ctx.quick ? 10 : 50;
    const host = await hostSimulator({
      spanMs: 7 * 24 * 3_600_000,
      duplicateRatio: 0,
      profiles: {
        CONVERSATION_MESSAGE: {
          fileRatio: 1,
          filesPerWindow: { min: 1, max: 1 },
          recordsPerFile: { min: recordsPerFile, max: recordsPerFile },
        },
      },
      faults: { ...NO_RATE_LIMITS, firstByteLatencyMs: latencyMs, bandwidthBytesPerSecond: bandwidth },
    });
    try {
      const { after, before } = lastWindows(fileCount);
      const window = await prepareWindow(host, 'CONVERSATION_MESSAGE', after, before);
      if (window.files.length !== fileCount)
        throw new Error(`expected ${fileCount} files, got ${window.files.length}`);
      ctx.log(
        `${fileCount} files of ${fixed(window.bytes / fileCount / 1024, 0)} KiB, ${latencyMs} ms latency per request, ${bandwidth / 1e6} MB/s per connection`,
      );
      const runs = new Map<number, MeasuredRun>();
      const slowest = exportAt(host, ctx.cli, window, 1).then((r) => {
        ctx.log(`concurrency 1: ${fixed(r.wallSeconds)} s`);
        runs.set(1, r);
      });
      for (const level of [...LEVELS].reverse().filter((l) => l !== 1)) {
        const r = await exportAt(host, ctx.cli, window, level);
        ctx.log(`concurrency ${level}: ${fixed(r.wallSeconds)} s`);
        runs.set(level, r);
      }
      await slowest;
      const t1 = runs.get(1)!.wallSeconds;
      const rows: FigureRow[] = LEVELS.map((level) => {
        const r = runs.get(level)!;
        return {
          variant: `concurrency ${level}`,
          role: level === 1 ? 'baseline' : 'subject',
          runs: 1,
          mibPerSecond: window.bytes / MIB / r.wallSeconds,
          peakRssMiB: (r.maxRssBytes ?? Number.NaN) / MIB,
          seconds: r.wallSeconds,
          comparison:
            level === 1
              ? `${fixed(fileCount / r.wallSeconds, 1)} files/s`
              : `${fixed(t1 / r.wallSeconds)}x concurrency 1; ${fixed(fileCount / r.wallSeconds, 1)} files/s`,
        };
      });
      const speedup = t1 / runs.get(8)!.wallSeconds;
      return {
        summary:
          'export time of many small files behind a high-latency, bandwidth-capped origin at concurrency 1, 2, 4 and 8',
        setup: [
          `${fileCount} CONVERSATION_MESSAGE files of ${recordsPerFile} records (${fixed(window.bytes / MIB, 1)} MiB in all), blackhole sink, simulator rate limits off.`,
          `Simulator faults: firstByteLatencyMs ${latencyMs} (every list, download and signed-URL request, so at least ${2 * latencyMs} ms per file) and bandwidthBytesPerSecond ${bandwidth} per download connection.`,
          'One run per level; times are whole-process wall times (start-up included). Concurrency 1 runs alongside the others (which run one after another) to fit the time budget; the runs are latency-bound.',
        ],
        rows,
        targets: [
          {
            target: 'concurrency 8 >= 6x faster than concurrency 1',
            measured: `${fixed(speedup)}x (${fixed(t1, 1)} s -> ${fixed(runs.get(8)!.wallSeconds, 1)} s)`,
            pass: speedup >= 6,
          },
        ],
      };
    } finally {
      await host.stop();
    }
  },
};
