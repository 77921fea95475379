import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../../benchmarks/lib/result.ts';
import { SCENARIOS } from '../../benchmarks/lib/scenario-list.ts';

/**
 * The benchmark suite's smoke run (`node benchmarks/run.mjs --quick`): every scenario runs a small
 * version of itself and reports its figures. Nothing here looks at a speed: CI machines are too
 * noisy for that, and a missed target is a finding for RESULTS.md, not a test failure.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Scenarios that may be skipped, with a stated reason, where their external tools are missing. */
const NEEDS_EXTERNAL_TOOLS = new Set([
  'cookbook_parity',
  'simulator_to_kafka',
  'simulator_to_splunk_hec',
  'simulator_to_syslog',
  'proxy_overhead',
  'files_to_kafka',
  'files_to_syslog',
]);

function runQuickSuite(jsonPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['benchmarks/run.mjs', '--quick', `--json=${jsonPath}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the quick benchmark suite runs every scenario and prints its figures', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cf-bench-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const jsonPath = join(dir, 'results.json');
  const { code, stdout, stderr } = await runQuickSuite(jsonPath);
  assert.equal(code, 0, `run.mjs --quick failed:\n${stderr.slice(-4000)}`);

  const { results } = JSON.parse(await readFile(jsonPath, 'utf8')) as { results: ScenarioResult[] };
  assert.deepEqual(
    results.map((r) => r.name),
    [...SCENARIOS],
    'every scenario reported, in order',
  );
  for (const r of results) {
    assert.equal(r.error, undefined, `${r.name} failed: ${r.error}`);
    if (r.skipped !== undefined) {
      assert.ok(NEEDS_EXTERNAL_TOOLS.has(r.name), `${r.name} may not be skipped (${r.skipped})`);
      assert.ok(r.skipped.length > 10, `${r.name} says why it was skipped`);
      assert.match(stdout, new RegExp(`${r.name}\\s.*skipped`), `${r.name} is in the table as skipped`);
      continue;
    }
    assert.ok(r.rows.length > 0, `${r.name} has figures`);
    assert.ok(r.targets.length > 0, `${r.name} checked its targets`);
    for (const row of r.rows) {
      const figures = [
        row.eventsPerSecond,
        row.mibPerSecond,
        row.cpuSecondsPerGiB,
        row.peakRssMiB,
        row.seconds,
      ];
      const present = figures.filter((f) => f !== undefined);
      assert.ok(present.length > 0, `${r.name} / ${row.variant} has at least one figure`);
      for (const f of present) assert.ok(Number.isFinite(f) && f! >= 0, `${r.name} / ${row.variant}: ${f}`);
      // The printed table carries the row.
      assert.ok(
        stdout.split('\n').some((l) => l.startsWith(r.name) && l.includes(row.variant)),
        `${r.name} / ${row.variant} printed`,
      );
    }
    for (const target of r.targets) {
      assert.ok(
        stdout.includes(target.target),
        `${r.name}: target "${target.target}" printed with PASS/MISS`,
      );
    }
  }
});

test('a bad benchmark command line exits 2 with the usage, naming what was wrong', () => {
  for (const [args, problem] of [
    [['--fast'], /Unknown option --fast\./],
    [['--only=simulator_to_blackhole,nope'], /No scenario nope\./],
    [['quick'], /Unknown argument quick\./],
  ] as const) {
    const r = spawnSync(process.execPath, ['benchmarks/run.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, problem);
    assert.match(r.stderr, /^Usage: npm run bench -- /m);
    assert.match(r.stderr, /simulator_to_syslog/, 'the usage lists the scenarios');
  }
});
