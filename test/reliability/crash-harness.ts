import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventType, Simulator } from '../../src/simulator/index.ts';
import { type Checkpoint, CheckpointStore } from '../../src/state/index.ts';
import { collect, spawnCli } from '../helpers/cli.ts';
import { expectedEvents } from '../helpers/export-fixtures.ts';

/*
 * Crash consistency of `export` into any durable sink: run it, SIGKILL it at seeded random
 * moments, run it again with the same state directory, and compare what an independent reader
 * of the sink saw against the simulator's own list of event ids. The harness judges nothing
 * itself: it returns the counts, and the test (or the chaos campaign) asserts on them.
 */

/** A sink under test: how the CLI reaches it and how to read back what it holds. */
export interface CrashTarget {
  readonly name: string;
  /** Flags after the common export flags, e.g. ['--kafka-brokers', '127.0.0.1:9092']. */
  readonly sinkArgs: readonly string[];
  /** Extra environment for the CLI (tokens). */
  readonly env?: Readonly<Record<string, string>>;
  /** event_id -> times seen, read from the sink itself (not from the forwarder). */
  readDelivered(): Promise<Map<string, number>>;
}

export interface CrashScenario {
  readonly sim: Simulator;
  readonly workspace: string;
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly eventTypes: readonly EventType[];
  readonly window: { readonly after: string; readonly before: string };
  /** A fresh directory for this scenario (config, state). */
  readonly dir: string;
  readonly kills: number;
  readonly seed: number;
  /** Downloads in flight; bounds the files that may be delivered twice per kill. */
  readonly concurrency?: number;
  /**
   * Kill moments are drawn from [minDelayMs, minDelayMs + spanMs). The chaos campaign sets spanMs
   * from an uninterrupted run's duration (timeUninterruptedRun), so kills land anywhere in a run,
   * after checkpoints too, however slow the sink acknowledges.
   */
  readonly minDelayMs?: number;
  readonly spanMs?: number;
  /**
   * Every other attempt draws its kill moment from [fromMs, fromMs + spanMs) instead: after the
   * moment an uninterrupted run wrote its first checkpoint. A sink that acknowledges late (HEC
   * with indexer acknowledgement: the first ack poll comes 10 s after the first send) otherwise
   * almost never dies after a checkpoint, and resuming from one would go untested.
   */
  readonly lateWindow?: { readonly fromMs: number; readonly spanMs: number };
}

export interface CrashOutcome {
  readonly target: string;
  /** Runs started with a kill timer: attempts stop once a run completes (nothing left to kill). */
  readonly attempts: number;
  /** Runs that the SIGKILL actually hit (others finished first). */
  readonly killed: number;
  readonly finalExitCode: number | null;
  readonly finalStderr: string;
  readonly expectedEvents: number;
  readonly files: number;
  readonly missing: readonly string[];
  /** Event ids delivered that the window does not contain. */
  readonly unexpected: number;
  /** Copies beyond those the upstream itself served, summed over all ids. */
  readonly duplicates: number;
  /** Files with at least one event delivered twice. */
  readonly repeatedFiles: number;
  /** Informational: files in flight plus delivered-but-not-checkpointed, per kill (file id concurrency × 2). */
  readonly repeatedFilesBound: number;
  /**
   * Events of files a checkpoint already covered after some kill that the sink received again
   * later: a repeat that did NOT come from a file in flight. Must be empty.
   */
  readonly repeatsOfCheckpointedFiles: readonly string[];
  /** Checkpoint files read after kills, and those that did not parse. */
  readonly checkpointsRead: number;
  readonly unreadableCheckpoints: readonly string[];
}

/** A deterministic pseudo-random sequence (LCG), so a failing seed can be replayed. */
export function* killDelays(seed: number, minDelayMs: number, spanMs: number): Generator<number> {
  let x = seed >>> 0;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield minDelayMs + (x % spanMs);
  }
}

/** The export's arguments and environment for a scenario (writes its config into `dir`). */
async function exportInvocation(
  target: CrashTarget,
  s: Omit<CrashScenario, 'kills' | 'seed'>,
  state: string,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const concurrency = s.concurrency ?? 4;
  const config = join(s.dir, 'c.yaml');
  // Dedupe off: the independent reader must see every repeat the sink received, not a filtered view.
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n' +
      `pipeline:\n  concurrency: ${concurrency}\nenrich:\n  dedupe:\n    enabled: false\n`,
  );
  const args = [
    'export',
    '--principal',
    s.workspace,
    '--event-type',
    s.eventTypes.join(','),
    '--after',
    s.window.after,
    '--before',
    s.window.before,
    '--state-dir',
    state,
    '--config',
    config,
    ...target.sinkArgs,
  ];
  const env = { COMPLIANCE_API_KEY: s.apiKey, COMPLIANCE_API_BASE: s.baseUrl, ...target.env };
  return { args, env };
}

/**
 * How long one uninterrupted export of the scenario's window takes into `target`, and when it
 * wrote its first checkpoint (give it a receiver of its own: this run delivers the whole window).
 * Fails if the run fails.
 */
export async function timeUninterruptedRun(
  target: CrashTarget,
  s: Omit<CrashScenario, 'kills' | 'seed'>,
): Promise<{ totalMs: number; firstCheckpointMs: number }> {
  const state = join(s.dir, 'state');
  const { args, env } = await exportInvocation(target, s, state);
  const store = new CheckpointStore(state);
  const started = Date.now();
  const child = spawnCli(args, env);
  const done = collect(child);
  let firstCheckpointMs: number | undefined;
  while (child.exitCode === null && firstCheckpointMs === undefined) {
    if ((await store.list().catch(() => [])).length > 0) firstCheckpointMs = Date.now() - started;
    else await new Promise((r) => setTimeout(r, 50));
  }
  const r = await done;
  if (r.code !== 0)
    throw new Error(`${target.name}: the timing run exited ${r.code}\n${r.stderr.slice(-3000)}`);
  const totalMs = Date.now() - started;
  return { totalMs, firstCheckpointMs: firstCheckpointMs ?? totalMs };
}

