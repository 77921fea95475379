import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { cookbookFlowScript } from '../../helpers/cookbook.js';
import { readAll, startSim, WORKSPACE } from './sim-http.js';

const script = await cookbookFlowScript();
const scriptPath = script.path;
const missingTools = ['curl', 'jq', 'bash'].filter((tool) => spawnSync(tool, ['--version']).status !== 0);
const skip =
  missingTools.length > 0
    ? `the cookbook script needs ${missingTools.join(', ')}, not installed here`
    : false;

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [scriptPath, ...args], { env: { ...process.env, ...env } });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

// The cookbook's flow: OpenAI's script, or ours where the seed is absent (test/helpers/cookbook.ts).
test("the cookbook's flow downloads a whole window from the simulator", { skip }, async (t) => {
  t.diagnostic(`script: ${script.origin} (${scriptPath})`);
  const { sim, info } = await startSim(t);
  const after = '2026-07-09T12:05:00Z';
  // AUTH_LOG with a page size of 3 pages on last_end_time; CONVERSATION_MESSAGE in one page
  // includes files that share an end_time.
  for (const [type, limit] of [
    ['AUTH_LOG', '3'],
    ['CONVERSATION_MESSAGE', '100'],
  ] as const) {
    const files = sim.listFiles(WORKSPACE, type, after);
    assert.ok(files.length >= 4, `${type}: ${files.length} files`);
    // The script prints each body with `echo "${body}"` after `curl -w '\n%{http_code}'`, which
    // leaves one extra newline after every file: stdout is each file followed by "\n".
    const bodies = await Promise.all(files.map((f) => readAll(sim.openFile(WORKSPACE, f.id))));
    const expected = Buffer.concat(bodies.flatMap((b) => [b, Buffer.from('\n')]));
    const before = sim.stats();
    const result = await run([WORKSPACE, type, limit, after], {
      API_BASE: info.baseUrl,
      COMPLIANCE_API_KEY: info.apiKey,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.length, expected.length, `${type}: byte count`);
    assert.ok(result.stdout.equals(expected), `${type}: stdout is every file's lines, in order`);
    const lines = (b: Buffer) =>
      b
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '');
    assert.deepEqual(lines(result.stdout), lines(Buffer.concat(bodies)));
    assert.match(result.stderr, new RegExp(`Completed downloading ${files.length} log files`));
    const stats = sim.stats();
    assert.equal(stats.signedRequests - before.signedRequests, files.length);
    // The bearer never reaches the signed origin: curl -L drops the Authorization header on the
    // cross-origin hop (the cookbook), ours follows the redirect without it; nothing was refused.
    assert.equal(stats.authHeadersOnSigned, 0);
  }
});
