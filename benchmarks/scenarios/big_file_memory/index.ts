import { exportArgs, type SinkChoice } from '../../lib/forwarder.js';
import { assertExit, type MeasuredRun, measureChild } from '../../lib/measure.js';
import type { FigureRow, Scenario, TargetResult } from '../../lib/result.js';
import {
  BENCH_NOW,
  type HostedSimulator,
  hostSimulator,
  NO_RATE_LIMITS,
  prepareWindow,
  UNLIMITED_SOURCE,
} from '../../lib/simulator-host.js';
import { fixed, GIB, MIB } from '../../lib/stats.js';
import { readThrottled } from '../../lib/throttle.js';

/**
 * big_file_memory: one huge CONVERSATION_MESSAGE file (100 MB, 1 GB, 5 GB) through the export,
 * into a fast sink (blackhole) and into a throttled one (the stdout sink, its pipe read by this
 * process at a few MB/s), measuring the forwarder's peak RSS (its own getrusage maxRSS).
 *
 * A throttled sink at 5 MB/s would need 17 minutes for 5 GB, so: the fast sink takes every size to
 * the end; the throttled sink takes the 100 MB file to the end and the 1 GB and 5 GB files for a
 * bounded time (long enough to fill every buffer between the download and the pipe, after which
 * memory can only grow if something is unbounded), then the run is stopped with SIGTERM.
 */

const MB = 1_000_000;
/** Target: peak RSS at most 150 MB (decimal, the stricter reading) in every case. */
const RSS_LIMIT_BYTES = 150 * MB;
const THROTTLE_BYTES_PER_SECOND = 5 * MB;

interface Case {
  readonly label: string;
  readonly bytes: number;
  readonly sink: 'fast' | 'throttled';
  /** Stop a throttled run after this long. */
  readonly boundedMs?: number;
}

function cases(quick: boolean): { sizes: number[]; list: Case[] } {
  const sizes = quick ? [4 * MB, 8 * MB, 20 * MB] : [100 * MB, 1000 * MB, 5000 * MB];
  const [small, medium, large] = sizes as [number, number, number];
  const bound = quick ? 1500 : 15_000;
  const name = (b: number) => (b >= 1000 * MB ? `${b / (1000 * MB)} GB` : `${b / MB} MB`);
  return {
    sizes,
    list: [
      { label: name(small), bytes: small, sink: 'fast' },
      { label: name(medium), bytes: medium, sink: 'fast' },
      { label: name(large), bytes: large, sink: 'fast' },
      { label: name(small), bytes: small, sink: 'throttled', ...(quick ? { boundedMs: bound } : {}) },
      { label: name(medium), bytes: medium, sink: 'throttled', boundedMs: bound },
      { label: name(large), bytes: large, sink: 'throttled', boundedMs: bound },
    ],
  };
}

/** The big files sit at distinct end times, one hour apart, so a window selects exactly one. */
const endTimeOf = (index: number) => new Date(BENCH_NOW.getTime() - (index + 1) * 3_600_000);

async function runCase(
  host: HostedSimulator,
  cli: import('../../lib/cli-build.js').CliCommand,
  c: Case,
  index: number,
): Promise<{ run: MeasuredRun; outBytes: number }> {
  const end = endTimeOf(index);
  const window = await prepareWindow(
    host,
    'CONVERSATION_MESSAGE',
    new Date(end.getTime() - 1000).toISOString(),
    new Date(end.getTime() + 1000).toISOString(),
  );
  if (window.files.length !== 1)
    throw new Error(`expected one file in the window, found ${window.files.length}`);
  const sink: SinkChoice = c.sink === 'fast' ? { kind: 'blackhole' } : { kind: 'stdout' };
  let reader: ReturnType<typeof readThrottled> | undefined;
  const run = await measureChild({
    args: exportArgs(cli, host, { window, sink, source: UNLIMITED_SOURCE, pipeline: { concurrency: 4 } }),
    env: host.env,
    ...(c.sink === 'throttled'
      ? {
          onStdout: (stdout) => {
            reader = readThrottled(stdout, THROTTLE_BYTES_PER_SECOND);
          },
          onStop: () => reader?.unthrottle(),
          ...(c.boundedMs === undefined ? {} : { stopAfterMs: c.boundedMs }),
        }
      : { onStdout: (stdout) => stdout.resume() }),
    timeoutMs: 900_000,
  });
  // A bounded run ends through SIGTERM (exit status 1, "aborted"); every other run must succeed.
  assertExit(run, `export of the ${c.label} file (${c.sink} sink)`, run.stopped ? 'any' : 0);
  if (run.maxRssBytes === undefined) throw new Error(`no usage report from the ${c.label} run`);
  return { run, outBytes: reader?.bytes() ?? 0 };
}

