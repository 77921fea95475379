import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointStore } from '../../src/state/index.ts';
import { type CliResult, collect, spawnCli } from '../helpers/cli.ts';
import { expectedEvents } from '../helpers/export-fixtures.ts';
import type { startCrashSimulator } from './crash-targets.ts';

/*
 * Shared by the sink-fault tests: a real `compliance-forwarder export` process into a real
 * receiver, with a sink configured in YAML, and the independent checks every fault must pass —
 * what the checkpoint vouches for, what reached the receiver, what the dead-letter file holds,
 * and the export's resident memory while it waits.
 */

export type FaultSim = Awaited<ReturnType<typeof startCrashSimulator>>;

/** Polls `condition` every 20 ms until it holds; a liveness bound, never a timing assertion. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A running export: the child, its result, its state directory and its RSS samples. */
export interface RunningExport {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  readonly state: string;
  /** Largest VmRSS seen so far, bytes (sampled every 100 ms until the process exits). */
  peakRss(): number;
  /** Samples taken so far. */
  rssSamples(): number;
}

/**
 * Starts `export` over the simulator's window with `sinkYaml` (a `sinks:` list) in the config.
 * Dedupe is off so the receiver sees every repeat; a liveness bound SIGKILLs a hung export.
 */
export async function startExport(
  sim: FaultSim,
  dir: string,
  sinkYaml: string,
  env: Record<string, string> = {},
  limitMs = 180_000,
): Promise<RunningExport> {
  const config = join(dir, 'c.yaml');
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n' +
      `enrich:\n  dedupe:\n    enabled: false\n${sinkYaml}`,
  );
  const state = join(dir, 'state');
  const child = spawnCli(
    [
      'export',
      '--principal',
      sim.workspace,
      '--event-type',
      sim.eventTypes.join(','),
      '--after',
      sim.window.after,
      '--before',
      sim.window.before,
      '--state-dir',
      state,
      '--config',
      config,
    ],
    { COMPLIANCE_API_KEY: sim.apiKey, COMPLIANCE_API_BASE: sim.baseUrl, ...env },
  );
  let peak = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    const rss = rssOf(child.pid ?? -1);
    if (rss !== undefined) {
      samples++;
      peak = Math.max(peak, rss);
    }
  }, 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = collect(child).finally(() => {
    clearInterval(sampler);
    clearTimeout(killer);
  });
  return { child, done, state, peakRss: () => peak, rssSamples: () => samples };
}

export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Each id of the window and how many files upstream lists it in (the simulator repeats ~1 %). */
export function upstreamCounts(sim: FaultSim): Map<string, number> {
  const counts = new Map<string, number>();
  const e = expectedEvents(sim.sim, sim.workspace, sim.eventTypes, sim.window.after, sim.window.before);
  for (const ids of e.byFile.values()) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** The files (id -> event ids) each stream's checkpoint vouches for: all must be in the sink. */
export async function filesCoveredByCheckpoints(
  sim: FaultSim,
  state: string,
): Promise<Map<string, string[]>> {
  const files = new Map<string, string[]>();
  for (const c of await new CheckpointStore(state).list()) {
    assert.ok(!('error' in c), `the checkpoint parses: ${'error' in c ? c.error : ''}`);
    const type = sim.eventTypes.find((t) => c.stream.endsWith(`/${t}`));
    if (type === undefined) continue;
    for (const f of sim.sim.listFiles(sim.workspace, type, sim.window.after, sim.window.before)) {
      if (f.endTime < c.endTime || (f.endTime === c.endTime && c.idsAtEndTime.includes(f.id))) {
        files.set(f.id, sim.sim.eventIds(sim.workspace, type, f.id));
      }
    }
  }
  return files;
}

/** The event ids of the files the checkpoints vouch for. */
export async function idsCoveredByCheckpoints(sim: FaultSim, state: string): Promise<Set<string>> {
  return new Set([...(await filesCoveredByCheckpoints(sim, state)).values()].flat());
}

/**
 * Events of checkpointed files that reached the sink again between two readings of it: a repeat
 * that did not come from a file in flight (must be none). An id upstream also lists in a file
 * the checkpoint did not cover may arrive once more per such file.
 */
export function repeatsOfCovered(
  sim: FaultSim,
  covered: ReadonlyMap<string, readonly string[]>,
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): string[] {
  const filesOf = new Map<string, string[]>();
  const e = expectedEvents(sim.sim, sim.workspace, sim.eventTypes, sim.window.after, sim.window.before);
  for (const [file, ids] of e.byFile)
    for (const id of ids) filesOf.set(id, [...(filesOf.get(id) ?? []), file]);
  const repeats: string[] = [];
  for (const [file, ids] of covered) {
    for (const id of ids) {
      const stillDue = (filesOf.get(id) ?? []).filter((f) => !covered.has(f)).length;
      if ((after.get(id) ?? 0) > (before.get(id) ?? 0) + stillDue) repeats.push(`${file}/${id}`);
    }
  }
  return repeats;
}

/** Dead-letter entries the export wrote under its state directory (none: []). */
export async function deadLetters(state: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(state, 'dead-letter.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What an export left behind, compared with upstream: the zero-silent-loss check. */
export interface LossReport {
  readonly expected: number;
  readonly delivered: number;
  /** Ids neither delivered nor in the dead-letter file (must be 0). */
  readonly silentlyLost: string[];
  readonly deadLettered: number;
  /** Copies beyond those upstream served. */
  readonly duplicates: number;
  readonly unexpected: number;
}

export async function lossReport(
  sim: FaultSim,
  state: string,
  delivered: Map<string, number>,
): Promise<LossReport> {
  const upstream = upstreamCounts(sim);
  const dead = new Set<string>();
  for (const d of await deadLetters(state)) {
    const text = JSON.stringify(d);
    for (const m of text.matchAll(/"event_id\\?"\s*:\s*\\?"([^"\\]+)/g)) if (m[1]) dead.add(m[1]);
  }
  let duplicates = 0;
  let unexpected = 0;
  for (const [id, n] of delivered) {
    const up = upstream.get(id);
    if (up === undefined) unexpected++;
    else if (n > up) duplicates += n - up;
  }
  return {
    expected: upstream.size,
    delivered: [...upstream.keys()].filter((id) => (delivered.get(id) ?? 0) > 0).length,
    silentlyLost: [...upstream.keys()].filter((id) => (delivered.get(id) ?? 0) === 0 && !dead.has(id)),
    deadLettered: dead.size,
    duplicates,
    unexpected,
  };
}

/** Counts event ids in HEC receiver events. */
export function countHecIds(events: ReadonlyArray<{ event: Record<string, unknown> }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    const id = e.event.event_id;
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export const MiB = 1024 * 1024;
