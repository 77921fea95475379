import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (benchmarks/ sits one level below it). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Scratch space for bundles, configs and outputs; ignored by git (.gitignore: benchmarks/.work/). */
export const WORK_DIR = fileURLToPath(new URL('../.work/', import.meta.url));
/** This suite run's temporary files (configs, usage reports, outputs); the runner removes it. */
export const RUN_DIR = join(WORK_DIR, `run-${process.pid}`);
/** Preloaded into every measured Node child to report its own CPU time and peak RSS at exit. */
export const USAGE_PROBE = new URL('./usage-probe.mjs', import.meta.url).href;
/** The naive and split-only baselines (plain JavaScript: no loader, no build step). */
export const BASELINE_SCRIPT = fileURLToPath(new URL('../baselines/jsonl-baseline.mjs', import.meta.url));
