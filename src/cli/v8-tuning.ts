import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings that keep the forwarder's memory flat however long it runs, applied from the code
 * so every way of starting it (the bin's shebang, `node dist/cli/bin.js`, the container image,
 * tests) gets them. An option the operator already gave Node (command line or NODE_OPTIONS) wins.
 * Must run before the first HTTP request. Measured by benchmarks/scenarios/big_file_memory.
 *
 * - `--liftoff-only`: undici parses HTTP with llhttp, a WebAssembly module compiled on the first
 *   request. V8 compiles it with its baseline compiler (Liftoff), then recompiles the hot parser
 *   with TurboFan, which briefly takes about 30 MiB (peak RSS never comes back below that) and
 *   0.3 s of CPU; the parser's share of the work is small, so the faster code never pays for it.
 *   Liftoff covers x64 and arm64 entirely.
 * - `--heap-growing-percent=100`: V8 lets the old generation grow to up to 4x what survived the
 *   last full collection before collecting again. Records held in sink batches across two young
 *   collections end up there as garbage, so the heap kept growing for the first gigabytes of an
 *   export (5 GB file: +25 MiB over a 100 MB one). 2x holds it close to the live size. 1.5x (50)
 *   held it closer still but cost a third more CPU on the blackhole export (8.0 vs 5.9-6.5 CPU
 *   s/GiB, same tree, same hour); 2x measured 6.0 CPU s/GiB and a 5 GB file peaked at 134 MiB.
 */
/**
 * V8 flags node must get on its command line, because V8 reads them when it creates the heap,
 * before any code could apply them: 8 MiB semi-spaces (Node 22+ let the young generation grow to
 * 64 MiB, which about doubled peak RSS under a slow sink). The bin's shebang and
 * deploy/Dockerfile's ENTRYPOINT spell them out; test/unit/cli/v8-tuning.test.ts checks both.
 */
export const V8_START_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

const SETTINGS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['liftoff-only', '--liftoff-only'],
  ['heap-growing-percent', '--heap-growing-percent=100'],
];

/** The settings to apply: those the operator did not give Node already. */
export function v8TuningFlags(execArgv: readonly string[], nodeOptions: string): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)]
    .filter((a) => a.startsWith('--'))
    .map((a) => a.slice(2).replace(/_/g, '-'));
  return SETTINGS.filter(
    ([name]) => !given.some((a) => a === name || a === `no-${name}` || a.startsWith(`${name}=`)),
  ).map(([, flag]) => flag);
}

export function applyV8Tuning(): void {
  for (const flag of v8TuningFlags(process.execArgv, process.env.NODE_OPTIONS ?? ''))
    setFlagsFromString(flag);
}
