import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * OpenAI's cookbook bash script (seed 000), extracted at test time from the first ```bash block
 * of `<repo>/../shared/reference/seeds/000_*.txt`; it is never copied into the repository.
 * The extracted copy differs in one line: `API_BASE=` reads the API_BASE environment variable
 * (falling back to the original URL), so a test points it at a simulator with
 * `API_BASE=<baseUrl>` in the child's environment. Undefined when the seed is absent (CI has
 * `../shared` beside the clone; a bare clone does not): the benchmark that measures the
 * cookbook itself skips with that reason. Tests use `cookbookFlowScript()`.
 */

export const COOKBOOK_MISSING_REASON =
  "OpenAI's cookbook script is read from ../shared/reference/seeds/000_*.txt, which is absent here";

const seedsDir = fileURLToPath(new URL('../../../shared/reference/seeds/', import.meta.url));
let extracted: Promise<string | undefined> | undefined;

export function cookbookScriptPath(): Promise<string | undefined> {
  extracted ??= Promise.resolve().then(extract);
  return extracted;
}

/** A script with the cookbook's interface: `<workspace_or_org_id> <event_type> <limit> <after>`. */
export interface CookbookFlowScript {
  path: string;
  /** `cookbook`: OpenAI's script from the seed; `ours`: test/helpers/compliance-logs-download.sh. */
  origin: 'cookbook' | 'ours';
}

/**
 * Our own implementation of the cookbook's documented flow, written from the API reference.
 * The tests run it where the seed is absent, so they never skip on a fresh clone.
 */
export const OWN_COOKBOOK_FLOW_SCRIPT = fileURLToPath(
  new URL('./compliance-logs-download.sh', import.meta.url),
);

/**
 * The script the tests run as "the cookbook": OpenAI's own when the seed is beside the clone,
 * else ours (same arguments, environment, stdout and exit codes). CF_COOKBOOK=ours chooses ours
 * even when the seed is present, to check it.
 */
export async function cookbookFlowScript(): Promise<CookbookFlowScript> {
  const seed = process.env.CF_COOKBOOK === 'ours' ? undefined : await cookbookScriptPath();
  return seed === undefined
    ? { path: OWN_COOKBOOK_FLOW_SCRIPT, origin: 'ours' }
    : { path: seed, origin: 'cookbook' };
}

function extract(): string | undefined {
  let seed: string | undefined;
  try {
    seed = readdirSync(seedsDir).find((name) => /^000_.*\.txt$/.test(name));
  } catch {
    return undefined;
  }
  if (seed === undefined) return undefined;
  const text = readFileSync(join(seedsDir, seed), 'utf8');
  const block = /```bash\n([\s\S]*?)\n```/.exec(text)?.[1];
  if (block === undefined) throw new Error(`no bash block in ${seed}`);
  const apiBase = /^API_BASE="([^"]*)"$/m;
  const original = apiBase.exec(block)?.[1];
  if (original === undefined) throw new Error(`the cookbook script in ${seed} has no API_BASE="..." line`);
  const script = block.replace(apiBase, `API_BASE="\${API_BASE:-${original}}"`);
  const dir = mkdtempSync(join(tmpdir(), 'cf-cookbook-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'download_compliance_files.sh');
  writeFileSync(path, `${script}\n`);
  chmodSync(path, 0o755);
  return path;
}
