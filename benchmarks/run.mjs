#!/usr/bin/env node
// `npm run bench`: runs the benchmark suite (benchmarks/lib/runner.ts, TypeScript through tsx
// from the root's node_modules) with the same arguments. The measured processes are started by
// the runner; this wrapper only forwards the exit status. See benchmarks/README.md.
//   node benchmarks/run.mjs [--quick] [--write] [--json=FILE] [--only=scenario,...]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./lib/runner.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', runner, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
