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
  /** Kill moments are drawn from [minDelayMs, minDelayMs + spanMs). */
  readonly minDelayMs?: number;
  readonly spanMs?: number;
}

export interface CrashOutcome {
  readonly target: string;
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

export async function runCrashScenario(target: CrashTarget, s: CrashScenario): Promise<CrashOutcome> {
  const concurrency = s.concurrency ?? 4;
  const config = join(s.dir, 'c.yaml');
  // Dedupe off: the independent reader must see every repeat the sink received, not a filtered view.
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n' +
      `  concurrency: ${concurrency}\nenrich:\n  dedupe:\n    enabled: false\n`,
  );
  const state = join(s.dir, 'state');
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
  const store = new CheckpointStore(state);
  const delays = killDelays(s.seed, s.minDelayMs ?? 300, s.spanMs ?? 2500);
  const snapshots: Array<{ covered: string[]; delivered: Map<string, number> }> = [];
  let killed = 0;
  let checkpointsRead = 0;
  const unreadable: string[] = [];
  for (let i = 0; i < s.kills; i++) {
    const child = spawnCli(args, env);
    const done = collect(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), delays.next().value as number);
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
  for (const snap of snapshots) {
    const covered = new Set(snap.covered);
    for (const file of covered) {
      for (const id of expected.byFile.get(file) ?? []) {
        // An id upstream also lists in a file not yet covered may still arrive once per such file.
        const stillDue = (filesOf.get(id) ?? []).filter((f) => !covered.has(f)).length;
        if ((delivered.get(id) ?? 0) > (snap.delivered.get(id) ?? 0) + stillDue) {
          repeatsOfCheckpointed.add(`${file}/${id}`);
        }
      }
    }
  }
  return {
    target: target.name,
    attempts: s.kills,
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
