/**
 * The soak's verdicts, computed from its samples, fault log and sink contents. Pure functions:
 * the run collects, these judge (and test/soak/verdicts.test.ts checks them on made-up series).
 */

/** One 5-second sample of the forwarder, from /proc and from its /metrics. */
export interface Sample {
  /** Milliseconds since the soak started. */
  readonly t: number;
  readonly pid: number;
  readonly rssMiB: number;
  /** The anonymous part of rssMiB (RssAnon); absent in runs before it was sampled. */
  readonly rssAnonMiB?: number;
  /** The file-backed part of rssMiB (RssFile: code and library pages). */
  readonly rssFileMiB?: number;
  readonly fds: number;
  readonly heapUsedMiB: number;
  /** V8's committed heap (heapTotal), used or not. */
  readonly heapTotalMiB?: number;
  readonly externalMiB: number;
  readonly arrayBuffersMiB: number;
  readonly handles: number;
  readonly loopP99Ms: number;
  readonly filesInFlight: number;
  /** Per sink: bytes it holds (filling, waiting and in-flight batches), from /metrics. */
  readonly bufferedBytes: Record<string, number>;
  /** Per stream: how far the checkpoint is behind its source's present, in real seconds. */
  readonly lagSeconds: Record<string, number>;
  /** Per stream: the checkpoint's end_time in ms on its source's clock. */
  readonly checkpointEnds: Record<string, number>;
}

/** One fault window of the schedule, as it was applied. */
export interface FaultWindow {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** A restart of a process (forwarder or a sink): its in-flight files may be delivered twice. */
  readonly restart: boolean;
}

export interface Verdict {
  readonly name: string;
  /** 'n/a' when the run is too short for it to mean anything (the smoke run). */
  readonly result: 'PASS' | 'MISS' | 'n/a';
  readonly measured: string;
}

