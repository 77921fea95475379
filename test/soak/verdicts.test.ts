import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  copiesStraddleRestart,
  deliveryVerdict,
  type FaultWindow,
  inFlightAtRestart,
  lagRecoveries,
  lagVerdict,
  loopDelayVerdict,
  memoryFloors,
  readBeforeRestart,
  type Sample,
  slopePerHour,
  slopeVerdicts,
  tallySink,
} from './verdicts.ts';

const MIN = 60_000;

function sample(t: number, over: Partial<Sample> = {}): Sample {
  return {
    t,
    pid: 1,
    rssMiB: 100,
    fds: 30,
    heapUsedMiB: 40,
    externalMiB: 2,
    arrayBuffersMiB: 1,
    handles: 12,
    loopP99Ms: 20,
    filesInFlight: 0,
    bufferedBytes: { file: 0 },
    lagSeconds: { a: 3 },
    checkpointEnds: { a: t },
    ...over,
  };
}

test('slope per hour is the least-squares fit, whatever the noise around it', () => {
  const pts = Array.from({ length: 121 }, (_, i) => ({ t: i * 30_000, y: 100 + i * 0.1 + (i % 2 ? 3 : -3) }));
  // 0.1 per 30 s is 12 per hour; the alternating noise cancels out.
  assert.ok(Math.abs(slopePerHour(pts) - 12) < 0.1, String(slopePerHour(pts)));
  assert.ok(Number.isNaN(slopePerHour([{ t: 0, y: 1 }])));
});

test('a leak in the last two thirds misses; growth before it or in a replaced process does not count', () => {
  const runMs = 60 * MIN;
  const flat = Array.from({ length: 720 }, (_, i) =>
    sample(i * 5000, { rssMiB: i * 5000 < runMs / 3 ? 50 + i : 170, pid: i < 100 ? 1 : 2 }),
  );
  const rss = slopeVerdicts(flat, runMs, true).find((v) => v.name.startsWith('RSS'))!;
  assert.equal(rss.result, 'PASS', rss.measured);
  const leaking = flat.map((s) => ({ ...s, rssMiB: 100 + (s.t / 3_600_000) * 20 }));
  assert.equal(slopeVerdicts(leaking, runMs, true).find((v) => v.name.startsWith('RSS'))!.result, 'MISS');
  assert.equal(slopeVerdicts(leaking, runMs, false)[0]!.result, 'n/a');
});

test('memory is judged on its floor: a GC sawtooth is flat, a rising floor is a leak', () => {
  const runMs = 60 * MIN;
  // Heap climbs 20 MiB over 3 minutes, then a collection drops it: flat underneath.
  const sawtooth = Array.from({ length: 720 }, (_, i) => {
    const t = i * 5000;
    return sample(t, { heapUsedMiB: 25 + ((t % (3 * MIN)) / (3 * MIN)) * 20 });
  });
  const heap = (samples: ReturnType<typeof sample>[]) =>
    slopeVerdicts(samples, runMs, true).find((v) => v.name.startsWith('V8 heap'))!;
  assert.equal(heap(sawtooth).result, 'PASS', heap(sawtooth).measured);
  // The same sawtooth on a floor that rises 4 MiB an hour.
  const leaking = sawtooth.map((s) => ({ ...s, heapUsedMiB: s.heapUsedMiB + (s.t / 3_600_000) * 4 }));
  assert.equal(heap(leaking).result, 'MISS', heap(leaking).measured);
});

test('event-loop delay is judged outside fault windows and start-up only', () => {
  const faults: FaultWindow[] = [{ name: 'burst', start: 60_000, end: 90_000, restart: false }];
  const samples = [
    sample(5_000, { loopP99Ms: 500 }),
    sample(30_000),
    sample(70_000, { loopP99Ms: 400 }),
    sample(120_000),
  ];
  assert.equal(loopDelayVerdict(samples, faults, 100).result, 'PASS');
  samples.push(sample(200_000, { loopP99Ms: 150 }));
  assert.equal(loopDelayVerdict(samples, faults, 100).result, 'MISS');
});

