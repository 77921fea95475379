import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);
let loaded: typeof Undici | undefined;

/**
 * undici, loaded on first use rather than at start-up: a run with no HTTP source or sink (an
 * archive replayed into the file sink, `--help`) does not pay for loading it (0.12 CPU s of a
 * 0.6 s start on the benchmark machine). undici is CommonJS, so require() loads it synchronously
 * where a client or pool is made, and it is the same module instance an `import` would give.
 */
export function undici(): typeof Undici {
  loaded ??= require('undici') as typeof Undici;
  return loaded;
}
