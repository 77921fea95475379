import {
  type EventType,
  type SimulatedFile,
  Simulator,
  type SimulatorInfo,
  type SimulatorOptions,
} from '../../src/simulator/index.js';

/**
 * The simulator every scenario pulls from, hosted in the benchmark process (the measured
 * forwarder and baselines are separate child processes, so its CPU is never in their figures).
 * Its clock is frozen at BENCH_NOW and its seed fixed, so every run of the suite serves the same
 * files, byte for byte.
 */
export const BENCH_NOW = new Date('2026-01-15T00:00:00Z');
export const BENCH_SEED = 'compliance-forwarder-benchmarks';

/** Rate limits off on the simulator; the client's own limits are raised to match (see below). */
export const NO_RATE_LIMITS = { rateLimit: { download: null, list: null } } as const;

/** Source settings for runs against a simulator without rate limits. */
export const UNLIMITED_SOURCE = { downloadsPerMinute: 1_000_000, listsPerMinute: 1_000_000 } as const;

export interface HostedSimulator {
  readonly sim: Simulator;
  readonly info: SimulatorInfo;
  readonly principalId: string;
  /** Environment for a child that talks to it (the CLI and the baselines read the same names). */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function hostSimulator(
  options: Omit<SimulatorOptions, 'clock' | 'seed'>,
): Promise<HostedSimulator> {
  const sim = new Simulator({ seed: BENCH_SEED, ...options, clock: () => BENCH_NOW });
  const info = await sim.start();
  return {
    sim,
    info,
    principalId: info.sampleWorkspaceId,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      COMPLIANCE_API_BASE: info.baseUrl,
      COMPLIANCE_API_KEY: info.apiKey,
    },
    stop: () => sim.stop(),
  };
}

/** A listing window and what it holds. */
export interface Window {
  readonly eventType: EventType;
  readonly after: string;
  readonly before: string;
  readonly files: readonly SimulatedFile[];
  readonly bytes: number;
}

/**
 * The files of a window, with their digests computed ahead (the simulator renders a file once
 * through sha256 the first time it is listed), so no measured run pays for that.
 */
export async function prepareWindow(
  host: HostedSimulator,
  eventType: EventType,
  after: string,
  before: string,
): Promise<Window> {
  const files = host.sim.listFiles(host.principalId, eventType, after, before);
  for (const f of files) await host.sim.fileFacts(host.principalId, f.id);
  return { eventType, after, before, files, bytes: files.reduce((n, f) => n + f.sizeBytes, 0) };
}

/** The window ending at BENCH_NOW that starts `windows` windows of `windowMs` earlier. */
export function lastWindows(count: number, windowMs = 600_000): { after: string; before: string } {
  const before = new Date(BENCH_NOW.getTime() + 1000).toISOString();
  const after = new Date(BENCH_NOW.getTime() - count * windowMs).toISOString();
  return { after, before };
}
