import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cruise, type IModule } from 'dependency-cruiser';
import { FORBIDDEN } from './layers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function cruiseSrc(): Promise<{ modules: IModule[]; violations: string[] }> {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const result = await cruise(['src'], {
      validate: true,
      ruleSet: { forbidden: FORBIDDEN },
      tsPreCompilationDeps: true,
      tsConfig: { fileName: 'tsconfig.json' },
      doNotFollow: { path: 'node_modules' },
      exclude: { path: '\\.d\\.ts$' },
    });
    if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, not a result');
    const violations = result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    return { modules: result.output.modules, violations };
  } finally {
    process.chdir(cwd);
  }
}

/** The folder a module belongs to for the cycle check: `sources/files`, `engine`, `core`. */
function folderOf(path: string): string {
  const parts = path.replace(/^src\//, '').split('/');
  if (parts.length === 1) return '.';
  if (['sources', 'sinks', 'transforms', 'app', 'core'].includes(parts[0]!) && parts.length > 2)
    return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

function folderCycles(modules: IModule[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const m of modules) {
    if (!m.source.startsWith('src/')) continue;
    const from = folderOf(m.source);
    for (const d of m.dependencies) {
      if (!d.resolved.startsWith('src/')) continue;
      const to = folderOf(d.resolved);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    path.push(n);
    for (const next of edges.get(n) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of [...edges.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

const cruised = cruiseSrc();

test('every import in src/ points down the layers of docs/architecture.md', async () => {
  const { modules, violations } = await cruised;
  assert.ok(modules.length > 100, `dependency-cruiser saw only ${modules.length} modules`);
  assert.deepEqual(violations, [], `imports that break the dependency rule:\n${violations.join('\n')}`);
});

test('no two folders of src/ import each other, directly or through others', async () => {
  const { modules } = await cruised;
  const cycles = folderCycles(modules).map((c) => c.join(' -> '));
  assert.deepEqual(cycles, [], `import cycles between folders:\n${cycles.join('\n')}`);
});
