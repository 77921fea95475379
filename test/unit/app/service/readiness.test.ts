import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateReadiness, type ReadinessInputs } from '../../../../src/app/service/index.ts';
import { CfError } from '../../../../src/core/errors/index.ts';
import { MemoryDeadLetter } from '../../../../src/engine/dead-letter-file.ts';
import { createBlackholeSink } from '../../../../src/sinks/blackhole/index.ts';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import { Metrics } from '../../../../src/telemetry/metrics.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function inputs(overrides: Partial<ReadinessInputs> = {}): Promise<ReadinessInputs> {
  const stateDir = await mkdtemp(join(tmpdir(), 'cf-ready-'));
  dirs.push(stateDir);
  const sink = createBlackholeSink(
    { type: 'blackhole', batchMaxCount: 10 },
    {
      logger: silentLogger(),
      metrics: new Metrics(),
      deadLetter: new MemoryDeadLetter(),
      signal: new AbortController().signal,
    },
  );
  return {
    phase: 'running',
    shard: '0/1',
    sinks: [sink],
    stateDir,
    streams: [],
    failingThresholdMs: 60_000,
    nowMs: 1_000_000,
    ...overrides,
  };
}

const failingSince = (since: number) => ({
  stream: 'workspace/w/AUDIT_LOG',
  failingSince: since,
  lastError: new CfError('CF_ERR_HTTP_SERVER', 'The API answered 503.'),
  checkpointEndTime: undefined,
  lastSuccessAt: undefined,
});

test('ready while running with sinks up, state writable and no stream failing for long', async () => {
  const r = await evaluateReadiness(await inputs());
  assert.equal(r.ready, true);
  assert.deepEqual(r.reasons, []);
  const brief = await evaluateReadiness(await inputs({ streams: [failingSince(1_000_000 - 30_000)] }));
  assert.equal(brief.ready, true, 'a failure shorter than the threshold is retried quietly');
  assert.equal((brief.streams as { failing: unknown[] }).failing.length, 1, 'but it is shown');
});

test('not ready while starting or stopping, with a stream failing too long, or with the state not writable', async () => {
  assert.equal((await evaluateReadiness(await inputs({ phase: 'stopping' }))).ready, false);
  const long = await evaluateReadiness(await inputs({ streams: [failingSince(1_000_000 - 61_000)] }));
  assert.equal(long.ready, false);
  assert.match(
    (long.reasons as string[])[0]!,
    /workspace\/w\/AUDIT_LOG has been failing for 61 s \(CF_ERR_HTTP_SERVER\)/,
  );

  // A file where the checkpoints directory should be: no write can succeed, even as root.
  const base = await inputs();
  await mkdir(base.stateDir, { recursive: true });
  await writeFile(join(base.stateDir, 'checkpoints'), 'not a directory');
  const state = await evaluateReadiness(base);
  assert.equal(state.ready, false);
  assert.equal((state.state as { writable: boolean }).writable, false);
  assert.match((state.reasons as string[]).join(' '), /is not writable/);
});

test('a destroyed sink makes the service not ready', async () => {
  const base = await inputs();
  base.sinks[0]!.destroy();
  const r = await evaluateReadiness(base);
  assert.equal(r.ready, false);
  assert.match((r.reasons as string[]).join(' '), /Sink blackhole is not ready/);
});
