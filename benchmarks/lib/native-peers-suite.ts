import { type Contender, type ContenderRun, type Receiver, runContender } from './native-peers.js';
import { type Archive, archiveOf } from './native-peers-archive.js';
import type { FigureRow, ScenarioContext, ScenarioResult, TargetResult } from './result.js';
import { fixed, GIB, MIB, median } from './stats.js';

/**
 * The files_to_* scenarios: every contender replays the same archive into the same receiver, in
 * rotating order, per archive size; medians per contender and size. The targets compare the
 * forwarder (the first subject that ran: with two Kafka clients, the first that worked) with the faster of the JSON-parsing native forwarders at the
 * largest size, in wall time and in CPU seconds, and report the ratio to the raw ceiling.
 */
export interface FilesScenario {
  readonly into: 'Kafka' | 'syslog';
  readonly summary: string;
  readonly receiverNote: string;
  readonly contenders: readonly Contender[];
  /** Why the receiver cannot run here (then the scenario is skipped), or undefined. */
  readonly receiverProblem: string | undefined;
  /** Starts the receiver; the returned function stops it. */
  startReceiver(): Promise<{ receiver: Receiver; stop(): Promise<void> }>;
}

/**
 * The sizes replayed and how many runs each: the issue's 100 MB and 500 MB; a few MB in --quick.
 * For experiments, CF_BENCH_ARCHIVE_MIB=<n> replays one archive of n MiB once instead.
 */
function sizes(quick: boolean): Array<{ bytes: number; runs: number }> {
  const only = Number(process.env.CF_BENCH_ARCHIVE_MIB ?? '');
  if (Number.isFinite(only) && only > 0) return [{ bytes: only * MIB, runs: 1 }];
  return quick
    ? [{ bytes: 3 * MIB, runs: 1 }]
    : [
        { bytes: 100 * MIB, runs: 1 },
        { bytes: 500 * MIB, runs: 3 },
      ];
}

interface Measured {
  readonly contender: Contender;
  readonly archive: Archive;
  readonly runs: ContenderRun[];
  failure?: string;
}

