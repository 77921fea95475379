import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CheckpointStore } from '../../src/state/index.ts';
import { collect, runCli, spawnCli } from '../helpers/cli.ts';
import { countIds, expectedEvents, readOutputLines, TempDirs } from '../helpers/export-fixtures.ts';
import { countEventIds } from './crash-harness.ts';
import { startCrashSimulator } from './crash-targets.ts';

/*
 * The file sink's disk going away under `export`: full (ENOSPC, on a 1 MiB tmpfs) or its output
 * directory removed mid-run. The promise: a clear fatal error with a non-zero exit, a checkpoint
 * never ahead of what is on disk, and once the disk is fixed a re-run with the same state
 * delivers every event of the window — zero silent loss.
 */
const tmp = new TempDirs();
let sim: Awaited<ReturnType<typeof startCrashSimulator>>;
let config: string;
const mounts: string[] = [];

before(async () => {
  sim = await startCrashSimulator('file-sink-faults', 6);
  config = join(await tmp.make(), 'c.yaml');
  await writeFile(
    config,
    'source:\n  listsPerMinute: 1000\n  downloadsPerMinute: 1000\n  rateWindowMs: 1000\nenrich:\n  dedupe:\n    enabled: false\n',
  );
});
after(async () => {
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  await sim.stop();
  await tmp.cleanup();
});

function exportArgs(out: string, state: string): string[] {
  return [
    'export',
    '--principal',
    sim.workspace,
    '--event-type',
    sim.eventTypes.join(','),
    '--after',
    sim.window.after,
    '--before',
    sim.window.before,
    '--out',
    out,
    '--state-dir',
    state,
    '--config',
    config,
  ];
}
const env = () => ({ COMPLIANCE_API_KEY: sim.apiKey, COMPLIANCE_API_BASE: sim.baseUrl });

/**
 * Event ids in every output file, the sink's temporary `.partial` files included: an acknowledged
 * record may still sit in one (it is finished on the next start). A line torn by the full disk is
 * left out.
 */
async function idsOnDisk(out: string): Promise<Set<string>> {
  const lines: string[] = [];
  for (const e of await readdir(out, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!e.isFile() || e.name.startsWith('dead-letter')) continue;
    lines.push(...(await readFile(join(e.parentPath, e.name), 'utf8')).split('\n').filter((l) => l !== ''));
  }
  return new Set(countEventIds(lines).counts.keys());
}

/** Every id the window holds, and each id's count upstream. */
function upstream(): Map<string, number> {
  const counts = new Map<string, number>();
  const e = expectedEvents(sim.sim, sim.workspace, sim.eventTypes, sim.window.after, sim.window.before);
  for (const ids of e.byFile.values()) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** The ids of files at or before each stream's checkpoint, which must all be on disk. */
async function idsCoveredByCheckpoints(state: string): Promise<string[]> {
  const ids: string[] = [];
  for (const c of await new CheckpointStore(state).list()) {
    assert.ok(!('error' in c), 'the checkpoint parses');
    const type = c.stream.split('/').at(-1) as (typeof sim.eventTypes)[number];
    for (const f of sim.sim.listFiles(sim.workspace, type, sim.window.after, sim.window.before)) {
      if (f.endTime < c.endTime || (f.endTime === c.endTime && c.idsAtEndTime.includes(f.id))) {
        ids.push(...sim.sim.eventIds(sim.workspace, type, f.id));
      }
    }
  }
  return ids;
}

test('disk full (ENOSPC): fatal CF_ERR_SINK_IO, checkpoint not ahead of the disk, a re-run after freeing space loses nothing', async (t) => {
  const dir = await tmp.make();
  const out = join(dir, 'tiny');
  await mkdir(out);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', out], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`cannot mount a 1 MiB tmpfs here (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  mounts.push(out);
  const state = join(dir, 'state');
  const full = await runCli(exportArgs(out, state), env());
  assert.equal(full.code, 1, full.stderr.slice(-2000));
  assert.match(full.stderr, /CF_ERR_SINK_IO|ENOSPC|no space/i, 'the error says the disk is full');
  const onDisk = await idsOnDisk(out);
  const covered = await idsCoveredByCheckpoints(state);
  const aheadOfDisk = covered.filter((id) => !onDisk.has(id));
  t.diagnostic(
    `disk full after ${onDisk.size} events; ${covered.length} covered by the checkpoint, ${aheadOfDisk.length} of them not on disk`,
  );

  execFileSync('mount', ['-o', 'remount,size=64m', out]);
  const again = await runCli(exportArgs(out, state), env());
  assert.equal(again.code, 0, again.stderr.slice(-2000));
  const final = countIds(await readOutputLines(out));
  const lost = [...upstream().keys()].filter((id) => !final.has(id));
  t.diagnostic(`after freeing space and re-running: ${final.size} events on disk, ${lost.length} lost`);
  assert.deepEqual(lost, [], 'every event of the window arrived after space was freed');
  assert.deepEqual(aheadOfDisk, [], 'the checkpoint was never ahead of what is on disk');
});

test('output directory removed mid-run: the run fails or recreates it; the next run leaves no event missing after the removal', async (t) => {
  const dir = await tmp.make();
  const out = join(dir, 'out');
  const state = join(dir, 'state');
  const child = spawnCli(exportArgs(out, state), env());
  const done = collect(child);
  // Remove the directory once the sink has written into it.
  for (let i = 0; i < 200; i++) {
    if ((await stat(out).catch(() => undefined)) !== undefined) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 300));
  // Freeze the export while the directory is read and removed, so "what the operator deleted" is exact.
  child.kill('SIGSTOP');
  const deleted = await idsOnDisk(out);
  await rm(out, { recursive: true, force: true });
  child.kill('SIGCONT');
  const r = await done;
  t.diagnostic(
    `run with the directory removed: exit ${r.code}; ${
      r.stderr
        .split('\n')
        .find((l) => /CF_ERR/.test(l))
        ?.slice(0, 200) ?? ''
    }`,
  );
  if (r.code !== 0)
    assert.match(r.stderr, /CF_ERR_SINK_IO/, 'a failure is a sink I/O error saying what happened');
  const again = await runCli(exportArgs(out, state), env());
  assert.equal(again.code, 0, again.stderr.slice(-2000));
  const final = countIds(await readOutputLines(out));
  // What the operator deleted is gone; every other event of the window must be there.
  const all = [...upstream().keys()];
  const absent = all.filter((id) => !final.has(id));
  t.diagnostic(
    `after the re-run: ${final.size} of ${all.length} events on disk; ${deleted.size} deleted with the directory, ${absent.length} absent`,
  );
  assert.ok(deleted.size > 0 && deleted.size < all.length, 'the removal happened mid-run');
  assert.deepEqual(
    absent.filter((id) => !deleted.has(id)),
    [],
    'no event other than those deleted with the directory is missing',
  );
});
