import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';

/*
 * OpenAI adds event types over time: `export` and `fetch` take a well-formed type outside the
 * built-in list, warn once, and ask the API (which here, the simulator, does not know it yet).
 * A malformed one is still a configuration error.
 */
const tmp = new TempDirs();
let sim: Simulator;
let env: Record<string, string>;
let workspace: string;

before(async () => {
  sim = new Simulator({ port: 0, seed: 'unknown-event-types' });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
});
after(async () => {
  await sim.stop();
  await tmp.cleanup();
});

test('export takes a type the API added since, warns once, and asks the API for it', async () => {
  const dir = await tmp.make();
  const before = sim.stats().listRequests;
  const r = await runCli(
    ['export', '--principal', workspace, '--event-type', 'BRAND_NEW_LOG', '--after', '-1h', '--out', dir],
    env,
  );
  // The simulator, like an API that does not serve the type, answers 400: the export fails there.
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.match(/outside the built-in list/g)?.length, 1, r.stderr);
  assert.match(r.stderr, /BRAND_NEW_LOG/);
  assert.ok(sim.stats().listRequests > before, 'the API was asked');
});

test('fetch too; a malformed type is still refused before any request', async () => {
  const r = await runCli(['fetch', workspace, 'BRAND_NEW_LOG', '1', '-1h'], env);
  assert.match(r.stderr, /outside the built-in list/);
  assert.doesNotMatch(r.stderr, /must be one of/);
  const before = sim.stats().listRequests;
  const bad = await runCli(['fetch', workspace, 'brand new', '1', '-1h'], env);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /must be one of/);
  assert.equal(sim.stats().listRequests, before);
});
