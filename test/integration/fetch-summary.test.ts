import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';

/*
 * fetch's summary on stderr ends with `last_end_time=<ISO>`: the end_time of the last file
 * delivered, the `after` the cookbook's users pass to the next run of a chain.
 */
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;

before(async () => {
  sim = new Simulator({
    port: 0,
    seed: 'fetch-summary',
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
});
after(() => sim.stop());

const lastEndTime = (stderr: string) => /^last_end_time=(\S+)$/m.exec(stderr)?.[1];

test("fetch prints last_end_time, the last file's end_time, and a chained run from it starts after it", async () => {
  const since = new Date(Math.floor((sim.now().getTime() - 3 * 3_600_000) / 600_000) * 600_000).toISOString();
  const files = sim.listFiles(workspace, 'AUTH_LOG', since);
  assert.ok(files.length > 3);
  const r = await runCli(['fetch', workspace, 'AUTH_LOG', '5', since], env);
  assert.equal(r.code, 0, r.stderr);
  const last = files.at(-1)!.endTime;
  assert.equal(lastEndTime(r.stderr), last);
  assert.match(r.stderr, new RegExp(`Completed downloading ${files.length} log files up to ${last}`));
  assert.ok(!r.stdout.includes('last_end_time'), 'stdout carries only the data');

  // The next run of a chain: nothing new yet, and it says so; last_end_time stays put.
  const next = await runCli(['fetch', workspace, 'AUTH_LOG', '5', lastEndTime(r.stderr)!], env);
  assert.equal(next.code, 0, next.stderr);
  assert.equal(next.stdout, '');
  assert.match(next.stderr, /No results found for event_type AUTH_LOG after /);
  assert.equal(Date.parse(lastEndTime(next.stderr)!), Date.parse(last));
});
