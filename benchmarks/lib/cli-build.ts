import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { V8_START_FLAGS } from '../../src/cli/v8-tuning.js';
import { ROOT, WORK_DIR } from './paths.js';

/**
 * How a measured child starts the real CLI: the Node arguments before the command name.
 *
 * The benchmarks measure the current sources, so they do not trust a possibly stale `dist/`:
 * the runner bundles `src/cli/bin.ts` once per suite with esbuild (a devDependency, the same version as tsx's
 * engine) into `benchmarks/.work/bundle/cli/bin.mjs`, with the npm packages left as imports. A bundle
 * starts as fast as `dist/` and, unlike `--import tsx`, spends no CPU compiling TypeScript inside
 * the measured process. It is split into chunks at the sources' dynamic imports, so what `dist/`
 * loads only on first use (kafkajs behind the Kafka sink's deferred transport) stays unloaded in a
 * run that does not use it: one file would hoist every package it imports to its top and load them
 * all at start-up (0.07 CPU s more for a file-only export, measured). If esbuild cannot be
 * loaded, the CLI runs through tsx (and the figures then include its compile cost, which
 * RESULTS.md states).
 */
export interface CliCommand {
  /**
   * Node arguments that run the CLI: the Node options of its shebang (V8_START_FLAGS for a build
   * of src/), then the entry point, e.g. [`--max-semi-space-size=8`, `.../bin.mjs`].
   */
  readonly nodeArgs: readonly string[];
  /** How it was built, for RESULTS.md. */
  readonly description: string;
}

/** Two levels below WORK_DIR, as dist/cli/ is below the project: see the version note in buildCli. */
const BUNDLE_DIR = join(WORK_DIR, 'bundle', 'cli');
const SOURCE_ENTRY = join(ROOT, 'src/cli/bin.ts');

/**
 * The Node options in an entry point's shebang (`#!/usr/bin/env -S node --opt ...`), so a measured
 * run starts the CLI the way the installed `compliance-forwarder` command does, not with Node's
 * defaults (the options there, such as the young generation's size, change peak RSS a lot).
 * For an executable given with --cli, which may come from another version than src/.
 */
export function shebangNodeOptions(entry: string): string[] {
  const first = readFileSync(entry, 'utf8').split('\n', 1)[0] ?? '';
  if (!first.startsWith('#!')) return [];
  const words = first.slice(2).trim().split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  if (node === -1) throw new Error(`${entry}: the shebang does not run node: ${first}`);
  return words.slice(node + 1);
}

/** How to run a given entry point (e.g. `dist/cli/bin.js`), with its shebang's Node options. */
export function cliCommand(entry: string, description: string): CliCommand {
  return { nodeArgs: [...shebangNodeOptions(entry), entry], description };
}
const BUNDLE = join(BUNDLE_DIR, 'bin.mjs');

export async function buildCli(): Promise<CliCommand> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return {
      nodeArgs: [...V8_START_FLAGS, '--import', 'tsx', SOURCE_ENTRY],
      description: 'src/cli/bin.ts through tsx (esbuild not loadable; compile time is in the figures)',
    };
  }
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: [SOURCE_ENTRY],
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'error',
  });
  // The sources read the version from `../../package.json` relative to their own module (from
  // dist/core/), which for the bundle two levels below WORK_DIR is WORK_DIR's: give it the
  // project's version (the bundle used to sit one level higher and reported 0.0.0).
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(WORK_DIR, 'package.json'), `${JSON.stringify({ version, private: true })}\n`);
  if (!existsSync(BUNDLE)) throw new Error(`esbuild did not write ${BUNDLE}`);
  return {
    nodeArgs: [...V8_START_FLAGS, BUNDLE],
    description: 'src/ bundled by esbuild at the start of the run (no dist/)',
  };
}
