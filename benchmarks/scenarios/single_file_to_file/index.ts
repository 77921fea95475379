import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertExit, type MeasuredRun, measureChild } from '../../lib/measure.js';
import { type Archive, archiveOf } from '../../lib/native-peers-archive.js';
import { RUN_DIR } from '../../lib/paths.js';
import type { FigureRow, Scenario } from '../../lib/result.js';
import { fixed, GIB, MIB, median } from '../../lib/stats.js';

/**
 * single_file_to_file: the file path's margin on one large file. The forwarder's
 * `export --source files --path big.jsonl --sink file` against the fastest minimal Node loop we
 * know (benchmarks/baselines/jsonl-file-loop.mjs: big synchronous reads, indexOf splitting,
 * JSON.parse, metadata, JSON.stringify, one output file), both reading the same 256 MiB local
 * archive of ~1.5 KB conversation records. Each run is paired with a run over an empty file
 * (start-up CPU, subtracted for the steady figure). Target: the forwarder needs less than half
 * the loop's CPU, whole process (the stricter of the two, as the measurement was).
 */
const LOOP = fileURLToPath(new URL('../../baselines/jsonl-file-loop.mjs', import.meta.url));

type Variant = 'forwarder' | 'loop';

interface Paired {
  readonly full: MeasuredRun;
  readonly empty: MeasuredRun;
}

function argsOf(variant: Variant, cli: readonly string[], input: string, outDir: string): string[] {
  if (variant === 'loop') return [LOOP, `--in=${input}`, `--out=${join(outDir, 'out.jsonl')}`];
  return [
    ...cli,
    'export',
    '--source',
    'files',
    '--path',
    input,
    '--sink',
    'file',
    '--out',
    outDir,
    '--dead-letter',
    join(outDir, 'dead-letter.jsonl'),
    '--no-progress',
    '--log-level',
    'warn',
  ];
}

/** Lines written into the run's output directory (the JSON Lines files only). */
function linesWritten(outDir: string): number {
  let lines = 0;
  for (const name of readdirSync(outDir)) {
    if (!name.endsWith('.jsonl') || name === 'dead-letter.jsonl') continue;
    const data = readFileSync(join(outDir, name));
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

async function measure(variant: Variant, cli: readonly string[], input: string, expected: number) {
  const outDir = join(RUN_DIR, `single-file-${variant}-${randomUUID().slice(0, 8)}`);
  mkdirSync(outDir, { recursive: true });
  try {
    const run = await measureChild({ args: argsOf(variant, cli, input, outDir), timeoutMs: 600_000 });
    assertExit(run, variant);
    const lines = linesWritten(outDir);
    if (lines !== expected) throw new Error(`${variant} wrote ${lines} records, the file has ${expected}`);
    return run;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export const scenario: Scenario = {
  name: 'single_file_to_file',
  async run(ctx) {
    const archive: Archive = archiveOf(ctx.quick ? 3 * MIB : 256 * MIB);
    const empty = join(RUN_DIR, 'empty.jsonl');
    mkdirSync(RUN_DIR, { recursive: true });
    writeFileSync(empty, '');
    const runs = ctx.quick ? 1 : 3;
    const results: Record<Variant, Paired[]> = { forwarder: [], loop: [] };
    for (let run = 0; run < runs; run++) {
      const order: Variant[] = run % 2 === 0 ? ['forwarder', 'loop'] : ['loop', 'forwarder'];
      for (const variant of order) {
        const full = await measure(variant, ctx.cli.nodeArgs, archive.path, archive.records);
        const none = await measure(variant, ctx.cli.nodeArgs, empty, 0);
        results[variant].push({ full, empty: none });
        ctx.log(`${variant}: ${fixed(full.wallSeconds)} s, ${fixed(full.cpuSeconds ?? Number.NaN)} CPU s`);
      }
    }
    const f = summarize(results.forwarder);
    const l = summarize(results.loop);
    const gib = archive.bytes / GIB;
    const row = (
      variant: string,
      role: 'subject' | 'baseline',
      s: Summary,
      comparison?: string,
    ): FigureRow => ({
      variant,
      role,
      runs: s.runs,
      eventsPerSecond: archive.records / s.wall,
      mibPerSecond: archive.bytes / MIB / s.wall,
      cpuSecondsPerGiB: s.steady / gib,
      peakRssMiB: s.peakRss / MIB,
      seconds: s.wall,
      ...(comparison === undefined ? {} : { comparison }),
    });
    const whole = l.cpu / f.cpu;
    return {
      summary: 'one large JSONL file into the file sink, vs the fastest minimal Node loop on the same file',
      setup: [
        `Input: one local file of ${fixed(archive.bytes / MIB, 0)} MiB, ${archive.records} CONVERSATION_MESSAGE-like records of ~1.5 KB (seeded generator, benchmarks/lib/native-peers-archive.ts), read by both from the page cache.`,
        'Forwarder: export --source files --path <file> --sink file --out <dir> (split and validate, enrich with the metadata object and event time, de-duplicate, 1 MiB batches fsynced before acknowledging).',
        "Baseline: benchmarks/baselines/jsonl-file-loop.mjs: 4 MiB synchronous reads, one UTF-8 decode per read, indexOf('\\n') splitting, JSON.parse, the same metadata object, JSON.stringify, ~1 MiB writeSync, one fsync; no validation beyond JSON.parse, no dead letters, de-duplication, acknowledgements or checkpoints.",
        `Each run paired with one over an empty file: start-up CPU ${fixed(f.startup)} s (forwarder), ${fixed(l.startup)} s (loop), subtracted in the CPU s/GiB column. Outputs counted line by line and removed after each run.`,
      ],
      rows: [
        row(
          'forwarder (files -> file sink)',
          'subject',
          f,
          `${fixed(whole)}x the loop per CPU s (whole process: ${fixed(f.cpu)} vs ${fixed(l.cpu)} CPU s), ${fixed(l.steady / f.steady)}x steady, ${fixed(l.wall / f.wall)}x wall`,
        ),
        row('minimal loop (jsonl-file-loop.mjs)', 'baseline', l, `${fixed(l.cpu)} CPU s`),
      ],
      targets: [
        {
          target: '>= 2x the minimal loop per CPU second (whole process)',
          measured: `${fixed(whole)}x (${fixed(f.cpu)} vs ${fixed(l.cpu)} CPU s; steady ${fixed(l.steady / f.steady)}x)`,
          pass: whole >= 2,
        },
      ],
    };
  },
};

interface Summary {
  readonly runs: number;
  readonly wall: number;
  readonly cpu: number;
  readonly startup: number;
  readonly steady: number;
  readonly peakRss: number;
}

function summarize(runs: readonly Paired[]): Summary {
  const cpu = (r: MeasuredRun) => r.cpuSeconds ?? Number.NaN;
  return {
    runs: runs.length,
    wall: median(runs.map((r) => r.full.wallSeconds)),
    cpu: median(runs.map((r) => cpu(r.full))),
    startup: median(runs.map((r) => cpu(r.empty))),
    steady: median(runs.map((r) => cpu(r.full) - cpu(r.empty))),
    peakRss: Math.max(...runs.map((r) => r.full.maxRssBytes ?? 0)),
  };
}
