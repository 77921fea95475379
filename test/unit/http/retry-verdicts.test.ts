import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isCfError } from '../../../src/core/errors/index.js';
import {
  type BackoffPolicy,
  backoffDelayMs,
  HttpClient,
  httpStatusError,
  type RetryEvent,
  readBodyText,
  withRetry,
} from '../../../src/http/index.js';
import { type LocalServer, sendJson, startServer } from './local-server.js';

const FAST: BackoffPolicy = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5, multiplier: 2 };

/** What a caller of the shared layer does: one GET, statuses turned into CfErrors, retried. */
async function getWithRetry(client: HttpClient, url: URL, policy = FAST, onRetry?: (e: RetryEvent) => void) {
  return withRetry(
    async () => {
      const res = await client.request(url, { endpoint: 'test' });
      if (res.statusCode >= 400) throw await httpStatusError('The test API', res);
      return readBodyText(res.body, 1024, 'The test API');
    },
    { policy, ...(onRetry ? { onRetry } : {}) },
  );
}

describe('retry verdicts over a real server', () => {
  let server: LocalServer;
  let client: HttpClient;
  /** Per path: how many requests failed so far. */
  const failures = new Map<string, number>();

  before(async () => {
    server = await startServer((req, res, seen) => {
      const path = seen.url.pathname;
      const [, kind, arg, recoverAfter] = path.split('/');
      const failed = failures.get(path) ?? 0;
      if (recoverAfter !== undefined && failed >= Number(recoverAfter))
        return sendJson(res, 200, { ok: true });
      failures.set(path, failed + 1);
      if (kind === 'reset') return req.socket.destroy();
      if (kind === 'status') {
        const headers: Record<string, string> = arg === '429' ? { 'retry-after': '1' } : {};
        return sendJson(res, Number(arg), { error: { message: `failure ${arg}` } }, headers);
      }
      sendJson(res, 404, { detail: 'no such test route' });
    });
    client = new HttpClient({ headersTimeoutMs: 2000, bodyTimeoutMs: 2000 });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  const count = (path: string) => server.seen.filter((s) => s.url.pathname === path).length;

  for (const status of [500, 502, 503, 504, 408]) {
    it(`${status} is retried, and the retry that succeeds wins`, async () => {
      const path = `/status/${status}/2`;
      assert.equal(await getWithRetry(client, new URL(path, server.origin)), '{"ok":true}');
      assert.equal(count(path), 3);
    });
  }

  for (const status of [500, 503]) {
    it(`${status} that persists stops at maxAttempts with its own code, no longer retriable`, async () => {
      const path = `/status/${status}`;
      await assert.rejects(getWithRetry(client, new URL(path, server.origin)), (err: unknown) => {
        assert.ok(isCfError(err));
        assert.equal(err.code, 'CF_ERR_HTTP_SERVER');
        assert.equal(err.retriable, false);
        assert.equal(err.details?.attempts, 3);
        assert.match(err.message, new RegExp(`HTTP ${status}: failure ${status}`));
        return true;
      });
      assert.equal(count(path), FAST.maxAttempts);
    });
  }

  const notRetried: [number, string][] = [
    [501, 'CF_ERR_HTTP_NOT_IMPLEMENTED'],
    [400, 'CF_ERR_HTTP_CLIENT'],
    [404, 'CF_ERR_HTTP_CLIENT'],
    [422, 'CF_ERR_HTTP_CLIENT'],
    [401, 'CF_ERR_HTTP_AUTH'],
    [403, 'CF_ERR_HTTP_AUTH'],
  ];
  for (const [status, code] of notRetried) {
    it(`${status} is not retried (${code})`, async () => {
      const path = `/status/${status}`;
      await assert.rejects(getWithRetry(client, new URL(path, server.origin)), { code });
      assert.equal(count(path), 1);
    });
  }

  it('a connection reset is retried', async () => {
    const path = '/reset/x/1';
    assert.equal(await getWithRetry(client, new URL(path, server.origin)), '{"ok":true}');
    assert.equal(count(path), 2);
  });

  it('a persistent connection reset gives CF_ERR_SOCKET after maxAttempts', async () => {
    const path = '/reset/x';
    await assert.rejects(getWithRetry(client, new URL(path, server.origin)), {
      code: 'CF_ERR_SOCKET',
      retriable: false,
    });
    assert.equal(count(path), FAST.maxAttempts);
  });

  it("a refused connection is retried (nothing listens on the server's old port)", async () => {
    const gone = await startServer(() => undefined);
    const url = new URL('/x', gone.origin);
    await gone.close();
    const retries: RetryEvent[] = [];
    await assert.rejects(
      getWithRetry(client, url, FAST, (e) => retries.push(e)),
      { code: 'CF_ERR_SOCKET' },
    );
    assert.equal(retries.length, FAST.maxAttempts - 1);
  });

  it("429 waits out Retry-After, even when the policy's backoff is shorter", async () => {
    const path = '/status/429/1';
    const retries: RetryEvent[] = [];
    // Retry-After is honoured up to 10x maxDelayMs (a hostile header must not park us for a day).
    const policy = { ...FAST, maxDelayMs: 200 };
    assert.equal(
      await getWithRetry(client, new URL(path, server.origin), policy, (e) => retries.push(e)),
      '{"ok":true}',
    );
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.error.code, 'CF_ERR_HTTP_RATE_LIMITED');
    assert.ok((retries[0]?.delayMs ?? 0) >= 1000, `waited only ${retries[0]?.delayMs} ms`);
    const [first, second] = server.seen.filter((s) => s.url.pathname === path);
    assert.ok(first && second && second.at - first.at >= 990, 'the server saw the retry before Retry-After');
  });
});

describe('withRetry', () => {
  it('stops at once when aborted during the backoff wait', async () => {
    const ac = new AbortController();
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      },
      {
        policy: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000, multiplier: 1 },
        signal: ac.signal,
        onRetry: () => setImmediate(() => ac.abort()),
      },
    );
    await assert.rejects(run, { code: 'CF_ERR_ABORTED' });
    assert.equal(calls, 1);
  });

  it('does not retry a programming error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new TypeError('boom');
        },
        { policy: FAST },
      ),
      { code: 'CF_ERR_INTERNAL' },
    );
    assert.equal(calls, 1);
  });
});

describe('backoff', () => {
  const policy: BackoffPolicy = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };

  it('grows exponentially and is capped at maxDelayMs', () => {
    const ceiling = (retry: number) => backoffDelayMs(policy, retry, undefined, () => 0.9999);
    assert.ok(ceiling(1) < 100 && ceiling(2) < 200 && ceiling(3) < 400 && ceiling(3) > ceiling(2));
    for (const retry of [5, 10, 50]) assert.ok(ceiling(retry) < 1000 && ceiling(retry) >= 999);
  });

  it('is fully jittered: anywhere from 0 up to the ceiling', () => {
    assert.equal(
      backoffDelayMs(policy, 4, undefined, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(policy, 4, undefined, () => 0.5),
      400,
    );
  });

  it('lets a longer Retry-After win, within 10x the cap', () => {
    assert.equal(
      backoffDelayMs(policy, 1, 5000, () => 0.5),
      5000,
    );
    assert.equal(
      backoffDelayMs(policy, 1, 3_600_000, () => 0.5),
      10_000,
    );
  });
});
