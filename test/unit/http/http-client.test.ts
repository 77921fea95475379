import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../../src/core/secret.js';
import {
  HttpClient,
  httpStatusError,
  probeErrorMessage,
  readBodyText,
  readErrorMessage,
  withRetry,
} from '../../../src/http/index.js';
import { type LocalServer, startServer } from './local-server.js';

describe('HttpClient timeouts', () => {
  let server: LocalServer;
  before(async () => {
    server = await startServer((_req, res, seen) => {
      if (seen.url.pathname === '/no-headers') return; // never answers
      if (seen.url.pathname === '/stalled-body') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('x'.repeat(10)); // then silence
      }
    });
  });
  after(() => server.close());

  it('a response whose headers never come fails with CF_ERR_TIMEOUT, retried first', async () => {
    const client = new HttpClient({ headersTimeoutMs: 100 });
    try {
      const url = new URL('/no-headers', server.origin);
      await assert.rejects(
        withRetry(() => client.request(url, { endpoint: 'test' }), {
          policy: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 },
        }),
        { code: 'CF_ERR_TIMEOUT', retriable: false },
      );
      assert.equal(server.seen.filter((s) => s.url.pathname === '/no-headers').length, 2);
    } finally {
      await client.destroy();
    }
  });

  it('a body that stops arriving fails with CF_ERR_TIMEOUT', async () => {
    const client = new HttpClient({ bodyTimeoutMs: 100 });
    try {
      const url = new URL('/stalled-body', server.origin);
      await assert.rejects(
        withRetry(
          async () => readBodyText((await client.request(url, { endpoint: 'test' })).body, 1000, 'test'),
          { policy: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 } },
        ),
        { code: 'CF_ERR_TIMEOUT' },
      );
    } finally {
      await client.destroy();
    }
  });
});

describe('HttpClient credential lane', () => {
  let api: LocalServer;
  let other: LocalServer;
  before(async () => {
    const ok = (_req: unknown, res: import('node:http').ServerResponse) => res.end('ok');
    api = await startServer(ok);
    other = await startServer(ok);
  });
  after(async () => {
    await api.close();
    await other.close();
  });

  it('a bound client sends its bearer to its origin and refuses every other origin', async () => {
    const key = new Secret('sk-test-lane-0123456789');
    const client = new HttpClient({ origin: api.origin, bearer: key });
    try {
      const res = await client.request(new URL('/logs', api.origin), { endpoint: 'test' });
      await res.body.dump();
      assert.equal(api.seen[0]?.headers.authorization, 'Bearer sk-test-lane-0123456789');
      await assert.rejects(client.request(new URL('/steal', other.origin), { endpoint: 'test' }), {
        code: 'CF_ERR_INTERNAL',
      });
      assert.equal(other.seen.length, 0, 'nothing may reach another origin through the bound client');
    } finally {
      await client.close();
    }
  });

  it('an unbound client refuses credential headers instead of sending them', async () => {
    const client = new HttpClient();
    try {
      for (const name of ['Authorization', 'cookie']) {
        await assert.rejects(
          client.request(new URL('/x', other.origin), { endpoint: 'test', headers: { [name]: 'secret' } }),
          { code: 'CF_ERR_INTERNAL' },
        );
      }
      assert.equal(other.seen.length, 0);
      assert.throws(() => new HttpClient({ bearer: new Secret('sk-unbound-xxxxxx') }), {
        code: 'CF_ERR_INTERNAL',
      });
    } finally {
      await client.close();
    }
  });
});

describe('error bodies', () => {
  it('probe error.message, then detail, then message', () => {
    assert.equal(probeErrorMessage('{"error":{"message":"a"},"detail":"b","message":"c"}'), 'a');
    assert.equal(probeErrorMessage('{"error":{"code":"x"},"detail":"b","message":"c"}'), 'b');
    assert.equal(
      probeErrorMessage('{"detail":[{"msg":"field required"},{"msg":"bad"}]}'),
      'field required; bad',
    );
    assert.equal(probeErrorMessage('{"message":"c"}'), 'c');
    assert.equal(probeErrorMessage('plain words'), 'plain words');
    assert.equal(probeErrorMessage('<html><body>502</body></html>'), undefined);
    assert.equal(probeErrorMessage('{}'), undefined);
  });

  it('never quote a known secret back, and stay short', async () => {
    const key = new Secret('sk-echoed-by-server-123456');
    const body = Readable.from([
      Buffer.from(JSON.stringify({ detail: `bad key ${key.reveal()} ${'x'.repeat(1000)}` })),
    ]);
    const message = await readErrorMessage(body);
    assert.ok(message);
    assert.ok(!message.includes(key.reveal()));
    assert.match(message, /^bad key \[redacted\]/);
    assert.ok(message.length <= 301);
  });

  it('carry the status, the server message and Retry-After', async () => {
    const err = await httpStatusError('List for AUTH_LOG', {
      statusCode: 429,
      headers: { 'retry-after': '7' },
      body: Readable.from([Buffer.from('{"error":{"message":"slow down"}}')]),
    });
    assert.equal(err.code, 'CF_ERR_HTTP_RATE_LIMITED');
    assert.equal(err.retryAfterMs, 7000);
    assert.equal(err.message, 'List for AUTH_LOG answered HTTP 429: slow down');
  });
});
