import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CfError } from '../../../src/core/errors/index.ts';
import { RetriesExhaustedError, retry, retryJudged } from '../../../src/lib/retry.ts';

const policy = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, multiplier: 2 };

describe('lib/retry: one policy, one outcome at exhaustion', () => {
  it('ends in CF_ERR_RETRIES_EXHAUSTED with the last error as cause, its details, and the count', async () => {
    let calls = 0;
    const last = new CfError('CF_ERR_SOCKET', 'reset', { details: { host: 'h' } });
    const err = await retry(
      async () => {
        calls++;
        throw last;
      },
      { policy, what: 'Fetching x' },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof RetriesExhaustedError);
    assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
    assert.equal(err.retriable, false);
    assert.equal(err.cause, last);
    assert.equal(err.attempts, 3);
    assert.deepEqual(err.details, { host: 'h' });
    assert.match(
      err.message,
      /^Fetching x failed 3 times, 3 failed attempts in a row; the last failure: reset \(gave up after 3 attempts\)$/,
    );
    assert.equal(calls, 3);
  });

  it('a fatal error or verdict ends at once, as is', async () => {
    let calls = 0;
    const fatal = new CfError('CF_ERR_SINK_FATAL', 'no');
    await assert.rejects(
      retryJudged(
        async () => {
          calls++;
          return { kind: 'fatal', error: fatal };
        },
        { policy, what: 'x' },
      ),
      (e: unknown) => e === fatal,
    );
    assert.equal(calls, 1);
  });

  it('maxAttempts 0 retries until the signal stops it; the abort names the last failure', async () => {
    const ac = new AbortController();
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw new CfError('CF_ERR_SOCKET', 'reset');
      },
      {
        policy: { ...policy, maxAttempts: 0 },
        what: 'Sending',
        signal: ac.signal,
        onRetry: ({ attempt }) => {
          if (attempt === 5) ac.abort();
        },
      },
    );
    await assert.rejects(
      run,
      (e: CfError) =>
        e.code === 'CF_ERR_ABORTED' && /Sending was stopped while retrying after: reset/.test(e.message),
    );
    assert.equal(calls, 5);
  });

  it('an abort with a CfError reason ends with that reason', async () => {
    const ac = new AbortController();
    const why = new CfError('CF_ERR_ABORTED', 'Sink s was closed.');
    ac.abort(why);
    await assert.rejects(
      retry(async () => 1, { policy, what: 'x', signal: ac.signal }),
      (e: unknown) => e === why,
    );
  });
});
