#!/usr/bin/env node
// Runs the test suite with node:test (TypeScript through tsx), the same way on Node 20 and 24.
// Node 20's runner takes no glob patterns, so the files are found here.
//   node test/run.mjs                 every *.test.ts under test/
//   node test/run.mjs test/unit/x     only the files under the given paths
//   node test/run.mjs --chaos         the long crash-consistency campaign (npm run chaos)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const chaos = args.includes('--chaos');
const roots = args.filter((a) => !a.startsWith('--'));

function find(dir, out = []) {
  const st = statSync(dir);
  if (st.isFile()) {
    if (dir.endsWith('.test.ts')) out.push(dir);
    return out;
  }
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    find(join(dir, name), out);
  }
  return out;
}

const files = chaos
  ? [join(root, 'test/reliability/chaos.campaign.ts')]
  : (roots.length ? roots.map((r) => join(root, r)) : [join(root, 'test')]).flatMap((d) => find(d));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const nodeArgs = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  // A test may take 10 minutes; the chaos campaign runs as long as its rounds need (CF_CHAOS_ROUNDS).
  `--test-timeout=${chaos ? 4 * 3_600_000 : 600_000}`,
  ...files.map((f) => relative(root, f)),
];
console.error(`node ${process.version}: ${files.length} test files`);
const r = spawnSync(process.execPath, nodeArgs, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...(chaos ? { CF_CHAOS: '1' } : {}) },
});
process.exit(r.status ?? 1);
