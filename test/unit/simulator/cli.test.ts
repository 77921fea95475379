import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIo } from '../../../src/cli/command.js';
import { main } from '../../../src/cli/main.js';
import { simulateCommand, simulateOptions } from '../../../src/cli/simulate.js';
import { bearer, get, listUrl } from './sim-http.js';

function io(signal: AbortSignal) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const value: CommandIo = { stdout, stderr, env: {}, isTty: false, signal };
  return { io: value, out: () => out, err: () => err };
}

function parseEnvLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

test('simulate prints the four COMPLIANCE_* lines, serves them, and returns 0 when aborted', async () => {
  const controller = new AbortController();
  const stdio = io(controller.signal);
  const running = simulateCommand.run(['--port', '0', '--seed', 'cli'], stdio.io);
  while (!stdio.out().includes('COMPLIANCE_ORG_ID=')) await new Promise((r) => setTimeout(r, 10));
  const lines = stdio.out().trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.slice(0, l.indexOf('='))),
    ['COMPLIANCE_API_BASE', 'COMPLIANCE_API_KEY', 'COMPLIANCE_WORKSPACE_ID', 'COMPLIANCE_ORG_ID'],
  );
  const env = parseEnvLines(stdio.out());
  assert.match(env.COMPLIANCE_API_BASE!, /^http:\/\/127\.0\.0\.1:\d+\/v1\/compliance$/);
  assert.match(env.COMPLIANCE_ORG_ID!, /^org-/);
  const info = { baseUrl: env.COMPLIANCE_API_BASE! } as Parameters<typeof listUrl>[0];
  const r = await get(
    listUrl(info, env.COMPLIANCE_WORKSPACE_ID!, {
      event_type: 'AUDIT_LOG',
      after: new Date(Date.now() - 3_600_000).toISOString(),
    }),
    bearer(env.COMPLIANCE_API_KEY!),
  );
  assert.equal(r.status, 200);
  controller.abort();
  assert.equal(await running, 0);
  await assert.rejects(
    get(listUrl(info, env.COMPLIANCE_WORKSPACE_ID!, { event_type: 'AUDIT_LOG', after: 'x' })),
  );
});

test('bad flags are usage errors (exit 2) naming the problem', async () => {
  for (const [args, pattern] of [
    [['--reset-ratio', '2'], /reset-ratio/],
    [['--span', '7 days'], /span/],
    [['--port', 'http'], /port/],
    [['--no-such-flag'], /no-such-flag/],
    [['--speed', '-3'], /speed/],
  ] as const) {
    const stdio = io(AbortSignal.abort());
    assert.equal(await main(['simulate', ...args], stdio.io), 2, args.join(' '));
    assert.match(stdio.err(), pattern);
  }
});

test('fault and limit flags become simulator options', () => {
  const options = simulateOptions([
    '--port',
    '9000',
    '--span',
    '36h',
    '--downloads-per-minute',
    '0',
    '--lists-per-minute',
    '10',
    '--crlf-ratio',
    '0.5',
    '--server-error-ratio',
    '.25',
    '--slow-bytes-per-second',
    '1000',
    '--speed',
    '60',
  ]);
  assert.equal(options.port, 9000);
  assert.equal(options.downloadPort, 9001);
  assert.equal(options.spanMs, 36 * 3_600_000);
  assert.deepEqual(options.live, { speed: 60 });
  assert.deepEqual(options.faults?.rateLimit, { download: null, list: { limit: 10, windowMs: 60_000 } });
  assert.equal(options.faults?.crlf, 0.5);
  assert.equal(options.faults?.listServerErrors, 0.25);
  assert.equal(options.faults?.downloadServerErrors, 0.25);
  assert.deepEqual(options.faults?.slowBody, { bytesPerSecond: 1000 });
});

test('the compliance-forwarder binary runs simulate until SIGTERM', async (t) => {
  const bin = fileURLToPath(new URL('../../../src/cli/bin.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', bin, 'simulate', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  while (!out.includes('COMPLIANCE_ORG_ID=')) {
    if (child.exitCode !== null) assert.fail(`exited early with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(out, /^COMPLIANCE_API_BASE=http:\/\/127\.0\.0\.1:\d+\/v1\/compliance\n/);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