export async function runCrashScenario(target: CrashTarget, s: CrashScenario): Promise<CrashOutcome> {
  const concurrency = s.concurrency ?? 4;
  const state = join(s.dir, 'state');
  const { args, env } = await exportInvocation(target, s, state);
  const store = new CheckpointStore(state);
  const delays = killDelays(s.seed, s.minDelayMs ?? 300, s.spanMs ?? 2500);
  const late =
    s.lateWindow === undefined ? delays : killDelays(s.seed + 1, s.lateWindow.fromMs, s.lateWindow.spanMs);
  const snapshots: Array<{ covered: string[]; delivered: Map<string, number> }> = [];
  let killed = 0;
  let attempts = 0;
  let checkpointsRead = 0;
  const unreadable: string[] = [];
  for (let i = 0; i < s.kills; i++) {
    attempts++;
    const child = spawnCli(args, env);
    const done = collect(child);
    const delay = (i % 2 === 1 ? late : delays).next().value as number;
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    const r = await done;
    clearTimeout(timer);
    if (r.signal === 'SIGKILL') killed++;
    else if (r.code !== 0)
      throw new Error(`${target.name}: run ${i} exited ${r.code}\n${r.stderr.slice(-3000)}`);
    const covered: string[] = [];
    for (const c of await store.list()) {
      checkpointsRead++;
      if ('error' in c) unreadable.push(`${c.file}: ${c.error}`);
      else covered.push(...filesCoveredBy(s, c));
    }
    // What the sink holds now, for the files the checkpoint vouches for: they must never grow.
    if (covered.length > 0) snapshots.push({ covered, delivered: await target.readDelivered() });
    // The run completed before its kill: later attempts would find nothing to do.
    if (r.signal !== 'SIGKILL') break;
  }
  const final = await collect(spawnCli(args, env));

  const expected = expectedEvents(s.sim, s.workspace, s.eventTypes, s.window.after, s.window.before);
  // The upstream itself repeats some ids across files (at-least-once); only copies beyond that count.
  const filesOf = new Map<string, string[]>();
  for (const [file, ids] of expected.byFile)
    for (const id of ids) filesOf.set(id, [...(filesOf.get(id) ?? []), file]);
  const delivered = final.code === 0 ? await target.readDelivered() : new Map<string, number>();
  const missing: string[] = [];
  for (const id of expected.ids) if ((delivered.get(id) ?? 0) === 0) missing.push(id);
  let unexpected = 0;
  let duplicates = 0;
  const repeated = new Set<string>();
  for (const [id, n] of delivered) {
    const files = filesOf.get(id);
    if (files === undefined) {
      unexpected++;
      continue;
    }
    if (n > files.length) {
      duplicates += n - files.length;
      for (const f of files) repeated.add(f);
    }
  }
  const repeatsOfCheckpointed = new Set<string>();
  for (const [n, snap] of snapshots.entries()) {
    const covered = new Set(snap.covered);
    for (const file of covered) {
      for (const id of expected.byFile.get(file) ?? []) {
        // An id upstream also lists in a file not yet covered may still arrive once per such file.
        const stillDue = (filesOf.get(id) ?? []).filter((f) => !covered.has(f)).length;
        const atSnapshot = snap.delivered.get(id) ?? 0;
        const atEnd = delivered.get(id) ?? 0;
        if (atEnd > atSnapshot + stillDue) {
          // Enough to tell a re-sent file from a reader that missed records at the snapshot.
          repeatsOfCheckpointed.add(
            `${file}/${id} (after kill ${n}: ${atSnapshot} then ${atEnd} copies, ${stillDue} still due)`,
          );
        }
      }
    }
  }
  return {
    target: target.name,
    attempts,
    killed,
    finalExitCode: final.code,
    finalStderr: final.stderr.slice(-3000),
    expectedEvents: expected.ids.size,
    files: expected.files,
    missing,
    unexpected,
    duplicates,
    repeatedFiles: repeated.size,
    repeatedFilesBound: killed * concurrency * 2,
    repeatsOfCheckpointedFiles: [...repeatsOfCheckpointed],
    checkpointsRead,
    unreadableCheckpoints: unreadable,
  };
}

/** The files of the window a checkpoint vouches for (see Checkpoint: endTime and idsAtEndTime). */
function filesCoveredBy(s: CrashScenario, c: Checkpoint): string[] {
  const type = s.eventTypes.find((t) => c.stream.endsWith(`/${t}`));
  if (type === undefined) return [];
  return s.sim
    .listFiles(s.workspace, type, s.window.after, s.window.before)
    .filter((f) => f.endTime < c.endTime || (f.endTime === c.endTime && c.idsAtEndTime.includes(f.id)))
    .map((f) => f.id);
}

/** Counts event ids in JSON texts; texts that do not parse (a frame cut by a kill) are counted apart. */
export function countEventIds(texts: Iterable<string>): { counts: Map<string, number>; unparsable: number } {
  const counts = new Map<string, number>();
  let unparsable = 0;
  for (const t of texts) {
    let id: unknown;
    try {
      id = (JSON.parse(t) as { event_id?: unknown }).event_id;
    } catch {
      unparsable++;
      continue;
    }
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
    else unparsable++;
  }
  return { counts, unparsable };
}
