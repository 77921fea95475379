import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeCaAndServerCert, startTinyproxy, type Tinyproxy } from '../../../test/infra/proxy.js';
import { exportArgs } from '../../lib/forwarder.js';
import { assertExit, type MeasuredRun, measureChild } from '../../lib/measure.js';
import { RUN_DIR } from '../../lib/paths.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../../lib/result.js';
import {
  hostSimulator,
  lastWindows,
  NO_RATE_LIMITS,
  prepareWindow,
  UNLIMITED_SOURCE,
} from '../../lib/simulator-host.js';
import { fixed, GIB, MIB, median } from '../../lib/stats.js';

/**
 * proxy_overhead: what an egress proxy costs the forwarder. `export --sink blackhole` from the
 * simulator over HTTPS (both origins), direct and through Debian's tinyproxy (CONNECT tunnels),
 * interleaved in the same run. Each run is paired with an empty-window run of the same variant
 * (start-up CPU subtracted, as in simulator_to_blackhole). tinyproxy's own CPU (from /proc) is
 * reported beside it: the proxy's cost is the operator's, not the forwarder's.
 */

const RECORDS_PER_FILE = 2000;
const CONCURRENCY = 4;
const EMPTY = {
  eventType: 'CONVERSATION_MESSAGE',
  after: '2030-01-01T00:00:00Z',
  before: '2030-01-02T00:00:00Z',
} as const;

type Variant = 'direct' | 'proxied';

/** user + system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function hasTinyproxy(): boolean {
  try {
    execFileSync('tinyproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function run(ctx: ScenarioContext): Promise<Omit<ScenarioResult, 'name' | 'wallSeconds'>> {
  if (!hasTinyproxy()) {
    return {
      summary: 'egress proxy overhead',
      setup: [],
      rows: [],
      targets: [],
      skipped: 'tinyproxy is not installed (test/infra/install.sh)',
    };
  }
  const fileCount = ctx.quick ? 4 : 32;
  const runs = ctx.quick ? 1 : 3;
  const dir = join(RUN_DIR, 'proxy-overhead');
  mkdirSync(dir, { recursive: true });
  const certs = await makeCaAndServerCert(dir, 'bench');
  const host = await hostSimulator({
    spanMs: 2 * 24 * 3_600_000,
    duplicateRatio: 0,
    tls: { cert: readFileSync(certs.certPath, 'utf8'), key: readFileSync(certs.keyPath, 'utf8') },
    profiles: {
      CONVERSATION_MESSAGE: {
        fileRatio: 1,
        filesPerWindow: { min: 1, max: 1 },
        recordsPerFile: { min: RECORDS_PER_FILE, max: RECORDS_PER_FILE },
      },
    },
    faults: NO_RATE_LIMITS,
  });
  let proxy: Tinyproxy | undefined;
  try {
    proxy = await startTinyproxy();
    const p = proxy;
    const { after, before } = lastWindows(fileCount);
    const window = await prepareWindow(host, 'CONVERSATION_MESSAGE', after, before);
    ctx.log(`${window.files.length} files, ${fixed(window.bytes / MIB, 1)} MiB, over HTTPS`);
    const source = { ...UNLIMITED_SOURCE, tls: { ca: certs.caPath } };
    const measure = (variant: Variant, target: typeof EMPTY | typeof window): Promise<MeasuredRun> =>
      measureChild({
        args: exportArgs(ctx.cli, host, {
          window: target,
          sink: { kind: 'blackhole' },
          source,
          pipeline: { concurrency: CONCURRENCY },
          config: { http: { proxy: variant === 'proxied' ? { url: p.url } : { env: false } } },
        }),
        env: host.env,
        timeoutMs: 600_000,
      }).then((r) => {
        assertExit(r, `export (${variant})`);
        return r;
      });
    const names: Variant[] = ['direct', 'proxied'];
    const steady = new Map<Variant, number[]>(names.map((n) => [n, []]));
    const wall = new Map<Variant, number[]>(names.map((n) => [n, []]));
    const proxyCpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length]!;
        const before = procCpuSeconds(p.pid);
        const full = await measure(name, window);
        const proxySeconds = procCpuSeconds(p.pid) - before;
        const empty = await measure(name, EMPTY);
        steady.get(name)!.push((full.cpuSeconds ?? Number.NaN) - (empty.cpuSeconds ?? Number.NaN));
        wall.get(name)!.push(full.wallSeconds);
        if (name === 'proxied') proxyCpu.push(proxySeconds);
        ctx.log(
          `run ${r + 1}/${runs} ${name}: ${fixed(full.wallSeconds)} s wall, ${fixed(full.cpuSeconds ?? Number.NaN)} s CPU (start-up ${fixed(empty.cpuSeconds ?? Number.NaN)} s)${name === 'proxied' ? `, tinyproxy ${fixed(proxySeconds)} s CPU` : ''}`,
        );
      }
    }
    const connects = (await p.connects()).length;
    const gib = window.bytes / GIB;
    const mib = window.bytes / MIB;
    const cpuPerGiB = (n: Variant) => median(steady.get(n)!) / gib;
    const direct = cpuPerGiB('direct');
    const proxied = cpuPerGiB('proxied');
    const overhead = proxied - direct;
    const proxyPerGiB = median(proxyCpu) / gib;
    const row = (variant: string, role: 'subject' | 'baseline', n: Variant, comparison?: string) => ({
      variant,
      role,
      runs,
      eventsPerSecond: (window.files.length * RECORDS_PER_FILE) / median(wall.get(n)!),
      mibPerSecond: mib / median(wall.get(n)!),
      cpuSecondsPerGiB: cpuPerGiB(n),
      seconds: median(wall.get(n)!),
      ...(comparison === undefined ? {} : { comparison }),
    });
    return {
      summary:
        'export over HTTPS into the blackhole sink, direct vs through a forward proxy (tinyproxy, CONNECT tunnels), in the same run',
      setup: [
        `${window.files.length} files of ${RECORDS_PER_FILE} CONVERSATION_MESSAGE records, ${fixed(mib, 1)} MiB, served by the simulator over HTTPS (its own CA in source.tls.ca) on loopback, both the API and the signed download origin.`,
        `Proxied: http.proxy.url = tinyproxy 1.11 on 127.0.0.1 (${connects} CONNECT tunnels in all runs); direct: http.proxy.env false. Concurrency ${CONCURRENCY}, default enrichment, blackhole sink.`,
        `${runs} run(s) per variant, interleaved; medians; start-up CPU (an empty-window run of the same variant) subtracted. tinyproxy's own CPU from /proc/<pid>/stat: ${fixed(proxyPerGiB)} s/GiB.`,
      ],
      rows: [
        row(
          'forwarder through tinyproxy',
          'subject',
          'proxied',
          `${overhead >= 0 ? '+' : ''}${fixed(overhead)} CPU s/GiB vs direct (${fixed(proxied / direct)}x); tinyproxy ${fixed(proxyPerGiB)} CPU s/GiB`,
        ),
        row('forwarder direct', 'baseline', 'direct'),
      ],
      targets: [
        {
          target: 'forwarder CPU through the proxy <= 1.15x direct',
          measured: `${fixed(proxied / direct)}x (${fixed(proxied)} vs ${fixed(direct)} CPU s/GiB)`,
          pass: proxied / direct <= 1.15,
        },
      ],
    };
  } finally {
    await proxy?.stop();
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: Scenario = { name: 'proxy_overhead', run };
