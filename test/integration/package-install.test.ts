/**
 * The package as a user gets it: `npm pack`, installed from the tarball into an empty project,
 * then imported and run there (an export from the simulator into files through the library API),
 * and its `compliance-forwarder` bin answering. Nothing of this checkout is on the import path.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;
let dir: string;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist/index.js')), 'dist/ is not built: run `npm run build` first');
  dir = await mkdtemp(join(tmpdir(), 'cf-package-'));
  // dist/ is what npm test just built; the pack step must not rebuild it under the other tests.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
    cwd: ROOT,
  });
  const tarball = join(dir, packed.stdout.trim().split('\n').pop()!);
  const app = join(dir, 'app');
  await run('mkdir', ['-p', app]);
  await writeFile(
    join(app, 'package.json'),
    '{ "name": "embeds-the-forwarder", "private": true, "type": "module" }\n',
  );
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--omit=dev', tarball],
    { cwd: app, timeout: 300_000 },
  );
});
after(() => rm(dir, { recursive: true, force: true }));

test('the packed package installs from its tarball and exports a typed library entry', async () => {
  const app = join(dir, 'app');
  const pkg = join(app, 'node_modules/compliance-forwarder');
  assert.ok(existsSync(join(pkg, 'dist/index.d.ts')), 'the tarball carries no type declarations');
  const tests = (await readdir(pkg)).filter((n) => n === 'test' || n === 'src');
  assert.deepEqual(tests, [], 'the tarball carries sources or tests');
  const script = `
    import { Metrics, Simulator, VERSION, runExportJob, silentLogger, validateConfig } from 'compliance-forwarder';
    import { readdirSync, readFileSync } from 'node:fs';
    const sim = new Simulator({ port: 0, seed: 'package-test' });
    const info = await sim.start();
    const out = process.argv[2];
    const config = validateConfig({
      source: { baseUrl: info.baseUrl, apiKey: { value: info.apiKey } },
      sinks: [{ type: 'file', directory: out }],
    });
    const after = new Date(sim.now().getTime() - 2 * 3600_000).toISOString();
    const summary = await runExportJob(
      config,
      { principalId: info.sampleWorkspaceId, eventTypes: ['AUTH_LOG'], after },
      { logger: silentLogger(), metrics: new Metrics(), signal: new AbortController().signal },
    );
    await sim.stop();
    const lines = readdirSync(out)
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) => readFileSync(out + '/' + n, 'utf8').split('\\n').filter(Boolean));
    console.log(JSON.stringify({ version: VERSION, error: summary.error?.code, records: lines.length }));
  `;
  await writeFile(join(app, 'embed.mjs'), script);
  const r = await run(process.execPath, ['embed.mjs', join(dir, 'out')], { cwd: app, timeout: 120_000 });
  const result = JSON.parse(r.stdout) as { version: string; error?: string; records: number };
  assert.equal(result.version, VERSION);
  assert.equal(result.error, undefined);
  assert.ok(result.records > 0, 'the embedded export wrote no record');
});

test('the installed bin answers --version with the package version', async () => {
  const r = await run(join(dir, 'app/node_modules/.bin/compliance-forwarder'), ['--version'], {
    cwd: join(dir, 'app'),
  });
  assert.match(r.stdout, new RegExp(VERSION.replace(/\./g, '\\.')));
});