export const scenario: Scenario = {
  name: 'big_file_memory',
  async run(ctx) {
    const { sizes, list } = cases(ctx.quick);
    const host = await hostSimulator({
      spanMs: 24 * 3_600_000,
      duplicateRatio: 0,
      // No generated CONVERSATION_MESSAGE files: only the big ones.
      profiles: { CONVERSATION_MESSAGE: { fileRatio: 0 } },
      extraFiles: sizes.map((sizeBytes, i) => ({
        eventType: 'CONVERSATION_MESSAGE',
        endTime: endTimeOf(i),
        sizeBytes,
      })),
      faults: NO_RATE_LIMITS,
    });
    try {
      const rows: FigureRow[] = [];
      const rss = new Map<string, number>();
      for (const c of list) {
        const index = sizes.indexOf(c.bytes);
        ctx.log(
          `${c.label} through the ${c.sink} sink${c.boundedMs ? ` for ${c.boundedMs / 1000} s` : ''} ...`,
        );
        const { run, outBytes } = await runCase(host, ctx.cli, c, index);
        if (c.sink === 'throttled' && outBytes === 0)
          throw new Error(`nothing reached the throttled sink (${c.label})`);
        const peak = run.maxRssBytes!;
        rss.set(`${c.sink} ${c.bytes}`, peak);
        ctx.log(`  ${fixed(run.wallSeconds)} s, peak RSS ${fixed(peak / MIB, 0)} MiB`);
        if (c.sink === 'fast') {
          rows.push({
            variant: `${c.label}, fast sink`,
            role: 'subject',
            runs: 1,
            mibPerSecond: c.bytes / MIB / run.wallSeconds,
            cpuSecondsPerGiB: (run.cpuSeconds ?? Number.NaN) / (c.bytes / GIB),
            peakRssMiB: peak / MIB,
            seconds: run.wallSeconds,
          });
        } else {
          rows.push({
            variant: `${c.label}, throttled sink`,
            role: 'subject',
            runs: 1,
            peakRssMiB: peak / MIB,
            seconds: run.wallSeconds,
            comparison: `stdout read at ${THROTTLE_BYTES_PER_SECOND / MB} MB/s; ${fixed(outBytes / MIB, 1)} MiB out${run.stopped ? `, stopped after ${c.boundedMs! / 1000} s` : ', complete'}`,
          });
        }
      }
      const maxPeak = Math.max(...rss.values());
      const [small, , large] = sizes as [number, number, number];
      const growth = rss.get(`fast ${large}`)! / rss.get(`fast ${small}`)!;
      const targets: TargetResult[] = [
        {
          target: 'peak RSS <= 150 MB in every case',
          measured: `largest ${fixed(maxPeak / MB, 0)} MB (${fixed(maxPeak / MIB, 0)} MiB)`,
          pass: maxPeak <= RSS_LIMIT_BYTES,
        },
        {
          target: `RSS(${list[2]!.label}) / RSS(${list[0]!.label}) <= 1.25`,
          measured: `${fixed(growth)} (fast sink)`,
          pass: growth <= 1.25,
        },
      ];
      return {
        summary: 'peak RSS of the forwarder exporting one huge file, into a fast sink and a throttled one',
        setup: [
          `One CONVERSATION_MESSAGE file per case (${sizes.map((s) => `${s / MB} MB`).join(', ')}; ~2 KB records), served by the simulator, digest computed before the runs. \`compliance-forwarder export\`, concurrency 4, default enrichment; SHA-256 verified while streaming.`,
          'Fast sink: blackhole, every size read to the end.',
          `Throttled sink: the stdout sink, whose pipe this process reads at ${THROTTLE_BYTES_PER_SECOND / MB} MB/s. ${ctx.quick ? 'Every size' : `The ${list[0]!.label} file`} runs${ctx.quick ? ' for a bounded time' : ' to the end'}; ${ctx.quick ? '' : `the ${list[1]!.label} and ${list[2]!.label} files run for ${list[4]!.boundedMs! / 1000} s each (reading them to the end at that rate would take ${fixed(large / THROTTLE_BYTES_PER_SECOND / 60, 0)} minutes), then get SIGTERM; `}peak RSS is the process's maxRSS at exit.`,
          'Peak RSS is getrusage maxRSS of the forwarder process (Node itself, its modules and V8 heap included; a bare `node -e 0` is about 40 MiB here).',
        ],
        rows,
        targets,
      };
    } finally {
      await host.stop();
    }
  },
};
