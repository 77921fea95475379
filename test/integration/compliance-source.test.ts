import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isCfError } from '../../src/core/errors/index.js';
import { Secret } from '../../src/core/secret.js';
import { RateLimiter } from '../../src/http/index.js';
import { Simulator, type SimulatorInfo } from '../../src/simulator/index.js';
import {
  type ComplianceClientOptions,
  ComplianceLogsClient,
  type FileDescriptor,
  listFiles,
} from '../../src/sources/compliance-logs/index.js';

// The Compliance source against the project's simulator (real servers, real quirks, faults on).
const NOW = new Date('2026-07-10T00:00:00Z');
const AFTER = '2026-07-09T12:00:00Z';
const BEFORE = '2026-07-09T14:00:00Z';
const FAST = { maxAttempts: 8, initialDelayMs: 1, maxDelayMs: 20, multiplier: 2 };

async function sha256Of(stream: AsyncIterable<Buffer>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Downloads with a few workers pulling from the listing, as the pipeline will. */
async function downloadAll(client: ComplianceLogsClient, files: AsyncIterable<FileDescriptor>, workers = 4) {
  const results = new Map<string, { size: number; sha256: string }>();
  const iterator = files[Symbol.asyncIterator]();
  const worker = async () => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      results.set(next.value.id, await sha256Of(client.openFile(next.value)));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

describe('Compliance Logs source against the simulator', () => {
  let sim: Simulator;
  let info: SimulatorInfo;
  const clients: ComplianceLogsClient[] = [];
  const client = (overrides: Partial<ComplianceClientOptions> = {}) => {
    const c = new ComplianceLogsClient({
      baseUrl: info.baseUrl,
      apiKey: new Secret(info.apiKey),
      principalId: info.sampleWorkspaceId,
      retry: FAST,
      ...overrides,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    sim = new Simulator({ seed: 'h3-source', clock: () => NOW });
    info = await sim.start();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim.stop();
  });

  it('lists every file once, in order, across end_times shared over page boundaries', async () => {
    const expected = sim.listFiles(info.sampleWorkspaceId, 'CONVERSATION_MESSAGE', AFTER, BEFORE);
    const ends = expected.map((f) => f.endTime);
    assert.ok(new Set(ends).size < ends.length, 'the seed should give files sharing an end_time');
    const listed: string[] = [];
    for await (const f of listFiles(client(), {
      eventType: 'CONVERSATION_MESSAGE',
      after: AFTER,
      before: BEFORE,
      pageSize: 3,
    })) {
      listed.push(f.id);
    }
    assert.deepEqual(
      listed,
      expected.map((f) => f.id),
    );
  });

  it('downloads verified bytes through resets, truncations, stalls and 5xx, never sending the token to the signed host', async () => {
    sim.setFaults({
      rateLimit: { list: null, download: null },
      listServerErrors: 0.2,
      downloadServerErrors: 0.2,
      resetMidBody: 0.2,
      truncatedBody: 0.2,
      stall: { ratio: 0.2, count: 2 },
    });
    const before = sim.stats();
    try {
      const c = client({ bodyTimeoutMs: 300, downloadLimiter: new RateLimiter(1000, 1000) });
      const results = await downloadAll(
        c,
        listFiles(c, { eventType: 'AUDIT_LOG', after: AFTER, before: BEFORE, pageSize: 5 }),
      );
      const expected = sim.listFiles(info.sampleWorkspaceId, 'AUDIT_LOG', AFTER, BEFORE);
      assert.equal(results.size, expected.length);
      for (const f of expected) {
        const facts = await sim.fileFacts(info.sampleWorkspaceId, f.id);
        assert.deepEqual(results.get(f.id), { size: facts.sizeBytes, sha256: facts.sha256 }, f.id);
      }
      const stats = sim.stats();
      assert.equal(stats.authHeadersOnSigned, 0, 'the bearer token reached the signed host');
      const faults = stats.resets + stats.truncations + stats.stalls + stats.serverErrors;
      assert.ok(faults - (before.resets + before.truncations + before.stalls + before.serverErrors) > 0);
    } finally {
      sim.resetFaults();
    }
  });

  it('a client limiter at the download limit gets no 429', async () => {
    sim.setFaults({ rateLimit: { download: { limit: 5, windowMs: 400 } } });
    const before = sim.stats();
    try {
      const c = client({ downloadLimiter: new RateLimiter(5, 400) });
      const files = sim.listFiles(info.sampleWorkspaceId, 'AUTH_LOG', AFTER, BEFORE).slice(0, 11);
      assert.equal(files.length, 11);
      const results = await downloadAll(
        c,
        listFiles(c, { eventType: 'AUTH_LOG', after: AFTER, before: files[10]?.endTime ?? BEFORE }),
        6,
      );
      assert.ok(results.size >= 10);
      const stats = sim.stats();
      assert.equal(stats.rateLimitedDownload - before.rateLimitedDownload, 0);
      assert.equal(stats.downloadRequests - before.downloadRequests, results.size);
    } finally {
      sim.resetFaults();
    }
  });

  it('an expired file is CF_ERR_FILE_EXPIRED', async () => {
    const [file] = sim.listFiles(info.sampleWorkspaceId, 'AUTH_LOG', AFTER, BEFORE);
    assert.ok(file);
    sim.setFaults({ expiredFiles: { fileIds: [file.id] } });
    try {
      const c = client();
      const [descriptor] = await c
        .listPage({ eventTypes: ['AUTH_LOG'], after: AFTER, limit: 1 })
        .then((p) => p.data);
      assert.equal(descriptor?.id, file.id);
      await assert.rejects(sha256Of(c.openFile(descriptor)), { code: 'CF_ERR_FILE_EXPIRED' });
    } finally {
      sim.resetFaults();
    }
  });

  it('a wrong key or a key without the scope is CF_ERR_HTTP_AUTH, and the key is never quoted', async () => {
    const wrong = 'sk-definitely-not-the-key-000';
    await assert.rejects(
      client({ apiKey: new Secret(wrong) }).listPage({ eventTypes: ['AUTH_LOG'], after: AFTER }),
      (err: unknown) => {
        assert.ok(isCfError(err));
        assert.equal(err.code, 'CF_ERR_HTTP_AUTH');
        assert.ok(!err.message.includes(wrong));
        return true;
      },
    );
    const scoped = new Simulator({
      seed: 'h3-source',
      clock: () => NOW,
      keys: [{ key: 'sk-scoped-auth-only-1234', scopes: ['AUTH_LOG'] }],
    });
    const scopedInfo = await scoped.start();
    try {
      const c = client({ baseUrl: scopedInfo.baseUrl, apiKey: new Secret('sk-scoped-auth-only-1234') });
      await c.listPage({ eventTypes: ['AUTH_LOG'], after: AFTER, limit: 1 });
      await assert.rejects(c.listPage({ eventTypes: ['CODEX_LOG'], after: AFTER }), {
        code: 'CF_ERR_HTTP_AUTH',
        message: /lacks the scope for event type CODEX_LOG/,
      });
    } finally {
      await scoped.stop();
    }
  });
});
