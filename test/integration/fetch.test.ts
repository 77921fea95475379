import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { collect, runCli } from '../helpers/cli.ts';
import { cookbookFlowScript } from '../helpers/cookbook.ts';

let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
let since: string;

before(async () => {
  // Generous server limits: the cookbook script has no limiter and would stop at the first 429.
  sim = new Simulator({
    port: 0,
    seed: 'fetch-test',
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  // About 30 AUTH_LOG files up to now: within fetch's default 50 downloads a minute.
  since = new Date(Math.floor((sim.now().getTime() - 5 * 3_600_000) / 600_000) * 600_000).toISOString();
});
after(() => sim.stop());

/** The files' bytes in list order, each ending in one newline, as the cookbook prints them. */
async function expectedStdout(eventType: 'AUTH_LOG'): Promise<string> {
  let out = '';
  for (const f of sim.listFiles(workspace, eventType, since)) {
    const chunks: Buffer[] = [];
    for await (const c of sim.openFile(workspace, f.id)) chunks.push(c as Buffer);
    out += `${Buffer.concat(chunks).toString('utf8').replace(/\n+$/, '')}\n`;
  }
  return out;
}

test('fetch prints every line of every file in list order, like the cookbook promises', async () => {
  const r = await runCli(['fetch', workspace, 'AUTH_LOG', '7', since], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await expectedStdout('AUTH_LOG'));
  assert.equal(sim.stats().authHeadersOnSigned, 0);
});

test("fetch and the cookbook's flow (OpenAI's script, or ours without the seed) produce the same lines", async (t) => {
  const { path: script, origin } = await cookbookFlowScript();
  t.diagnostic(`script: ${origin} (${script})`);
  const cookbook = await collect(
    spawn('bash', [script, workspace, 'AUTH_LOG', '7', since], {
      env: {
        PATH: process.env.PATH ?? '',
        COMPLIANCE_API_KEY: env.COMPLIANCE_API_KEY!,
        API_BASE: env.COMPLIANCE_API_BASE!,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  assert.equal(cookbook.code, 0, cookbook.stderr);
  const ours = await runCli(['fetch', workspace, 'AUTH_LOG', '7', since], env);
  assert.equal(ours.code, 0, ours.stderr);
  // The script echoes each body after curl's own trailing newline: a blank line after every
  // file. Records are the non-blank lines; those must be the same, in the same order.
  const lines = (s: string) => s.split('\n').filter((l) => l !== '');
  assert.ok(lines(cookbook.stdout).length > 100);
  assert.deepEqual(lines(ours.stdout), lines(cookbook.stdout));
});

test('fetch exits 2 on usage errors and 1 when an error survives the retries', async () => {
  const usage = await runCli(['fetch', workspace, 'AUTH_LOG'], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Usage: compliance-forwarder fetch/);
  const badLimit = await runCli(['fetch', workspace, 'AUTH_LOG', '500', since], env);
  assert.equal(badLimit.code, 2);
  const wrongKey = await runCli(['fetch', workspace, 'AUTH_LOG', '10', since], {
    ...env,
    COMPLIANCE_API_KEY: 'sk-wrong-key-123456',
  });
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /CF_ERR_HTTP_AUTH/);
  assert.ok(!wrongKey.stderr.includes('sk-wrong-key-123456'), 'the key is never printed');
});
