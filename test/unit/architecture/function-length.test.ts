import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where lifecycles live: a function here that owns a whole lifecycle is split into named pieces. */
const FOLDERS = ['src/engine', 'src/app', 'src/cli'];
const MAX_LINES = 80;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function longFunctions(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      if (last - first + 1 > MAX_LINES) {
        const name = node.name?.getText(source) ?? '(anonymous)';
        found.push(`${relative(ROOT, file)}:${first + 1} ${name}: ${last - first + 1} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test(`no function in ${FOLDERS.join(', ')} is longer than ${MAX_LINES} lines`, () => {
  const files = FOLDERS.flatMap((f) => tsFiles(join(ROOT, f)));
  assert.ok(files.length > 20, `only ${files.length} files found`);
  assert.deepEqual(files.flatMap(longFunctions), []);
});
