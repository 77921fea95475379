import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type EventType, Simulator } from '../../src/simulator/index.ts';

/** Temporary directories removed by `cleanup()` (call it from `after`). */
export class TempDirs {
  private readonly dirs: string[] = [];
  async make(prefix = 'cf-'): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }
  cleanup(): Promise<unknown> {
    return Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** Every event_id the simulator serves in a window, per file, in list order. */
export function expectedEvents(
  sim: Simulator,
  principalId: string,
  eventTypes: readonly EventType[],
  after: string,
  before?: string,
): { files: number; ids: Set<string>; byFile: Map<string, string[]> } {
  const ids = new Set<string>();
  const byFile = new Map<string, string[]>();
  for (const t of eventTypes) {
    for (const f of sim.listFiles(principalId, t, after, before)) {
      const list = sim.eventIds(principalId, t, f.id);
      byFile.set(f.id, list);
      for (const id of list) ids.add(id);
    }
  }
  return { files: byFile.size, ids, byFile };
}

/** Every JSON line of every finished output file under `dir` (recursively; .gz decoded). */
export async function readOutputLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (
      !e.isFile() ||
      !/\.jsonl(\.gz)?$/.test(e.name) ||
      e.name.startsWith('.') ||
      e.name.startsWith('dead-letter')
    ) {
      continue;
    }
    const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const raw = await readFile(path);
    const text = e.name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const l of text.split('\n')) if (l !== '') lines.push(l);
  }
  return lines;
}

/** Counts of each event_id in output lines. */
export function countIds(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const id = (JSON.parse(l) as { event_id: string }).event_id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** What `export --source audit-logs` needs of a started simulator. */
export interface AuditLogsOrigin {
  readonly sampleOrgId: string;
  readonly apiKey: string;
  readonly apiBase: string;
}

/**
 * The command line of `export --source audit-logs` for the simulator's organization from `after`
 * (then `more`, e.g. the sink), and the environment with its admin key and base URL.
 */
export function auditLogsExport(
  origin: AuditLogsOrigin,
  after: string,
  more: readonly string[],
): { args: string[]; env: Record<string, string> } {
  return {
    args: ['export', '--source', 'audit-logs', '--principal', origin.sampleOrgId, '--after', after, ...more],
    env: { OPENAI_ADMIN_KEY: origin.apiKey, OPENAI_API_BASE: origin.apiBase },
  };
}

/** What an `export` command line names besides its sink: the principal, types, window, state, config. */
export interface ExportCommand {
  readonly workspace: string;
  readonly types: readonly string[];
  readonly window: { readonly after: string; readonly before: string };
  readonly state: string;
  readonly config: string;
}

/** The `export` arguments for `c`, then `sinkArgs`. */
export function exportCliArgs(c: ExportCommand, sinkArgs: readonly string[]): string[] {
  return [
    'export',
    '--principal',
    c.workspace,
    '--event-type',
    c.types.join(','),
    '--after',
    c.window.after,
    '--before',
    c.window.before,
    '--state-dir',
    c.state,
    '--config',
    c.config,
    ...sinkArgs,
  ];
}

/** A started simulator for `export` tests, its credentials as env, a window and a fast config. */
export interface ExportSimulator {
  readonly sim: Simulator;
  readonly env: Record<string, string>;
  readonly workspace: string;
  readonly window: { after: string; before: string };
  readonly fastConfig: string;
}

/**
 * Starts a simulator seeded `seed` with generous rate limits; the window is six hours starting two
 * days back (on a 10-minute boundary); the config (in a directory of `tmp`) lifts the source's rate
 * limits. Stop `sim` in an after hook.
 */
export async function startExportSimulator(seed: string, tmp: TempDirs): Promise<ExportSimulator> {
  const sim = new Simulator({
    port: 0,
    seed,
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  const start = Math.floor((sim.now().getTime() - 2 * 86_400_000) / 600_000) * 600_000;
  const fastConfig = join(await tmp.make(), 'fast.yaml');
  await writeFile(
    fastConfig,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\n',
  );
  return {
    sim,
    env: { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl },
    workspace: info.sampleWorkspaceId,
    window: { after: new Date(start).toISOString(), before: new Date(start + 6 * 3_600_000).toISOString() },
    fastConfig,
  };
}
