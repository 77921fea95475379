import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, WORK_DIR } from './paths.js';

/**
 * How a measured child starts the real CLI: the Node arguments before the command name.
 *
 * The benchmarks measure the current sources, so they do not trust a possibly stale `dist/`:
 * the runner bundles `src/cli/bin.ts` once per suite with esbuild (already installed as tsx's
 * engine) into `benchmarks/.work/cli/bin.mjs`, with the npm packages left as imports. A bundle
 * starts as fast as `dist/` and, unlike `--import tsx`, spends no CPU compiling TypeScript inside
 * the measured process. If esbuild cannot be loaded, the CLI runs through tsx (and the figures
 * then include its compile cost, which RESULTS.md states).
 */
export interface CliCommand {
  /** Node arguments that run the CLI, e.g. [`.../bin.mjs`]. */
  readonly nodeArgs: readonly string[];
  /** How it was built, for RESULTS.md. */
  readonly description: string;
}

const BUNDLE_DIR = join(WORK_DIR, 'cli');
const BUNDLE = join(BUNDLE_DIR, 'bin.mjs');

export async function buildCli(): Promise<CliCommand> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return {
      nodeArgs: ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts')],
      description: 'src/cli/bin.ts through tsx (esbuild not loadable; compile time is in the figures)',
    };
  }
  mkdirSync(BUNDLE_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: [join(ROOT, 'src/cli/bin.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'error',
  });
  // The sources read the version from `../package.json` relative to their own module, which for
  // the bundle is this directory's parent: give it the project's version.
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(WORK_DIR, 'package.json'), `${JSON.stringify({ version, private: true })}\n`);
  if (!existsSync(BUNDLE)) throw new Error(`esbuild did not write ${BUNDLE}`);
  return { nodeArgs: [BUNDLE], description: 'src/ bundled by esbuild at the start of the run (no dist/)' };
}
