/** Shared set-up for the service-mode tests: a live simulator whose clock the test moves. */

import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type EventType, Simulator, type SimulatorInfo } from '../../src/simulator/index.js';

export const WINDOW_MS = 60_000;

/**
 * A simulator in live mode that runs `behindMs` behind real time; `advance(ms)` moves its clock
 * forward (closing windows, so new files appear). Files are small, so polls are fast.
 */
export class LiveSim {
  readonly sim: Simulator;
  #behindMs: number;
  info!: SimulatorInfo;

  constructor(seed: string, behindMs = 5 * WINDOW_MS) {
    this.#behindMs = behindMs;
    const small = { recordsPerFile: { min: 2, max: 6 } };
    this.sim = new Simulator({
      seed,
      port: 0,
      live: true,
      clock: () => new Date(Date.now() - this.#behindMs),
      windowMs: WINDOW_MS,
      spanMs: 60 * WINDOW_MS,
      profiles: {
        AUDIT_LOG: { ...small, fileRatio: 1, filesPerWindow: { min: 1, max: 2 } },
        AUTH_LOG: { ...small, fileRatio: 1 },
        APP_LOG: { ...small, fileRatio: 1 },
        CODEX_LOG: { ...small, fileRatio: 1 },
        APP_AUTH_LOG: { ...small, fileRatio: 1 },
      },
      faults: {
        rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
      },
    });
  }

  async start(): Promise<SimulatorInfo> {
    this.info = await this.sim.start();
    return this.info;
  }

  /** Moves the simulator's clock forward: windows close and their files appear. */
  advance(ms: number): void {
    this.#behindMs -= ms;
  }

  /** Every event id the simulator serves for these streams with end_time after `after`. */
  expectedIds(principalId: string, types: readonly EventType[], after: string): Set<string> {
    const ids = new Set<string>();
    for (const t of types) {
      for (const f of this.sim.listFiles(principalId, t, after)) {
        for (const id of this.sim.eventIds(principalId, t, f.id)) ids.add(id);
      }
    }
    return ids;
  }

  /**
   * Event ids the simulator itself serves in more than one file (its at-least-once repeats). The
   * de-duplication window lives in memory, so a repeat on each side of a restart reaches the sink
   * twice by design (docs/delivery.md); only these ids may.
   */
  upstreamRepeats(principalId: string, types: readonly EventType[], after: string): Set<string> {
    const files = new Map<string, number>();
    for (const t of types) {
      for (const f of this.sim.listFiles(principalId, t, after)) {
        for (const id of new Set(this.sim.eventIds(principalId, t, f.id)))
          files.set(id, (files.get(id) ?? 0) + 1);
      }
    }
    return new Set([...files].filter(([, n]) => n > 1).map(([id]) => id));
  }

  /** The newest end_time among these streams' files (ISO). */
  latestEndTime(principalId: string, types: readonly EventType[]): string | undefined {
    let latest: string | undefined;
    for (const t of types) {
      const last = this.sim.listFiles(principalId, t).at(-1)?.endTime;
      if (last !== undefined && (latest === undefined || Date.parse(last) > Date.parse(latest)))
        latest = last;
    }
    return latest;
  }
}

/** Test pace: the simulator allows 1000 calls a second and retries back off briefly. */
export const FAST_SOURCE = {
  listsPerMinute: 1000,
  downloadsPerMinute: 1000,
  rateWindowMs: 1000,
  initialBackoffMs: 10,
  maxBackoffMs: 50,
  maxAttempts: 2,
};

/** A validated config for `run` against the simulator, with a file sink and fast polls. */
export function serviceConfig(
  info: SimulatorInfo,
  dirs: { state: string; out: string },
  principals: Array<{ id: string; eventTypes: string[] }>,
  overrides: { service?: Record<string, unknown>; sinks?: unknown[]; routes?: unknown[] } = {},
): Config {
  return validateConfig({
    source: { ...FAST_SOURCE, baseUrl: info.baseUrl, apiKey: { value: info.apiKey } },
    principals,
    sinks: overrides.sinks ?? [{ type: 'file', directory: dirs.out, fsync: false, lingerMs: 20 }],
    ...(overrides.routes === undefined ? {} : { routes: overrides.routes }),
    state: { dir: dirs.state },
    service: {
      pollIntervalMs: 150,
      pollJitterRatio: 0,
      lookback: '-12m',
      httpPort: 0,
      httpHost: '127.0.0.1',
      shutdownGraceMs: 10_000,
      failureBackoffInitialMs: 100,
      failureBackoffMaxMs: 400,
      ...overrides.service,
    },
    log: { level: 'warn' },
  });
}

/** GET on 127.0.0.1; resolves with the status and the body text. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `check` until it returns a value other than undefined (or false); fails after
 * `timeoutMs` with `what` and the last value seen. A liveness bound, not a timing assertion.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sum of a metric's samples whose labels include `labels`, from Prometheus text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) {
      sum += Number(m[3]);
      found = true;
    }
  }
  return found ? sum : Number.NaN;
}

/** Every JSON line the file sink wrote under `dir`, finished files and `.partial` ones alike. */
export async function readSinkLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile() || !/\.jsonl(\.partial)?$/.test(e.name) || e.name.startsWith('dead-letter')) continue;
    const text = await readFile(join(e.parentPath, e.name), 'utf8');
    // A `.partial` file may be read in the middle of an append: only newline-terminated lines
    // are whole, so the text after the last newline is left for the next look.
    const whole = text.split('\n').slice(0, -1);
    for (const l of whole) if (l !== '') lines.push(l);
  }
  return lines;
}

/** How many times each event id was delivered. */
export function idCounts(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const id = (JSON.parse(l) as { event_id: string }).event_id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
