import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PartitionLanes } from '../../../../src/sinks/kafka/lanes.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('partition lanes', () => {
  it('runs one task at a time per lane, in order, even when one fails; lanes run side by side', async () => {
    const lanes = new PartitionLanes();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = lanes.run('t/0', 1, async () => {
      log.push('a:start');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('a:end');
      throw new Error('a failed');
    });
    const second = lanes.run('t/0', 1, async () => {
      log.push('b');
    });
    const other = lanes.run('t/1', 1, async () => {
      log.push('other');
    });
    await tick();
    assert.deepEqual(log, ['a:start', 'other'], 'b waits for a; the other partition does not');
    releaseFirst();
    await assert.rejects(first, /a failed/);
    await second;
    await other;
    assert.deepEqual(log, ['a:start', 'other', 'a:end', 'b']);
    await tick();
    assert.equal(lanes.busy, 0, 'idle lanes are forgotten');
  });

  it('with width 3, starts tasks in queue order, at most 3 at once, and a failure holds up nothing', async () => {
    const lanes = new PartitionLanes();
    const started: number[] = [];
    const release = new Map<number, (fail: boolean) => void>();
    const results = Array.from({ length: 5 }, (_, i) =>
      lanes.run('t/0', 3, async () => {
        started.push(i);
        const fail = await new Promise<boolean>((r) => release.set(i, r));
        if (fail) throw new Error(`task ${i} failed`);
        return i;
      }),
    );
    await tick();
    assert.deepEqual(started, [0, 1, 2], 'three at once, in order');
    release.get(1)!(true);
    await assert.rejects(results[1]!, /task 1 failed/);
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3], 'a settled task (failed or not) lets the next start');
    release.get(0)!(false);
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    for (const i of [2, 3, 4]) release.get(i)!(false);
    assert.deepEqual(await Promise.all([results[0], results[2], results[3], results[4]]), [0, 2, 3, 4]);
    await tick();
    assert.equal(lanes.busy, 0);
  });
});
