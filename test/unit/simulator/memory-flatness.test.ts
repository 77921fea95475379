import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { SimulatorInfo } from '../../../src/simulator/index.js';
import { bearer, downloadUrl, WORKSPACE } from './sim-http.js';

const GIB = 1024 ** 3;
const MB = 1e6;
/**
 * Bounds far below what holding the file would add (1 GB; a quarter of it fails too), above what
 * garbage alone can reach: the generated chunks are external memory, which V8 collects once some
 * 64 MiB of it is pending, so on Node 24 with the cores busy (the suite runs two files at once)
 * the peak rose 105-113 MB above the idle RSS in half the runs, 40 MB when the machine is idle.
 * The child runs TypeScript through tsx, whose loader thread alone takes ~45 MB, so the process
 * idles at ~105-120 MB before serving.
 */
const GROWTH_LIMIT = 160 * MB;
const PEAK_RSS_LIMIT = 300 * MB;

test('serving a 1 GiB file, to a fast reader and to a stalled one, keeps the simulator memory flat', async (t) => {
  const child = fork(
    fileURLToPath(new URL('./fixtures/big-file-server.ts', import.meta.url)),
    [String(GIB)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill();
  });
  const [ready] = (await once(child, 'message')) as [
    { info: SimulatorInfo; fileId: string; sizeBytes: number; readyRss: number },
  ];
  assert.ok(ready.sizeBytes >= GIB);

  const redirect = await request(downloadUrl(ready.info, WORKSPACE, ready.fileId), {
    headers: bearer(ready.info.apiKey),
  });
  await redirect.body.dump();
  assert.equal(redirect.statusCode, 307);
  const started = performance.now();
  const res = await request(String(redirect.headers.location));
  let received = 0;
  for await (const chunk of res.body) received += chunk.length; // a client that discards the data
  const seconds = (performance.now() - started) / 1000;
  assert.equal(received, ready.sizeBytes);

  // A client that stops reading: the simulator must wait for drain, not keep generating.
  const again = await request(downloadUrl(ready.info, WORKSPACE, ready.fileId), {
    headers: bearer(ready.info.apiKey),
  });
  await again.body.dump();
  const stuck = await request(String(again.headers.location));
  const reader = stuck.body[Symbol.asyncIterator]();
  assert.equal((await reader.next()).done, false);
  await sleep(700);

  child.send('peak');
  const [{ peakRss }] = (await once(child, 'message')) as [{ peakRss: number }];
  stuck.body.destroy();
  t.diagnostic(
    `1 GiB served at ${(received / 2 ** 20 / seconds).toFixed(0)} MiB/s (informational); simulator RSS ${(ready.readyRss / MB).toFixed(0)} MB ready, ${(peakRss / MB).toFixed(0)} MB peak`,
  );
  assert.ok(
    peakRss - ready.readyRss < GROWTH_LIMIT,
    `RSS grew by ${((peakRss - ready.readyRss) / MB).toFixed(0)} MB`,
  );
  assert.ok(peakRss < PEAK_RSS_LIMIT, `peak RSS ${(peakRss / MB).toFixed(0)} MB`);
  child.send('stop');
  await once(child, 'exit');
});
