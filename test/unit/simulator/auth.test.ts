import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Simulator } from '../../../src/simulator/index.js';
import { bearer, downloadUrl, get, json, listUrl, NOW, startSim, useSim, WORKSPACE } from './sim-http.js';

const AUDIT_ONLY = 'audit-only-key-0001';
const EVERYTHING = 'all-scopes-key-0002';
const LIST = { event_type: 'AUDIT_LOG', after: '2026-07-09T12:00:00Z' };

describe('simulator authentication and scopes', () => {
  const s = useSim({
    keys: [
      { key: AUDIT_ONLY, scopes: ['AUDIT_LOG'] },
      { key: EVERYTHING, scopes: '*' },
    ],
  });

  test('a request without a bearer key gets 401 with an error body', async () => {
    for (const url of [listUrl(s.info, WORKSPACE, LIST), downloadUrl(s.info, WORKSPACE, 'x')]) {
      const r = await get(url);
      assert.equal(r.status, 401);
      const body = json<{ error: { message: string; type: string; code: string } }>(r);
      assert.equal(body.error.code, 'missing_api_key');
      assert.equal(typeof body.error.message, 'string');
      assert.equal(typeof body.error.type, 'string');
    }
    assert.equal((await get(listUrl(s.info, WORKSPACE, LIST), { authorization: 'Basic abc' })).status, 401);
  });

  test('a wrong key gets 403', async () => {
    const r = await get(listUrl(s.info, WORKSPACE, LIST), bearer('not-a-real-key-123'));
    assert.equal(r.status, 403);
    assert.equal(json<{ error: { code: string } }>(r).error.code, 'invalid_api_key');
  });

  test('a key scoped to AUDIT_LOG lists AUDIT_LOG but gets 403 for any other type', async () => {
    assert.equal((await get(listUrl(s.info, WORKSPACE, LIST), bearer(AUDIT_ONLY))).status, 200);
    for (const event_type of ['AUTH_LOG', 'AUDIT_LOG,AUTH_LOG']) {
      const r = await get(listUrl(s.info, WORKSPACE, { ...LIST, event_type }), bearer(AUDIT_ONLY));
      assert.equal(r.status, 403, event_type);
      assert.match(json<{ error: { message: string } }>(r).error.message, /AUTH_LOG/);
    }
    assert.equal(
      (await get(listUrl(s.info, WORKSPACE, { ...LIST, event_type: 'AUTH_LOG' }), bearer(EVERYTHING))).status,
      200,
    );
  });

  test('a scoped key cannot download a file of another type', async () => {
    const authFile = s.sim.listFiles(WORKSPACE, 'AUTH_LOG', '2026-07-09T12:00:00Z')[0]!;
    const auditFile = s.sim.listFiles(WORKSPACE, 'AUDIT_LOG', '2026-07-09T12:00:00Z')[0]!;
    assert.equal((await get(downloadUrl(s.info, WORKSPACE, authFile.id), bearer(AUDIT_ONLY))).status, 403);
    assert.equal((await get(downloadUrl(s.info, WORKSPACE, auditFile.id), bearer(AUDIT_ONLY))).status, 307);
    assert.equal((await get(downloadUrl(s.info, WORKSPACE, authFile.id), bearer(EVERYTHING))).status, 307);
  });

  test('info reports the first key', () => {
    assert.equal(s.info.apiKey, AUDIT_ONLY);
  });
});

describe('simulator default key', () => {
  test('is derived from the seed unless given', async (t) => {
    const a = await startSim(t, { seed: 'one' });
    const b = await startSim(t, { seed: 'one' });
    const c = await startSim(t, { seed: 'two' });
    const d = await startSim(t, { seed: 'one', apiKey: 'my-chosen-key-42' });
    assert.equal(a.info.apiKey, b.info.apiKey);
    assert.notEqual(a.info.apiKey, c.info.apiKey);
    assert.equal(d.info.apiKey, 'my-chosen-key-42');
    assert.equal((await get(listUrl(d.info, WORKSPACE, LIST), bearer('my-chosen-key-42'))).status, 200);
    assert.equal((await get(listUrl(d.info, WORKSPACE, LIST), bearer(a.info.apiKey))).status, 403);
  });

  test('invalid options are refused with every problem named', () => {
    assert.throws(
      () => new Simulator({ clock: () => NOW, apiKey: 'short', spanMs: 5, bogus: 1 } as never),
      (err: Error & { code?: string }) =>
        err.code === 'CF_ERR_CONFIG' &&
        /apiKey/.test(err.message) &&
        /spanMs/.test(err.message) &&
        /bogus/.test(err.message),
    );
  });
});