test('checkpoint lag must come back under its bound within the minute after each fault', () => {
  const faults: FaultWindow[] = [{ name: 'kafka down', start: 0, end: 30_000, restart: false }];
  const healed = [sample(35_000, { lagSeconds: { a: 50 } }), sample(70_000, { lagSeconds: { a: 4 } })];
  const r = lagRecoveries(healed, faults, 30);
  assert.equal(r[0]!.seconds, 40);
  assert.equal(lagVerdict(r, 30, 60).result, 'PASS');
  const stuck = [sample(35_000, { lagSeconds: { a: 50 } }), sample(120_000, { lagSeconds: { a: 4 } })];
  assert.equal(lagVerdict(lagRecoveries(stuck, faults, 30), 30, 60).result, 'MISS');
});

test('delivery: a missing id or a duplicate nothing explains misses', () => {
  const expected = new Set(['x', 'y', 'z']);
  const cause = (id: string) => (id === 'y' ? 'restart' : id === 'z' ? 'failed-poll' : undefined);
  const ok = tallySink(
    'file',
    expected,
    new Map([
      ['x', 1],
      ['y', 2],
      ['z', 2],
    ]),
    cause,
  );
  assert.deepEqual([ok.fromRestarts, ok.fromFailedPolls], [1, 1]);
  assert.equal(deliveryVerdict([ok]).result, 'PASS');
  const dup = tallySink(
    'file',
    expected,
    new Map([
      ['x', 2],
      ['y', 1],
      ['z', 1],
    ]),
    cause,
  );
  assert.equal(deliveryVerdict([dup]).result, 'MISS');
  assert.deepEqual(dup.unexplainedSample, ['x']);
  const lost = tallySink(
    'kafka',
    expected,
    new Map([
      ['x', 1],
      ['y', 1],
    ]),
    () => undefined,
  );
  assert.equal(lost.missing, 1);
  assert.equal(deliveryVerdict([ok, lost]).result, 'MISS');
});

test('copies read on both sides of a restart are its in-flight duplicates', () => {
  const faults: FaultWindow[] = [{ name: 'SIGKILL', start: 100_000, end: 101_000, restart: true }];
  assert.equal(copiesStraddleRestart([98_000, 104_000], faults), true);
  assert.equal(copiesStraddleRestart([10_000, 104_000], faults), false, 'read long before the restart');
  assert.equal(copiesStraddleRestart([200_000, 201_000], faults), false, 'both copies after it');
  assert.equal(readBeforeRestart(97_000, faults), true, 'a sink resent what it had just sent');
  assert.equal(readBeforeRestart(20_000, faults), false);
});

test('a duplicate is explained when it lay between the checkpoints around a restart', () => {
  const faults: FaultWindow[] = [{ name: 'SIGKILL', start: 100_000, end: 101_000, restart: true }];
  const samples = [
    sample(95_000, { checkpointEnds: { a: 500 } }),
    sample(135_000, { checkpointEnds: { a: 900 } }),
  ];
  assert.equal(inFlightAtRestart('a', 700, samples, faults), true);
  assert.equal(inFlightAtRestart('a', 400, samples, faults), false);
  assert.equal(inFlightAtRestart('a', 950, samples, faults), false);
});

test("memory floors split RSS into its parts, and skip a part the run's samples do not have", () => {
  const runMs = 30 * MIN;
  // Every 5 s over the last two thirds: anonymous memory's floor rises 1 MiB per 5 minutes, the
  // file-backed part stays at 50 with a sawtooth above it.
  const samples = Array.from({ length: 360 }, (_, i) => {
    const t = i * 5000;
    const anon = 60 + Math.floor(t / (5 * MIN)) + (i % 12);
    return sample(t, { rssAnonMiB: anon, rssFileMiB: 50 + (i % 3), rssMiB: anon + 50 + (i % 3) });
  });
  const floors = Object.fromEntries(memoryFloors(samples, runMs).map((f) => [f.name, f.floors]));
  assert.deepEqual(floors['RSS anonymous'], [62, 63, 64, 65]);
  assert.deepEqual(floors['RSS file-backed'], [50, 50, 50, 50]);
  assert.deepEqual(floors.RSS, [112, 113, 114, 115]);
  assert.equal(floors['V8 heap committed'], undefined, 'not sampled: left out');
});
