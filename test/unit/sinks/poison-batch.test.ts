import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CfError } from '../../../src/core/errors/index.ts';
import {
  halves,
  isTransportFailure,
  POISON_AFTER_FAILURES,
  PoisonGuard,
  poisonRecordEntry,
  poisonThreshold,
} from '../../../src/sinks/shared/poison-batch.ts';
import { makeRecord } from '../../helpers/records.ts';

const reset = () => new CfError('CF_ERR_SOCKET', 'ECONNRESET: socket hang up');

test('K is 3, never more than the attempts the policy allows', () => {
  assert.equal(POISON_AFTER_FAILURES, 3);
  assert.equal(poisonThreshold(10), 3);
  assert.equal(poisonThreshold(2), 2);
  assert.equal(poisonThreshold(0), 3, '0 means unlimited attempts');
});

test('only resets and timeouts are transport failures; answers are not', () => {
  assert.equal(isTransportFailure(reset()), true);
  assert.equal(isTransportFailure(new CfError('CF_ERR_TIMEOUT', 'headers timeout')), true);
  assert.equal(isTransportFailure(new CfError('CF_ERR_SINK_AUTH', '401')), false);
  assert.equal(isTransportFailure(new CfError('CF_ERR_SINK_RETRIABLE', '503')), false);
  assert.equal(
    isTransportFailure(new CfError('CF_ERR_SINK_CONNECT', 'closed'), new Set(['CF_ERR_SINK_CONNECT'])),
    true,
    'a sink can name its own transport codes',
  );
});

test('K transport failures in a row, and a request sent since they began succeeded: poison', async () => {
  const guard = new PoisonGuard({ threshold: 3 });
  const watch = guard.watch();
  guard.started(); // the failing request's first attempt
  assert.equal(await watch.isPoison(reset()), false);
  guard.succeeded(guard.started()); // another request, sent after, got through
  assert.equal(await watch.isPoison(reset()), false);
  assert.equal(await watch.isPoison(reset()), true);
  assert.equal(watch.failures, 3);
});

test('a request already on the wire when the streak began proves nothing, even if it succeeds later', async () => {
  const guard = new PoisonGuard({ threshold: 2 });
  const earlier = guard.started();
  guard.succeeded(guard.started());
  const watch = guard.watch();
  guard.started();
  assert.equal(await watch.isPoison(reset()), false);
  guard.succeeded(earlier); // its answer arrives after the failure
  for (let i = 0; i < 10; i++) assert.equal(await watch.isPoison(reset()), false);
});

test('a mark taken before a split makes the later parts evidence for each other', async () => {
  const guard = new PoisonGuard({ threshold: 2 });
  const since = guard.mark();
  const part = guard.watch(since);
  await part.isPoison(reset());
  guard.succeeded(guard.started()); // the sibling part
  assert.equal(await part.isPoison(reset()), true);
});

test('without successes, the probe decides; a probe that throws or says no keeps retrying', async () => {
  let answer: boolean | Error = true;
  let probes = 0;
  const guard = new PoisonGuard({
    threshold: 2,
    probe: async () => {
      probes++;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  const w1 = guard.watch();
  assert.equal(await w1.isPoison(reset()), false);
  assert.equal(probes, 0, 'no probe before K failures');
  assert.equal(await w1.isPoison(reset()), true);
  answer = false;
  const w2 = guard.watch();
  await w2.isPoison(reset());
  assert.equal(await w2.isPoison(reset()), false);
  answer = new Error('connection refused');
  assert.equal(await w2.isPoison(reset()), false);
});

test('an answer or a non-transport failure ends the streak', async () => {
  const guard = new PoisonGuard({ threshold: 2, probe: async () => true });
  const watch = guard.watch();
  await watch.isPoison(reset());
  watch.answered();
  assert.equal(await watch.isPoison(reset()), false);
  assert.equal(await watch.isPoison(new CfError('CF_ERR_SINK_RETRIABLE', '503')), false);
  assert.equal(await watch.isPoison(reset()), false);
  assert.equal(await watch.isPoison(reset()), true);
});

test('halves: the first is the larger when odd; nothing lost', () => {
  assert.deepEqual(halves([1, 2, 3, 4, 5]), [
    [1, 2, 3],
    [4, 5],
  ]);
  assert.deepEqual(halves([1, 2]), [[1], [2]]);
});

test('the dead-letter entry names the sink, the error and the size', () => {
  const record = makeRecord(7);
  const entry = poisonRecordEntry({
    sink: 'hec-main',
    destination: 'the Splunk HEC',
    record,
    bytes: 2_097_300,
    error: new CfError('CF_ERR_SOCKET', 'socket hang up'),
    attempts: 3,
    detail: { wireBytes: 2_097_400 },
  });
  assert.equal(entry.code, 'CF_ERR_RECORD_UNDELIVERABLE');
  assert.equal(entry.stage, 'sink');
  assert.equal(entry.sink, 'hec-main');
  assert.equal(entry.size, 2_097_300);
  assert.equal(entry.source?.eventId, 'evt-000007');
  assert.equal(entry.text, record.line);
  assert.match(entry.reason, /hec-main/);
  assert.match(entry.reason, /2097300 bytes/);
  assert.match(entry.reason, /3 attempts in a row failed with CF_ERR_SOCKET/);
  assert.deepEqual(entry.detail, {
    error: 'CF_ERR_SOCKET',
    attempts: 3,
    bytes: 2_097_300,
    wireBytes: 2_097_400,
  });
});
