import { spawnSync } from 'node:child_process';
import { COOKBOOK_MISSING_REASON, cookbookScriptPath } from '../../../test/helpers/cookbook.js';
import { assertExit, type MeasuredRun, measureChild } from '../../lib/measure.js';
import type { Scenario } from '../../lib/result.js';
import { BENCH_NOW, hostSimulator, prepareWindow } from '../../lib/simulator-host.js';
import { fixed, MIB, median } from '../../lib/stats.js';

/**
 * cookbook_parity: the same window fetched by OpenAI's cookbook bash script (seed 000, extracted at
 * run time, API_BASE pointed at the simulator; curl and jq) and by `compliance-forwarder fetch`,
 * with 50 ms of latency before every response. The lines must be identical, in the same order,
 * and fetch should be at least 4x faster.
 *
 * The window holds fewer files than one list page (limit 100), so the script's own skipping bug
 * (files sharing an end_time split across pages) cannot bite, and fewer than the 50 downloads a
 * minute the simulator allows (its real-API default, kept on: the script has no retry, a 429
 * would end it), with the limiter's history cleared between runs.
 */

const LATENCY_MS = 50;
const EVENT_TYPE = 'CONVERSATION_MESSAGE';

function lines(output: Buffer): string[] {
  return output
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
}

export const scenario: Scenario = {
  name: 'cookbook_parity',
  async run(ctx) {
    const script = await cookbookScriptPath();
    const missing = ['bash', 'curl', 'jq'].filter((tool) => spawnSync(tool, ['--version']).status !== 0);
    const skipReason =
      script === undefined
        ? COOKBOOK_MISSING_REASON
        : missing.length > 0
          ? `needs ${missing.join(', ')}`
          : undefined;
    if (skipReason !== undefined || script === undefined) {
      return {
        summary: '',
        setup: [],
        rows: [],
        targets: [],
        skipped: skipReason ?? COOKBOOK_MISSING_REASON,
      };
    }
    const host = await hostSimulator({
      spanMs: 2 * 24 * 3_600_000,
      duplicateRatio: 0,
      faults: { firstByteLatencyMs: LATENCY_MS },
    });
    try {
      // The last N ten-minute windows; CONVERSATION_MESSAGE windows hold 1 to 3 files.
      const windows = ctx.quick ? 3 : 24;
      const after = new Date(BENCH_NOW.getTime() - windows * 600_000 + 1000).toISOString();
      const window = await prepareWindow(
        host,
        EVENT_TYPE,
        after,
        new Date(BENCH_NOW.getTime() + 1000).toISOString(),
      );
      const files = window.files.length;
      if (files > 50) throw new Error(`${files} files would exceed the simulator's 50 downloads a minute`);
      const sharedEndTimes = files - new Set(window.files.map((f) => f.endTime)).size;
      ctx.log(`${files} files (${fixed(window.bytes / MIB, 1)} MiB), ${LATENCY_MS} ms latency per request`);

      const resetLimits = async () => {
        const res = await fetch(`${host.info.apiOrigin}/__control/rate-limits`, { method: 'DELETE' });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`could not reset the simulator's rate limits: ${res.status}`);
      };
      const args = [host.principalId, EVENT_TYPE, '100', after];
      const runs = ctx.quick ? 1 : 3;
      const cookbook: MeasuredRun[] = [];
      const fetched: MeasuredRun[] = [];
      let identical = true;
      let lineCount = 0;
      for (let r = 0; r < runs; r++) {
        await resetLimits();
        const c = await measureChild({
          command: 'bash',
          args: [script, ...args],
          env: { ...host.env, API_BASE: host.info.baseUrl },
          timeoutMs: 300_000,
        });
        assertExit(c, 'the cookbook script');
        await resetLimits();
        const f = await measureChild({
          args: [...ctx.cli.nodeArgs, 'fetch', ...args],
          env: host.env,
          timeoutMs: 300_000,
        });
        assertExit(f, 'compliance-forwarder fetch');
        const a = lines(c.stdout);
        const b = lines(f.stdout);
        lineCount = b.length;
        identical &&= a.length === b.length && a.every((l, i) => l === b[i]);
        cookbook.push(c);
        fetched.push(f);
        ctx.log(
          `run ${r + 1}/${runs}: cookbook ${fixed(c.wallSeconds)} s, fetch ${fixed(f.wallSeconds)} s, ${b.length} lines, ${identical ? 'identical' : 'DIFFERENT'}`,
        );
      }
      const tc = median(cookbook.map((r) => r.wallSeconds));
      const tf = median(fetched.map((r) => r.wallSeconds));
      const speedup = tc / tf;
      return {
        summary: `one window fetched by OpenAI's cookbook bash script and by \`compliance-forwarder fetch\`, ${LATENCY_MS} ms latency per request`,
        setup: [
          `Window: the last ${windows} ten-minute windows of ${EVENT_TYPE} (${files} files, ${sharedEndTimes} of them sharing an end_time with another, ${fixed(window.bytes / MIB, 1)} MiB, ${lineCount} lines), page size 100: one list page, so the script's page-boundary skipping bug does not apply.`,
          `Simulator: firstByteLatencyMs ${LATENCY_MS} on every request (list, download redirect and signed URL), default rate limits (50 downloads and 100 lists a minute per key; history cleared before each run).`,
          'The script is extracted at run time from ../shared/reference/seeds/000_*.txt (first bash block) with API_BASE read from the environment; it runs curl (which does not forward the key across the redirect) and jq, one file at a time. fetch runs the default pipeline with metadata and dedupe off, output in list order.',
          `${runs} run(s) each, alternating; whole-process wall time, start-up included; medians. Lines compared one by one (the script adds an empty line after each file, which is ignored).`,
        ],
        rows: [
          {
            variant: 'fetch',
            role: 'subject',
            runs,
            seconds: tf,
            mibPerSecond: window.bytes / MIB / tf,
            eventsPerSecond: lineCount / tf,
            peakRssMiB: Math.max(...fetched.map((r) => r.maxRssBytes ?? 0)) / MIB,
            comparison: `${fixed(speedup)}x faster than the cookbook script; lines ${identical ? 'identical' : 'DIFFER'}`,
          },
          {
            variant: 'cookbook script',
            role: 'baseline',
            runs,
            seconds: tc,
            mibPerSecond: window.bytes / MIB / tc,
            eventsPerSecond: lineCount / tc,
          },
        ],
        targets: [
          {
            target: 'identical lines',
            measured: identical ? `${lineCount} lines, identical in every run` : 'the outputs differ',
            pass: identical,
          },
          {
            target: 'fetch >= 4x faster (50 ms latency per request)',
            measured: `${fixed(speedup)}x (${fixed(tc)} s vs ${fixed(tf)} s)`,
            pass: speedup >= 4,
          },
        ],
      };
    } finally {
      await host.stop();
    }
  },
};