export async function runFilesScenario(
  ctx: ScenarioContext,
  spec: FilesScenario,
): Promise<Omit<ScenarioResult, 'name' | 'wallSeconds'>> {
  const ready = spec.contenders.filter((c) => c.skipped === undefined);
  const setup = [
    ...spec.contenders.map(
      (c) => `${c.name}: ${c.skipped === undefined ? c.does : `skipped: ${c.skipped}`}.`,
    ),
    spec.receiverNote,
    "Timed from spawn until the receiver holds every record of the archive (polled every 50 ms), then checked to hold exactly that many. CPU and peak RSS are the contender's own process (usage probe for the forwarder; /proc/<pid>/stat utime+stime and VmHWM, all threads, for the others). Medians of the runs, contenders in rotating order, each run against a receiver started for it.",
  ];
  if (spec.receiverProblem !== undefined)
    return { summary: spec.summary, setup, rows: [], targets: [], skipped: spec.receiverProblem };
  const measured: Measured[][] = [];
  for (const size of sizes(ctx.quick)) {
    const archive = archiveOf(size.bytes);
    ctx.log(`archive ${archive.path}: ${archive.records} records, ${fixed(archive.bytes / MIB, 1)} MiB`);
    const bySize = ready.map((contender) => ({ contender, archive, runs: [] as ContenderRun[] }) as Measured);
    for (let run = 0; run < size.runs; run++) {
      for (let i = 0; i < bySize.length; i++) {
        const m = bySize[(i + run) % bySize.length]!;
        if (m.failure !== undefined) continue;
        const label = `${slug(m.contender.name)}-${Math.round(size.bytes / MIB)}-${run + 1}`;
        // A fresh receiver per run: the Kafka-protocol broker keeps every message in memory, and
        // one holding the earlier runs' gigabytes slowed every later run (kcat -P 1.2 s on a
        // fresh broker, 4.8 s on one holding 2 GB, in one run of the suite).
        const { receiver, stop } = await spec.startReceiver();
        try {
          const r = await runContender(m.contender, receiver, archive, label, {
            stallMs: ctx.quick ? 10_000 : 30_000,
            timeoutMs: ctx.quick ? 120_000 : 900_000,
          });
          m.runs.push(r);
          ctx.log(`${m.contender.name}: ${fixed(r.wallSeconds)} s, ${fixed(r.cpuSeconds)} CPU s`);
        } catch (err) {
          // The forwarder failing is the scenario failing (unless another client of it ran); a
          // peer failing is a finding.
          const otherSubject = bySize.some(
            (x) => x !== m && x.contender.role === 'subject' && x.failure === undefined,
          );
          if (m.contender.role === 'subject' && !otherSubject) throw err;
          m.failure = (err as Error).message;
          ctx.log(`${m.contender.name} FAILED: ${m.failure}`);
        } finally {
          await stop();
        }
      }
    }
    measured.push(bySize);
  }
  for (const m of measured.flat().filter((x) => x.failure !== undefined))
    setup.push(`${m.contender.name} failed at ${fixed(m.archive.bytes / MIB, 0)} MiB: ${m.failure}`);
  const rows = measured.flatMap((bySize) => rowsOf(bySize));
  return { summary: spec.summary, setup, rows, targets: targetsOf(spec.into, measured.at(-1) ?? []) };
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

interface Medians {
  readonly name: string;
  readonly wall: number;
  readonly cpu: number;
}

function mediansOf(m: Measured): Medians | undefined {
  if (m.failure !== undefined || m.runs.length === 0) return undefined;
  return {
    name: m.contender.name,
    wall: median(m.runs.map((r) => r.wallSeconds)),
    cpu: median(m.runs.map((r) => r.cpuSeconds)),
  };
}

function rowsOf(bySize: readonly Measured[]): FigureRow[] {
  const subject = bySize.find((m) => m.contender.role === 'subject' && mediansOf(m) !== undefined);
  const s = subject === undefined ? undefined : mediansOf(subject);
  return bySize.flatMap((m): FigureRow[] => {
    const f = mediansOf(m);
    if (f === undefined) return [];
    const { archive } = m;
    const versus =
      s === undefined || m === subject
        ? undefined
        : `the forwarder takes ${fixed(s.wall / f.wall)}x its wall time, ${fixed(s.cpu / f.cpu)}x its CPU`;
    return [
      {
        variant: `${m.contender.name}, ${fixed(archive.bytes / MIB, 0)} MiB`,
        role: m.contender.role,
        runs: m.runs.length,
        eventsPerSecond: archive.records / f.wall,
        mibPerSecond: archive.bytes / MIB / f.wall,
        cpuSecondsPerGiB: f.cpu / (archive.bytes / GIB),
        peakRssMiB: Math.max(...m.runs.map((r) => r.peakRssBytes)) / MIB,
        seconds: f.wall,
        comparison: `${fixed(f.cpu)} CPU s${versus === undefined ? '' : `; ${versus}`}`,
      },
    ];
  });
}

/** At or ahead of the faster JSON-parsing peer (each figure's own faster one); kcat's ratio beside. */
function targetsOf(into: string, bySize: readonly Measured[]): TargetResult[] {
  const size = bySize[0] === undefined ? 'n/a' : `${fixed(bySize[0].archive.bytes / MIB, 0)} MiB`;
  const subject = bySize.find((m) => m.contender.role === 'subject' && mediansOf(m) !== undefined);
  const s = subject === undefined ? undefined : mediansOf(subject);
  const peers = bySize
    .filter((m) => m.contender.name.includes('JSON parsed'))
    .map(mediansOf)
    .filter((x): x is Medians => x !== undefined);
  const ceiling = bySize.map(mediansOf).find((x) => x?.name.startsWith('kcat'));
  const ceilingNote =
    s === undefined || ceiling === undefined
      ? ''
      : `; kcat -P (raw ceiling): the forwarder takes ${fixed(s.wall / ceiling.wall)}x its wall time, ${fixed(s.cpu / ceiling.cpu)}x its CPU`;
  const target = (what: 'wall time' | 'CPU seconds', pick: (x: Medians) => number): TargetResult => {
    const text = `into ${into}: forwarder ${what} <= the faster of rsyslog and syslog-ng (JSON parsed), ${size}`;
    if (s === undefined || peers.length === 0)
      return {
        target: text,
        measured: 'not measured: no JSON-parsing peer ran here (see the setup notes)',
        pass: false,
      };
    const best = peers.reduce((a, b) => (pick(b) < pick(a) ? b : a));
    return {
      target: text,
      measured: `${fixed(pick(s))} s vs ${best.name} ${fixed(pick(best))} s (${fixed(pick(s) / pick(best))}x)${ceilingNote}`,
      pass: pick(s) <= pick(best),
    };
  };
  return [target('wall time', (x) => x.wall), target('CPU seconds', (x) => x.cpu)];
}
