import { exportArgs } from '../../lib/forwarder.js';
import { assertExit, measureChild } from '../../lib/measure.js';
import type { Scenario } from '../../lib/result.js';
import { BENCH_NOW, hostSimulator, prepareWindow } from '../../lib/simulator-host.js';
import { fixed } from '../../lib/stats.js';

/**
 * rate_limited_replay: a 30-day window replayed against the simulator's Download rate limit,
 * time-scaled so it fits the suite (50 downloads per 6 s instead of per minute; lists 100 per
 * 6 s), with the client configured to the same limit. Nothing may be refused (zero 429), and the
 * replay may not be slower than the limit forces.
 *
 * The bound: the server allows at most L downloads in any window of W, so download i + L arrives
 * at least W after download i, and the N-th download at least (ceil(N / L) - 1) x W after the
 * first. That span, between the first and the last Download request as the simulator saw them,
 * is the figure held to the bound; the whole run's time (start-up, listing, the last files) is
 * shown beside it.
 */

const DAY_MS = 24 * 3_600_000;
const signedPercent = (r: number) => `${r >= 0 ? '+' : ''}${fixed(r * 100, 1)}%`;

export const scenario: Scenario = {
  name: 'rate_limited_replay',
  async run(ctx) {
    const limit = ctx.quick ? 10 : 50;
    const windowMs = ctx.quick ? 1000 : 6000;
    // About 300 files over 30 days in the full run (4,320 ten-minute windows), about 30 in quick.
    const fileRatio = ctx.quick ? 0.007 : 0.07;
    const host = await hostSimulator({
      spanMs: 30 * DAY_MS,
      duplicateRatio: 0,
      profiles: {
        AUTH_LOG: { fileRatio, filesPerWindow: { min: 1, max: 1 }, recordsPerFile: { min: 5, max: 60 } },
      },
      faults: {
        rateLimit: { download: { limit, windowMs }, list: { limit: 2 * limit, windowMs } },
      },
    });
    try {
      const after = new Date(BENCH_NOW.getTime() - 30 * DAY_MS + 1000).toISOString();
      const before = new Date(BENCH_NOW.getTime() + 1000).toISOString();
      const window = await prepareWindow(host, 'AUTH_LOG', after, before);
      const n = window.files.length;
      const boundSeconds = ((Math.ceil(n / limit) - 1) * windowMs) / 1000;
      ctx.log(
        `${n} files over 30 days; limit ${limit} downloads per ${windowMs / 1000} s; bound ${fixed(boundSeconds, 1)} s`,
      );

      // The simulator counts every Download request; sampling the counter timestamps the first and
      // the N-th arrival (to within the sampling period).
      const stats0 = host.sim.stats();
      let first: number | undefined;
      let last: number | undefined;
      const sampler = setInterval(() => {
        const seen = host.sim.stats().downloadRequests - stats0.downloadRequests;
        const now = performance.now();
        if (first === undefined && seen >= 1) first = now;
        if (last === undefined && seen >= n) last = now;
      }, 2);
      const run = await measureChild({
        args: exportArgs(ctx.cli, host, {
          window,
          sink: { kind: 'blackhole' },
          pipeline: { concurrency: 8 },
          source: {
            downloadsPerMinute: limit,
            listsPerMinute: 2 * limit,
            rateWindowMs: windowMs,
          },
        }),
        env: host.env,
        timeoutMs: 600_000,
      });
      clearInterval(sampler);
      assertExit(run, 'the rate-limited export');
      const stats = host.sim.stats();
      const refused = stats.rateLimited - stats0.rateLimited;
      const downloads = stats.downloadRequests - stats0.downloadRequests;
      if (first === undefined || last === undefined)
        throw new Error(`saw ${downloads} downloads, expected ${n}`);
      const spanSeconds = (last - first) / 1000;
      const excess = spanSeconds / boundSeconds - 1;
      return {
        summary: `a 30-day replay (${n} files) under a time-scaled Download rate limit of ${limit} per ${windowMs / 1000} s`,
        setup: [
          `Simulator: 30 days of AUTH_LOG files (about one ten-minute window in ${Math.round(1 / fileRatio)} has one; ${n} files), download limit ${limit} per ${windowMs} ms and list limit ${2 * limit} per ${windowMs} ms per key (sliding window), answering 429 with Retry-After beyond.`,
          `Client: \`export\` with source.downloadsPerMinute ${limit}, listsPerMinute ${2 * limit}, rateWindowMs ${windowMs}, concurrency 8, blackhole sink.`,
          `Bound: at most ${limit} downloads in any ${windowMs / 1000} s, so the ${n}th download arrives at least (ceil(${n}/${limit}) - 1) x ${windowMs / 1000} s = ${fixed(boundSeconds, 1)} s after the first. Measured between the first and last Download request seen by the simulator (sampled every 2 ms).`,
        ],
        rows: [
          {
            variant: 'forwarder (download span)',
            role: 'subject',
            runs: 1,
            seconds: spanSeconds,
            comparison: `${signedPercent(excess)} vs the bound; ${refused} x 429; ${downloads} downloads`,
          },
          {
            variant: 'forwarder (whole run)',
            role: 'subject',
            runs: 1,
            seconds: run.wallSeconds,
            peakRssMiB: (run.maxRssBytes ?? Number.NaN) / (1024 * 1024),
            comparison: 'start-up, listing and the last files included',
          },
          { variant: 'bound the limit allows', role: 'baseline', runs: 1, seconds: boundSeconds },
        ],
        targets: [
          {
            target: 'zero 429 responses',
            measured: `${refused} (${stats.rateLimitedDownload - stats0.rateLimitedDownload} on Download, ${stats.rateLimitedList - stats0.rateLimitedList} on List)`,
            pass: refused === 0,
          },
          {
            target: 'elapsed within 5% of the bound the limit allows',
            measured: `${fixed(spanSeconds, 2)} s vs ${fixed(boundSeconds, 1)} s (${signedPercent(excess)})`,
            pass: excess <= 0.05,
          },
        ],
      };
    } finally {
      await host.stop();
    }
  },
};
