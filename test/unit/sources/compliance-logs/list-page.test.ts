import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isCfError } from '../../../../src/core/errors/index.js';
import { Secret } from '../../../../src/core/secret.js';
import { ComplianceLogsClient, parseListPage } from '../../../../src/sources/compliance-logs/index.js';
import { createLogger } from '../../../../src/telemetry/logger.js';
import { type LocalServer, sendJson, startServer } from '../../http/local-server.js';
import { API_KEY, descriptor, FAST_RETRY, WORKSPACE_ID } from './fake-compliance-api.js';

const GOOD_PAGE = {
  data: [descriptor('a', '2026-07-09T13:00:00Z')],
  has_more: false,
  last_end_time: '2026-07-09T13:00:00Z',
};

describe('ComplianceLogsClient.listPage', () => {
  let server: LocalServer;
  /** Path → what to answer. */
  const answers = new Map<string, (res: import('node:http').ServerResponse) => void>();
  before(async () => {
    server = await startServer((_req, res, seen) => {
      const answer = answers.get(seen.url.pathname);
      if (answer) return answer(res);
      sendJson(res, 200, GOOD_PAGE);
    });
  });
  after(() => server.close());

  const client = (principalId = WORKSPACE_ID) =>
    new ComplianceLogsClient({
      baseUrl: `${server.origin}/v1/compliance/`,
      apiKey: new Secret(API_KEY),
      principalId,
      retry: FAST_RETRY,
    });

  it('asks the workspace route with the documented query and the bearer token', async () => {
    const c = client();
    try {
      const page = await c.listPage({
        eventTypes: ['AUTH_LOG', 'AUDIT_LOG'],
        after: '2026-07-09T00:00:00Z',
        before: new Date('2026-07-10T00:00:00Z'),
        limit: 50,
      });
      assert.deepEqual(page, GOOD_PAGE);
      const seen = server.seen.at(-1);
      assert.equal(seen?.url.pathname, `/v1/compliance/workspaces/${WORKSPACE_ID}/logs`);
      assert.deepEqual(seen?.url.searchParams.getAll('event_type'), ['AUTH_LOG', 'AUDIT_LOG']);
      assert.equal(seen?.url.searchParams.get('after'), '2026-07-09T00:00:00Z');
      assert.equal(seen?.url.searchParams.get('before'), '2026-07-10T00:00:00.000Z');
      assert.equal(seen?.url.searchParams.get('limit'), '50');
      assert.equal(seen?.headers.authorization, `Bearer ${API_KEY}`);
    } finally {
      await c.close();
    }
  });

  it('routes an org- principal to /organizations and names the stream after it', async () => {
    const c = client('org-AbC123');
    try {
      await c.listPage({ eventTypes: ['COSTS'], after: '2026-07-09T00:00:00Z' });
      assert.equal(server.seen.at(-1)?.url.pathname, '/v1/compliance/organizations/org-AbC123/logs');
      assert.equal(c.streamKey('COSTS'), 'organization/org-AbC123/COSTS');
      assert.equal(c.principalType, 'API_PLATFORM_ORG');
    } finally {
      await c.close();
    }
  });

  it('refuses a bad principal, page size or time before sending anything', async () => {
    assert.throws(() => client('not-a-principal'), { code: 'CF_ERR_CONFIG' });
    const c = client();
    const before = server.seen.length;
    try {
      await assert.rejects(
        c.listPage({ eventTypes: ['AUTH_LOG'], after: '2026-07-09T00:00:00Z', limit: 101 }),
        {
          code: 'CF_ERR_CONFIG',
        },
      );
      await assert.rejects(c.listPage({ eventTypes: [], after: '2026-07-09T00:00:00Z' }), {
        code: 'CF_ERR_CONFIG',
      });
      await assert.rejects(c.listPage({ eventTypes: ['AUTH_LOG'], after: 'last tuesday' }), {
        code: 'CF_ERR_BAD_TIME',
      });
      assert.equal(server.seen.length, before);
    } finally {
      await c.close();
    }
  });

  it('an answer of the wrong shape is CF_ERR_BAD_RESPONSE, retried, naming the field', async () => {
    const path = `/v1/compliance/workspaces/${WORKSPACE_ID}/logs`;
    answers.set(path, (res) =>
      sendJson(res, 200, { data: [{ ...descriptor('a', 'soon'), file_sha256: 'xyz' }] }),
    );
    const c = client();
    const before = server.seen.length;
    try {
      await assert.rejects(
        c.listPage({ eventTypes: ['AUTH_LOG'], after: '2026-07-09T00:00:00Z' }),
        (err: unknown) => {
          assert.ok(isCfError(err));
          assert.equal(err.code, 'CF_ERR_BAD_RESPONSE');
          assert.match(err.message, /data\.0\.end_time/);
          assert.match(err.message, /data\.0\.file_sha256/);
          assert.match(err.message, /has_more/);
          return true;
        },
      );
      assert.equal(server.seen.length - before, FAST_RETRY.maxAttempts);
    } finally {
      answers.delete(path);
      await c.close();
    }
  });

  it('401/403 say the key is wrong, revoked or lacks the scope, and never quote the key', async () => {
    const path = `/v1/compliance/workspaces/${WORKSPACE_ID}/logs`;
    for (const status of [401, 403]) {
      answers.set(path, (res) => sendJson(res, status, { detail: `key ${API_KEY} lacks scope` }));
      const c = client();
      try {
        await assert.rejects(
          c.listPage({ eventTypes: ['CODEX_LOG'], after: '2026-07-09T00:00:00Z' }),
          (err: unknown) => {
            assert.ok(isCfError(err));
            assert.equal(err.code, 'CF_ERR_HTTP_AUTH');
            assert.match(err.message, /wrong, revoked, or lacks the scope for event type CODEX_LOG/);
            assert.match(err.message, /lacks scope/, "the server's own words are quoted");
            assert.ok(!err.message.includes(API_KEY));
            assert.ok(!JSON.stringify(err.details).includes(API_KEY));
            return true;
          },
        );
      } finally {
        answers.delete(path);
        await c.close();
      }
    }
  });

  it('logs each retry with its code, and never the key', async () => {
    const path = `/v1/compliance/workspaces/${WORKSPACE_ID}/logs`;
    let calls = 0;
    answers.set(path, (res) =>
      ++calls === 1
        ? sendJson(res, 503, { detail: `overloaded for ${API_KEY}` })
        : sendJson(res, 200, GOOD_PAGE),
    );
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    const c = new ComplianceLogsClient({
      baseUrl: `${server.origin}/v1/compliance`,
      apiKey: new Secret(API_KEY),
      principalId: WORKSPACE_ID,
      retry: FAST_RETRY,
      logger,
    });
    try {
      await c.listPage({ eventTypes: ['AUTH_LOG'], after: '2026-07-09T00:00:00Z' });
      assert.equal(lines.length, 1);
      const entry = JSON.parse(lines[0] as string);
      assert.equal(entry.msg, 'Upstream request failed; retrying.');
      assert.equal(entry.errorCode, 'CF_ERR_HTTP_SERVER');
      assert.equal(entry.component, 'compliance-logs');
      assert.ok(!lines.join('').includes(API_KEY));
    } finally {
      answers.delete(path);
      await c.close();
    }
  });

  it('a 400 quotes the error body (error.message first)', async () => {
    const path = `/v1/compliance/workspaces/${WORKSPACE_ID}/logs`;
    answers.set(path, (res) =>
      sendJson(res, 400, {
        error: { message: 'Invalid event_type: NOPE' },
        detail: 'ignored',
        message: 'ignored',
      }),
    );
    const c = client();
    try {
      await assert.rejects(c.listPage({ eventTypes: ['NOPE'], after: '2026-07-09T00:00:00Z' }), {
        code: 'CF_ERR_HTTP_CLIENT',
        message: 'List for NOPE answered HTTP 400: Invalid event_type: NOPE',
      });
    } finally {
      answers.delete(path);
      await c.close();
    }
  });
});

describe('parseListPage', () => {
  it('keeps the six fields, drops unknown ones, lower-cases the digest', () => {
    const d = descriptor('a', '2026-07-09T13:00:00+00:00');
    const page = parseListPage(
      JSON.stringify({
        data: [{ ...d, file_sha256: d.file_sha256.toUpperCase(), start_time: 'x' }],
        has_more: false,
        last_end_time: null,
        object: 'list',
      }),
    );
    assert.deepEqual(page, { data: [d], has_more: false, last_end_time: null });
  });

  it('refuses non-JSON', () => {
    assert.throws(() => parseListPage('<html>'), { code: 'CF_ERR_BAD_RESPONSE' });
  });
});
