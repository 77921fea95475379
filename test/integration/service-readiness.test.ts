import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { type RunningService, startService, WHOLE } from '../../src/app/service/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { httpGet, LiveSim, serviceConfig, WINDOW_MS, waitFor } from './service-helpers.ts';

/**
 * A plain TCP syslog receiver (newline framing) that can go away and come back on its port;
 * it keeps the event ids of every message it read.
 */
class Receiver {
  readonly ids = new Set<string>();
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  port = 0;

  async listen(): Promise<void> {
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        for (const m of text.matchAll(/"event_id":"([^"]+)"/g)) this.ids.add(m[1]!);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Goes down: stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const tmp = new TempDirs();
const live = new LiveSim('service-readiness-test');
const receiver = new Receiver();
let svc: RunningService | undefined;
const stop = new AbortController();

before(async () => {
  await live.start();
  await receiver.listen();
});
after(async () => {
  stop.abort();
  await svc?.done;
  await receiver.close();
  await live.sim.stop();
  await tmp.cleanup();
});

test('/readyz turns not ready when a sink goes down and ready again when it returns, and nothing is lost', async () => {
  const workspace = live.info.sampleWorkspaceId;
  const now = live.sim.now().getTime();
  const lookback = new Date(
    Math.floor(now / WINDOW_MS) * WINDOW_MS - 4 * WINDOW_MS + WINDOW_MS / 2,
  ).toISOString();
  const config = serviceConfig(
    live.info,
    { state: await tmp.make(), out: await tmp.make() },
    [{ id: workspace, eventTypes: ['AUDIT_LOG'] }],
    {
      service: { lookback },
      sinks: [
        {
          type: 'syslog',
          name: 'siem',
          url: `tcp://127.0.0.1:${receiver.port}`,
          framing: 'newline',
          lingerMs: 10,
          retryInitialDelayMs: 20,
          retryMaxDelayMs: 100,
          retryMaxAttempts: 10_000,
        },
      ],
    },
  );
  svc = await startService(config, {
    logger: silentLogger(),
    metrics: new Metrics(),
    signal: stop.signal,
    shard: WHOLE,
  });
  const port = svc.httpPort;
  const first = live.expectedIds(workspace, ['AUDIT_LOG'], lookback);
  await waitFor('the first files at the receiver', () => [...first].every((id) => receiver.ids.has(id)));
  await waitFor('ready', async () => (await httpGet(port, '/readyz')).status === 200);

  await receiver.close();
  const down = await waitFor('not ready while the receiver is down', async () => {
    const r = await httpGet(port, '/readyz');
    return r.status === 503
      ? (JSON.parse(r.body) as { reasons: string[]; sinks: Array<{ ready: boolean }> })
      : undefined;
  });
  assert.match(down.reasons.join(' '), /Sink siem is not ready/);
  assert.equal(down.sinks[0]!.ready, false);
  assert.equal((await httpGet(port, '/healthz')).status, 200, 'still alive: a restart would not help');

  // New files appear while it is down; the receiver comes back on the same port.
  live.advance(2 * WINDOW_MS);
  await receiver.listen();
  await waitFor('ready again', async () => (await httpGet(port, '/readyz')).status === 200);
  const all = live.expectedIds(workspace, ['AUDIT_LOG'], lookback);
  assert.ok(all.size > first.size, 'new files appeared upstream');
  await waitFor('every event at the receiver', () => [...all].every((id) => receiver.ids.has(id)));

  stop.abort();
  assert.equal((await svc.done).error, undefined);
});
