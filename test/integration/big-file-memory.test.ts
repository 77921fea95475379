import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/simulator/index.ts';
import { spawnCli } from '../helpers/cli.ts';

/*
 * A 1 GB file through a sink throttled to about 5 MB/s: the export's memory stays flat (the
 * slow reader slows the download instead of growing a queue) and every line arrives.
 * The throttle is the reader of the stdout sink's pipe, as a slow consumer would be.
 */
const FILE_BYTES = 1_000_000_000;
const READ_BYTES_PER_SECOND = 5 * 1024 * 1024;
const RSS_LIMIT_BYTES = 200 * 1024 * 1024;

let sim: Simulator;
let env: Record<string, string>;
let workspace: string;
let window: { after: string; before: string };
const dir = mkdtempSync(join(tmpdir(), 'cf-big-'));
const config = join(dir, 'c.yaml');

before(async () => {
  const end = new Date(Math.floor((Date.now() - 86_400_000) / 600_000) * 600_000);
  sim = new Simulator({
    port: 0,
    seed: 'big-file',
    profiles: { AUTH_LOG: { fileRatio: 0 } },
    extraFiles: [{ eventType: 'AUTH_LOG', endTime: end, sizeBytes: FILE_BYTES }],
    faults: {
      rateLimit: { list: { limit: 1000, windowMs: 1000 }, download: { limit: 1000, windowMs: 1000 } },
    },
  });
  const info = await sim.start();
  workspace = info.sampleWorkspaceId;
  env = { COMPLIANCE_API_KEY: info.apiKey, COMPLIANCE_API_BASE: info.baseUrl };
  window = {
    after: new Date(end.getTime() - 600_000).toISOString(),
    before: new Date(end.getTime() + 1000).toISOString(),
  };
});
after(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

test('a 1 GB file through a 5 MB/s sink stays under 200 MB RSS and delivers every line', async (t) => {
  const files = sim.listFiles(workspace, 'AUTH_LOG', window.after, window.before);
  assert.equal(files.length, 1);
  assert.ok(files[0]!.sizeBytes >= FILE_BYTES);
  // Every line counts here, upstream repeats included.
  writeFileSync(config, 'enrich:\n  metadataKey: null\n  dedupe:\n    enabled: false\n');
  let expectedLines = 0;
  for await (const c of sim.openFile(workspace, files[0]!.id)) {
    const buf = c as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) expectedLines++;
  }

  const child = spawnCli(
    [
      'export',
      '--principal',
      workspace,
      '--event-type',
      'AUTH_LOG',
      '--after',
      window.after,
      '--before',
      window.before,
      '--sink',
      'stdout',
      '--no-progress',
      '--config',
      config,
    ],
    env,
  );
  let peak = 0;
  const sampler = setInterval(() => {
    const rss = rssOf(child.pid!);
    if (rss !== undefined) peak = Math.max(peak, rss);
  }, 100);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  // Read stdout at ~5 MB/s: pause after each chunk for as long as its size allows.
  let lines = 0;
  let bytes = 0;
  const started = Date.now();
  const out = child.stdout!;
  out.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    const dueMs = (bytes / READ_BYTES_PER_SECOND) * 1000 - (Date.now() - started);
    if (dueMs > 0) {
      out.pause();
      setTimeout(() => out.resume(), dueMs);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(sampler);
  assert.equal(code, 0, stderr);
  assert.equal(lines, expectedLines, 'every line of the file arrived');
  assert.ok(peak > 0, 'RSS was sampled');
  assert.ok(peak < RSS_LIMIT_BYTES, `peak RSS ${(peak / 1048576).toFixed(1)} MiB`);
  t.diagnostic(`${(bytes / 1e9).toFixed(2)} GB read at 5 MB/s, peak RSS ${(peak / 1048576).toFixed(1)} MiB`);
});
