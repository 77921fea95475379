import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CfError } from '../../../../src/core/errors/index.js';
import { AckTracker } from '../../../../src/sinks/splunk-hec/ack-tracker.js';
import { silentLogger } from '../../../../src/telemetry/logger.js';

/** A scripted ack endpoint: answers each poll from `answer`, recording what was asked. */
function endpoint(answer: (ids: readonly number[], poll: number) => Record<string, boolean>) {
  const asked: number[][] = [];
  return {
    asked,
    poll: async (ids: readonly number[]) => {
      asked.push([...ids]);
      return answer(ids, asked.length);
    },
  };
}

test('an id resolves "indexed" once a poll reports it true, polling all pending ids together', async () => {
  const ep = endpoint((ids, poll) => Object.fromEntries(ids.map((id) => [id, poll >= 2])));
  const tracker = new AckTracker(ep.poll, { pollIntervalMs: 1, maxPolls: 5 }, silentLogger());
  const results = await Promise.all([tracker.wait(0), tracker.wait(1)]);
  assert.deepEqual(results, ['indexed', 'indexed']);
  assert.deepEqual(ep.asked, [
    [0, 1],
    [0, 1],
  ]);
  assert.equal(tracker.size, 0);
});

test('an id never reported indexed times out after maxPolls polls', async () => {
  const ep = endpoint((ids) => Object.fromEntries(ids.map((id) => [id, false])));
  const tracker = new AckTracker(ep.poll, { pollIntervalMs: 1, maxPolls: 3 }, silentLogger());
  assert.equal(await tracker.wait(7), 'timed-out');
  assert.equal(ep.asked.length, 3);
});

test('transient poll failures count as polls; a fatal one rejects every waiter', async () => {
  const flaky = new AckTracker(
    async () => {
      throw new CfError('CF_ERR_SOCKET', 'reset');
    },
    { pollIntervalMs: 1, maxPolls: 2 },
    silentLogger(),
  );
  assert.equal(await flaky.wait(1), 'timed-out');

  const refused = new AckTracker(
    async () => {
      throw new CfError('CF_ERR_SINK_AUTH', 'token refused');
    },
    { pollIntervalMs: 1, maxPolls: 10 },
    silentLogger(),
  );
  await assert.rejects(Promise.all([refused.wait(1), refused.wait(2)]), { code: 'CF_ERR_SINK_AUTH' });
  assert.equal(refused.size, 0);
});

test('close rejects pending waiters and stops polling', async () => {
  const ep = endpoint(() => ({}));
  const tracker = new AckTracker(ep.poll, { pollIntervalMs: 60_000, maxPolls: 10 }, silentLogger());
  const waiting = tracker.wait(3);
  tracker.close();
  await assert.rejects(waiting, { code: 'CF_ERR_ABORTED' });
  assert.equal(ep.asked.length, 0);
  await assert.rejects(tracker.wait(4), { code: 'CF_ERR_ABORTED' });
});

test('an ack id issued again (HEC restarted) resends the older batch instead of trusting the ack', async () => {
  const ep = endpoint((ids) => Object.fromEntries(ids.map((id) => [id, true])));
  const tracker = new AckTracker(ep.poll, { pollIntervalMs: 1, maxPolls: 5 }, silentLogger());
  const first = tracker.wait(0);
  const second = tracker.wait(0);
  assert.equal(await first, 'timed-out');
  assert.equal(await second, 'indexed');
});
