import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PartitionLanes } from '../../../../src/sinks/kafka/lanes.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('partition lanes', () => {
  it('runs one task at a time per lane, in order, even when one fails; lanes run side by side', async () => {
    const lanes = new PartitionLanes();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = lanes.run('t/0', async () => {
      log.push('a:start');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('a:end');
      throw new Error('a failed');
    });
    const second = lanes.run('t/0', async () => {
      log.push('b');
    });
    const other = lanes.run('t/1', async () => {
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
});
