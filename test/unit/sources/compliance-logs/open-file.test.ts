import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isCfError } from '../../../../src/core/errors/index.js';
import { RateLimiter } from '../../../../src/http/index.js';
import { Metrics } from '../../../../src/telemetry/metrics.js';
import {
  API_KEY,
  collect,
  descriptor,
  FAST_RETRY,
  type FakeApiOptions,
  serveContent,
  startFakeApi,
} from './fake-compliance-api.js';

/** A JSONL file of `lines` records, about 100 bytes each. */
function jsonl(lines: number, salt = 'a'): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(
      JSON.stringify({
        event_id: `evt-${salt}${String(i).padStart(7, '0')}`,
        type: 'AUTH_LOG',
        pad: 'x'.repeat(40),
      }),
    );
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

const CONTENT = jsonl(3000); // ~270 KB: several network chunks
const FILE = descriptor('file-a', '2026-07-09T13:00:00Z', CONTENT);

/** Sends the first `bytes` of `content` under a full Content-Length, then resets the connection. */
function resetAfter(res: ServerResponse, content: Buffer, bytes: number) {
  res.writeHead(200, { 'content-length': content.length });
  res.write(content.subarray(0, bytes), () => setTimeout(() => res.socket?.destroy(), 20));
}

async function withApi(
  opts: FakeApiOptions,
  fn: (api: Awaited<ReturnType<typeof startFakeApi>>) => Promise<void>,
) {
  const api = await startFakeApi({ contents: new Map([[FILE.id, CONTENT]]), ...opts });
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

async function counterTotal(counter: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('openFile', () => {
  it('follows the 307 without the bearer token (or cookies) to the signed host; the API host gets it', async () => {
    await withApi(
      {
        download: (res, fileId, _call, signedOrigin) => {
          res.writeHead(307, {
            location: `${signedOrigin}/bucket/${fileId}?sig=abc`,
            'set-cookie': 'session=must-not-travel',
          });
          res.end();
        },
      },
      async (api) => {
        const client = api.client();
        assert.deepEqual(await collect(client.openFile(FILE)), CONTENT);
        assert.equal(api.api.seen[0]?.headers.authorization, `Bearer ${API_KEY}`);
        assert.equal(api.signed.seen.length, 1);
        const signedHeaders = api.signed.seen[0]?.headers ?? {};
        assert.equal(signedHeaders.authorization, undefined, 'the token leaked to the signed host');
        assert.equal(signedHeaders.cookie, undefined);
        assert.ok(!JSON.stringify(signedHeaders).includes(API_KEY));
        assert.equal(api.signed.seen[0]?.url.searchParams.get('sig'), 'abc');
      },
    );
  });

  it('does not send the token even when the Location is on the API host itself', async () => {
    await withApi(
      {
        download: (res, fileId) => {
          res.writeHead(307, { location: `/blob/${fileId}` });
          res.end();
        },
        other: (res, seen) => (seen.url.pathname === '/blob/file-a' ? serveContent(res, CONTENT) : res.end()),
      },
      async (api) => {
        assert.deepEqual(await collect(api.client().openFile(FILE)), CONTENT);
        const blob = api.api.seen.find((s) => s.url.pathname === '/blob/file-a');
        assert.ok(blob);
        assert.equal(blob.headers.authorization, undefined);
      },
    );
  });

  it('a transfer reset mid-body calls Download again and the consumer sees the bytes exactly once', async () => {
    await withApi(
      {
        signed: (_req, res, _id, call) =>
          call === 1 ? resetAfter(res, CONTENT, 100_000) : serveContent(res, CONTENT),
      },
      async (api) => {
        const metrics = new Metrics();
        const out = await collect(api.client({ metrics }).openFile(FILE));
        assert.equal(api.downloadCalls(FILE.id), 2);
        assert.equal(out.length, CONTENT.length);
        assert.deepEqual(out, CONTENT);
        const retried = (await metrics.httpRetries.get()).values;
        assert.deepEqual(
          retried.map((v) => [v.labels.endpoint, v.value]),
          [['signed', 1]],
        );
      },
    );
  });

  it('a body that stalls times out and is fetched again from a fresh Download', async () => {
    await withApi(
      {
        signed: (_req, res, _id, call) => {
          if (call > 1) return serveContent(res, CONTENT);
          res.writeHead(200, { 'content-length': CONTENT.length });
          res.write(CONTENT.subarray(0, 50_000)); // then silence
        },
      },
      async (api) => {
        const out = await collect(api.client({ bodyTimeoutMs: 150 }).openFile(FILE));
        assert.deepEqual(out, CONTENT);
        assert.equal(api.downloadCalls(FILE.id), 2);
      },
    );
  });

  it('a truncated transfer is retried and succeeds when the next one is whole', async () => {
    await withApi(
      {
        signed: (_req, res, _id, call) =>
          call === 1 ? serveContent(res, CONTENT.subarray(0, 1000)) : serveContent(res, CONTENT),
      },
      async (api) => {
        assert.deepEqual(await collect(api.client().openFile(FILE)), CONTENT);
        assert.equal(api.downloadCalls(FILE.id), 2);
      },
    );
  });

  it('a file that always arrives short fails with CF_ERR_INTEGRITY after the retries', async () => {
    await withApi(
      { signed: (_req, res) => serveContent(res, CONTENT.subarray(0, CONTENT.length - 10)) },
      async (api) => {
        const stream = api.client().openFile(FILE);
        let ended = false;
        stream.on('end', () => (ended = true));
        await assert.rejects(collect(stream), (err: unknown) => {
          assert.ok(isCfError(err));
          assert.equal(err.code, 'CF_ERR_INTEGRITY');
          assert.equal(err.retriable, false);
          assert.match(
            err.message,
            new RegExp(`ended after ${CONTENT.length - 10} of ${CONTENT.length} bytes`),
          );
          return true;
        });
        assert.equal(ended, false, 'a short file must never look complete to the consumer');
        assert.equal(api.downloadCalls(FILE.id), FAST_RETRY.maxAttempts);
      },
    );
  });

  it('a wrong digest is caught: downloaded once more, then CF_ERR_INTEGRITY, never "end"', async () => {
    const tampered = Buffer.from(CONTENT);
    tampered[5000] = 0x41 === tampered[5000] ? 0x42 : 0x41; // same size, one byte differs
    await withApi({ signed: (_req, res) => serveContent(res, tampered) }, async (api) => {
      const stream = api.client().openFile(FILE);
      let ended = false;
      stream.on('end', () => (ended = true));
      await assert.rejects(collect(stream), (err: unknown) => {
        assert.ok(isCfError(err));
        assert.equal(err.code, 'CF_ERR_INTEGRITY');
        assert.equal(err.retriable, false);
        assert.match(err.message, /SHA-256/);
        return true;
      });
      assert.equal(ended, false);
      assert.equal(api.downloadCalls(FILE.id), 2);
    });
  });

  it('a resumed transfer whose prefix differs from what was delivered fails at once (not retriable)', async () => {
    const other = jsonl(3000, 'z');
    assert.equal(other.length, CONTENT.length);
    await withApi(
      {
        signed: (_req, res, _id, call) =>
          call === 1 ? resetAfter(res, CONTENT, 100_000) : serveContent(res, other),
      },
      async (api) => {
        await assert.rejects(collect(api.client().openFile(FILE)), {
          code: 'CF_ERR_INTEGRITY',
          retriable: false,
          message: /came back different from those already delivered/,
        });
        assert.equal(api.downloadCalls(FILE.id), 2);
      },
    );
  });

  it('a file longer than listed is refused', async () => {
    const longer = Buffer.concat([CONTENT, Buffer.from('{"extra":1}\n')]);
    await withApi({ signed: (_req, res) => serveContent(res, longer) }, async (api) => {
      await assert.rejects(collect(api.client().openFile(FILE)), {
        code: 'CF_ERR_INTEGRITY',
        message: /longer than its listed file_size/,
      });
    });
  });

  it('404 from Download is CF_ERR_FILE_EXPIRED, naming the file, without retrying', async () => {
    await withApi(
      {
        download: (res) =>
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"gone"}'),
      },
      async (api) => {
        await assert.rejects(collect(api.client().openFile(FILE)), (err: unknown) => {
          assert.ok(isCfError(err));
          assert.equal(err.code, 'CF_ERR_FILE_EXPIRED');
          assert.equal(err.retriable, false);
          assert.match(err.message, /file-a/);
          assert.match(err.message, /expired/);
          return true;
        });
        assert.equal(api.downloadCalls(FILE.id), 1);
        assert.equal(api.signed.seen.length, 0);
      },
    );
  });

  it('401 from Download is CF_ERR_HTTP_AUTH and never repeats the key', async () => {
    await withApi(
      {
        download: (res) =>
          res.writeHead(401).end(JSON.stringify({ error: { message: `invalid key ${API_KEY}` } })),
      },
      async (api) => {
        await assert.rejects(collect(api.client().openFile(FILE)), (err: unknown) => {
          assert.ok(isCfError(err));
          assert.equal(err.code, 'CF_ERR_HTTP_AUTH');
          assert.match(err.message, /wrong, revoked, or lacks the scope/);
          assert.ok(!err.message.includes(API_KEY));
          return true;
        });
        assert.equal(api.downloadCalls(FILE.id), 1);
      },
    );
  });

  it('a 429 on Download waits out Retry-After, and so does every request sharing the limiter', async () => {
    const second = descriptor('file-b', '2026-07-09T13:10:00Z', CONTENT);
    await withApi(
      {
        contents: new Map([
          [FILE.id, CONTENT],
          [second.id, CONTENT],
        ]),
        download: (res, fileId, call, signedOrigin) => {
          if (fileId === FILE.id && call === 1) return res.writeHead(429, { 'retry-after': '1' }).end();
          res.writeHead(307, { location: `${signedOrigin}/bucket/${fileId}` }).end();
        },
      },
      async (api) => {
        const metrics = new Metrics();
        // Retry-After is honoured up to 10x maxDelayMs, so the policy allows 2 s here.
        const client = api.client({
          metrics,
          downloadLimiter: new RateLimiter(50, 60_000),
          retry: { ...FAST_RETRY, maxDelayMs: 200 },
        });
        const first = collect(client.openFile(FILE));
        while ((await counterTotal(metrics.http429)) === 0) await delay(5);
        const other = collect(client.openFile(second));
        assert.deepEqual(await first, CONTENT);
        assert.deepEqual(await other, CONTENT);
        const downloads = api.api.seen.filter((s) => s.url.pathname.includes('/logs/'));
        const limited = downloads[0];
        assert.ok(limited);
        assert.ok(limited.url.pathname.endsWith('/file-a'));
        for (const later of downloads.slice(1)) {
          assert.ok(
            later.at - limited.at >= 990,
            `a Download went out ${later.at - limited.at} ms after the 429`,
          );
        }
      },
    );
  });

  it('honours backpressure: an idle consumer holds the transfer, not megabytes of buffer', async () => {
    const big = jsonl(80_000); // ~7 MB
    const bigFile = descriptor('file-big', '2026-07-09T13:00:00Z', big);
    await withApi({ contents: new Map([[bigFile.id, big]]) }, async (api) => {
      const metrics = new Metrics();
      const stream = api.client({ metrics }).openFile(bigFile);
      stream.read(0); // start the transfer, then read nothing
      await delay(300);
      const pulled = await counterTotal(metrics.downloadedBytes);
      assert.ok(pulled > 0, 'the transfer should have started');
      assert.ok(pulled < 1024 * 1024, `${pulled} bytes were read ahead of an idle consumer`);
      assert.ok(stream.readableLength <= 256 * 1024);
      const out = await collect(stream);
      assert.equal(createHash('sha256').update(out).digest('hex'), bigFile.file_sha256);
    });
  });

  it('destroying the stream aborts the transfer on the signed host', async () => {
    let served: Promise<boolean> | undefined;
    await withApi(
      {
        // A slow host: 16 KB every 10 ms, so the transfer is still running when the consumer quits.
        signed: (_req, res) => {
          served = new Promise((resolve) => res.on('close', () => resolve(res.writableFinished)));
          res.writeHead(200, { 'content-length': CONTENT.length });
          let offset = 0;
          const timer = setInterval(() => {
            if (res.destroyed) return clearInterval(timer);
            res.write(CONTENT.subarray(offset, offset + 16_384));
            offset += 16_384;
            if (offset >= CONTENT.length) {
              clearInterval(timer);
              res.end();
            }
          }, 10);
        },
      },
      async (api) => {
        const stream: Readable = api.client().openFile(FILE);
        const errors: unknown[] = [];
        stream.on('error', (e) => errors.push(e));
        await new Promise<void>((resolve) => stream.once('data', () => resolve()));
        stream.destroy();
        const finished = await Promise.race([served, delay(5000, 'timeout')]);
        assert.equal(finished, false, 'the signed host should see the transfer cut short');
        assert.deepEqual(errors, []);
      },
    );
  });
});
