import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CfError } from '../../../../src/core/errors/index.js';
import { retrying } from '../../../../src/sinks/kafka/retry.js';

const policy = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, multiplier: 2 };

describe('kafka sink retry loop', () => {
  it('retries transient failures and reports each retry', async () => {
    let calls = 0;
    const retries: number[] = [];
    const out = await retrying(
      async () => {
        if (++calls < 3) throw new CfError('CF_ERR_SINK_RETRIABLE', 'leader moved');
        return 'ok';
      },
      { policy, signal: new AbortController().signal, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    assert.equal(out, 'ok');
    assert.deepEqual(retries, [1, 2]);
  });

  it('gives up after maxAttempts with CF_ERR_RETRIES_EXHAUSTED, and at once on a fatal error', async () => {
    let calls = 0;
    const always = async () => {
      calls++;
      throw new CfError('CF_ERR_SINK_CONNECT', 'broker down', { details: { topic: 't', partition: 1 } });
    };
    const err = await retrying(always, {
      policy,
      signal: new AbortController().signal,
      onRetry: () => {},
    }).catch((e: CfError) => e);
    assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
    assert.match(err.message, /broker down \(gave up after 3 attempts\)/);
    assert.deepEqual(err.details, { topic: 't', partition: 1 });
    assert.equal(calls, 3);

    calls = 0;
    const fatal = async () => {
      calls++;
      throw new CfError('CF_ERR_SINK_FATAL', 'rejected');
    };
    await assert.rejects(
      retrying(fatal, { policy, signal: new AbortController().signal, onRetry: () => {} }),
      {
        code: 'CF_ERR_SINK_FATAL',
      },
    );
    assert.equal(calls, 1);
  });

  it('stops waiting when aborted', async () => {
    const abort = new AbortController();
    const forever = { ...policy, maxAttempts: 0, initialDelayMs: 60_000, maxDelayMs: 60_000 };
    const pending = retrying(
      async () => {
        throw new CfError('CF_ERR_SINK_CONNECT', 'broker down');
      },
      { policy: forever, signal: abort.signal, onRetry: () => setImmediate(() => abort.abort()) },
    );
    await assert.rejects(
      pending,
      (e: CfError) => e.code === 'CF_ERR_ABORTED' && /broker down/.test(e.message),
    );
  });
});