/** Least-squares slope of y over t (t in ms), per hour; NaN with fewer than two points. */
export function slopePerHour(points: ReadonlyArray<{ t: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 3_600_000;
}

/** A resource whose growth over the last two thirds must stay under `boundPerHour`. */
export interface SlopeBound {
  readonly label: string;
  readonly unit: string;
  readonly boundPerHour: number;
  readonly value: (s: Sample) => number;
  /**
   * Judged on its floor (the lowest sample of each FLOOR_WINDOW_MS) rather than every sample:
   * memory a garbage collector manages is a sawtooth (here 20 MiB of heap and 30 MiB of RSS
   * between collections) whose phase at the ends of the run moves a fit over every sample by more
   * than the bound, while a leak raises what is left after each collection.
   */
  readonly floor?: boolean;
}

export const FLOOR_WINDOW_MS = 5 * 60_000;

export const SLOPE_BOUNDS: readonly SlopeBound[] = [
  { label: 'RSS', unit: 'MiB', boundPerHour: 5, value: (s) => s.rssMiB, floor: true },
  { label: 'V8 heap used', unit: 'MiB', boundPerHour: 2, value: (s) => s.heapUsedMiB, floor: true },
  { label: 'open fds', unit: 'fds', boundPerHour: 10, value: (s) => s.fds },
  { label: 'active handles', unit: 'handles', boundPerHour: 10, value: (s) => s.handles },
];

/**
 * The samples of the last two thirds of the run that belong to the process running at the end
 * (a restart's fresh process would look like growth).
 */
export function steadySamples(samples: readonly Sample[], runMs: number): Sample[] {
  const last = samples.at(-1);
  if (last === undefined) return [];
  return samples.filter((s) => s.t >= runMs / 3 && s.pid === last.pid);
}

/** The lowest point of each `windowMs` (from t = 0), at the window's middle. */
export function floorPoints(
  points: ReadonlyArray<{ t: number; y: number }>,
  windowMs: number,
): Array<{ t: number; y: number }> {
  const lowest = new Map<number, number>();
  for (const p of points) {
    const w = Math.floor(p.t / windowMs);
    lowest.set(w, Math.min(lowest.get(w) ?? Number.POSITIVE_INFINITY, p.y));
  }
  return [...lowest].map(([w, y]) => ({ t: (w + 0.5) * windowMs, y }));
}

/** The memory figures whose floors the run prints, to tell where RSS goes when its floor rises. */
const MEMORY_PARTS: ReadonlyArray<readonly [string, (s: Sample) => number | undefined]> = [
  ['RSS', (s) => s.rssMiB],
  ['RSS anonymous', (s) => s.rssAnonMiB],
  ['RSS file-backed', (s) => s.rssFileMiB],
  ['V8 heap used', (s) => s.heapUsedMiB],
  ['V8 heap committed', (s) => s.heapTotalMiB],
  ['external', (s) => s.externalMiB],
  ['ArrayBuffers', (s) => s.arrayBuffersMiB],
];

/** Each memory figure's floor (lowest sample) per FLOOR_WINDOW_MS over the judged samples, in MiB. */
export function memoryFloors(
  samples: readonly Sample[],
  runMs: number,
): Array<{ name: string; floors: number[] }> {
  const steady = steadySamples(samples, runMs);
  return MEMORY_PARTS.flatMap(([name, value]) => {
    const points = steady.flatMap((s) => {
      const y = value(s);
      return y === undefined || Number.isNaN(y) ? [] : [{ t: s.t, y }];
    });
    return points.length === 0
      ? []
      : [{ name, floors: floorPoints(points, FLOOR_WINDOW_MS).map((p) => p.y) }];
  });
}

export function slopeVerdicts(samples: readonly Sample[], runMs: number, judged: boolean): Verdict[] {
  const steady = steadySamples(samples, runMs);
  return SLOPE_BOUNDS.map((b) => {
    const points = steady.map((s) => ({ t: s.t, y: b.value(s) }));
    const all = slopePerHour(points);
    const floors = b.floor === true ? floorPoints(points, FLOOR_WINDOW_MS) : undefined;
    const slope = floors === undefined ? all : slopePerHour(floors);
    const first = floors?.[0] ?? points[0];
    const last = floors?.at(-1) ?? points.at(-1);
    const span =
      first === undefined || last === undefined ? '' : `, ${fmt(first.y)} -> ${fmt(last.y)} ${b.unit}`;
    const measured =
      floors === undefined
        ? `${fmt(slope)} ${b.unit}/h over ${steady.length} samples${span}`
        : `floor ${fmt(slope)} ${b.unit}/h (lowest of each ${FLOOR_WINDOW_MS / 60_000} min, ${floors.length} windows${span}); every sample: ${fmt(all)} ${b.unit}/h`;
    const result = !judged ? 'n/a' : Number.isFinite(slope) && slope < b.boundPerHour ? 'PASS' : 'MISS';
    const name = `${b.label}${floors === undefined ? '' : ' floor'} slope < ${b.boundPerHour} ${b.unit}/h (last 2/3)`;
    return { name, result, measured };
  });
}

/** Whether `t` lies in a fault window or within `marginMs` after one ends. */
export function inFault(t: number, faults: readonly FaultWindow[], marginMs: number): boolean {
  return faults.some((f) => t >= f.start && t <= f.end + marginMs);
}

const STARTUP_MS = 30_000;

export function loopDelayVerdict(
  samples: readonly Sample[],
  faults: readonly FaultWindow[],
  boundMs: number,
): Verdict {
  // A starting process loads and compiles its modules: the first 30 s after a start are not calm.
  const starting = (t: number) =>
    t < STARTUP_MS || faults.some((f) => f.restart && t >= f.end && t <= f.end + STARTUP_MS);
  const calm = samples.filter(
    (s) => !inFault(s.t, faults, 10_000) && !starting(s.t) && Number.isFinite(s.loopP99Ms),
  );
  const worst = calm.reduce((m, s) => Math.max(m, s.loopP99Ms), 0);
  const over = calm.filter((s) => s.loopP99Ms >= boundMs).length;
  return {
    name: `event-loop p99 < ${boundMs} ms outside faults`,
    result: calm.length > 0 && over === 0 ? 'PASS' : 'MISS',
    measured: `worst ${fmt(worst)} ms over ${calm.length} calm samples (${over} at or over)`,
  };
}

export interface Recovery {
  readonly fault: string;
  /** Seconds from the fault's end to the first sample with every stream under the bound. */
  readonly seconds: number | undefined;
}

/** For each fault: how long after its end every stream's checkpoint lag was under `boundSeconds`. */
export function lagRecoveries(
  samples: readonly Sample[],
  faults: readonly FaultWindow[],
  boundSeconds: number,
): Recovery[] {
  return faults.map((f) => {
    const healed = samples.find(
      (s) =>
        s.t >= f.end &&
        Object.keys(s.lagSeconds).length > 0 &&
        Object.values(s.lagSeconds).every((v) => v < boundSeconds),
    );
    return { fault: f.name, seconds: healed === undefined ? undefined : (healed.t - f.end) / 1000 };
  });
}

export function lagVerdict(recoveries: readonly Recovery[], boundSeconds: number, withinS: number): Verdict {
  const slow = recoveries.filter((r) => r.seconds === undefined || r.seconds > withinS);
  const worst = recoveries.reduce((m, r) => Math.max(m, r.seconds ?? Number.POSITIVE_INFINITY), 0);
  return {
    name: `checkpoint lag < ${boundSeconds} s within ${withinS} s after each fault`,
    result: slow.length === 0 ? 'PASS' : 'MISS',
    measured:
      `${recoveries.length - slow.length} of ${recoveries.length} faults, slowest ${fmt(worst)} s` +
      (slow.length > 0 ? ` (late: ${slow.map((r) => r.fault).join(', ')})` : ''),
  };
}

/** Why an id reached a sink more than once, when the design allows it. */
export type DuplicateCause = 'restart' | 'failed-poll';

/** What one sink holds against what the sources served. */
export interface SinkTally {
  readonly sink: string;
  readonly expected: number;
  readonly missing: number;
  /** Ids delivered more than once, and how many of them each allowed cause explains. */
  readonly duplicated: number;
  /** In flight at a restart of the forwarder or of a receiver. */
  readonly fromRestarts: number;
  /**
   * Read again after a failed poll: the failed file itself (its first records went out before it
   * failed) or a file listed after it and read before the failure.
   */
  readonly fromFailedPolls: number;
  readonly missingSample: readonly string[];
  /** A few duplicated ids nothing explains, for the investigation. */
  readonly unexplainedSample: readonly string[];
}

/** Compares delivered ids with the expected ones; `cause(id)` says why a duplicate is allowed. */
export function tallySink(
  sink: string,
  expected: ReadonlySet<string>,
  delivered: ReadonlyMap<string, number>,
  cause: (id: string) => DuplicateCause | undefined,
): SinkTally {
  const missing: string[] = [];
  for (const id of expected) if (!delivered.has(id)) missing.push(id);
  let duplicated = 0;
  let fromRestarts = 0;
  let fromFailedPolls = 0;
  const unexplained: string[] = [];
  for (const [id, n] of delivered) {
    if (n < 2) continue;
    duplicated++;
    const why = cause(id);
    if (why === 'restart') fromRestarts++;
    else if (why === 'failed-poll') fromFailedPolls++;
    else if (unexplained.length < 5) unexplained.push(id);
  }
  return {
    sink,
    expected: expected.size,
    missing: missing.length,
    duplicated,
    fromRestarts,
    fromFailedPolls,
    missingSample: missing.slice(0, 5),
    unexplainedSample: unexplained,
  };
}

export function deliveryVerdict(tallies: readonly SinkTally[]): Verdict {
  const bad = tallies.filter((t) => t.missing > 0 || t.duplicated > t.fromRestarts + t.fromFailedPolls);
  const parts = tallies.map(
    (t) =>
      `${t.sink}: ${t.expected - t.missing}/${t.expected}, ${t.duplicated} dup (${t.fromRestarts} restarts, ${t.fromFailedPolls} failed polls)`,
  );
  return {
    name: 'every served event in every sink, duplicates only from restarts or failed polls',
    result: tallies.length > 0 && bad.length === 0 ? 'PASS' : 'MISS',
    measured: parts.join('; '),
  };
}

/**
 * Whether copies of a record straddle a restart: one read by the forwarder shortly before the
 * restart began (or during it) and one after it began (`ingestMs`: the reads' times, ms since the
 * soak started). Catches what positions cannot, e.g. an audit event that became visible late.
 */
export function copiesStraddleRestart(ingestMs: readonly number[], faults: readonly FaultWindow[]): boolean {
  return faults
    .filter((f) => f.restart)
    .some(
      (f) => ingestMs.some((t) => t >= f.start - 60_000 && t <= f.end) && ingestMs.some((t) => t >= f.start),
    );
}

/**
 * Whether a record at `atMs` of `stream` was in flight at a restart: past the stream's checkpoint
 * in the last sample before the restart began and not past the checkpoint 30 s after it ended.
 */
export function inFlightAtRestart(
  stream: string,
  atMs: number,
  samples: readonly Sample[],
  faults: readonly FaultWindow[],
): boolean {
  return faults
    .filter((f) => f.restart)
    .some((f) => {
      const before = samples.filter((s) => s.t <= f.start).at(-1)?.checkpointEnds[stream];
      const after = samples.find((s) => s.t >= f.end + 30_000)?.checkpointEnds[stream];
      return atMs >= (before ?? Number.NEGATIVE_INFINITY) && atMs <= (after ?? Number.POSITIVE_INFINITY);
    });
}

/** Prints verdicts like the benchmarks' target rows. */
export function verdictLines(verdicts: readonly Verdict[]): string[] {
  return verdicts.map((v) => `${v.result.padEnd(4)}  ${v.name}: ${v.measured}`);
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Whether a record read once at `t` (ms since the soak started) was read in the minute before a restart or during it. */
export function readBeforeRestart(t: number, faults: readonly FaultWindow[]): boolean {
  return faults.some((f) => f.restart && t >= f.start - 60_000 && t <= f.end);
}
