import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { z } from 'zod';
import { splunkHecSinkConfigSchema } from '../../../../src/sinks/splunk-hec/index.js';

test('defaults: gzip on, acks off, 1 MB batches, token from HEC_TOKEN, TLS verified', () => {
  const c = splunkHecSinkConfigSchema.parse({ type: 'splunk-hec', url: 'https://splunk:8088' });
  assert.equal(c.gzip, true);
  assert.equal(c.useAck, false);
  assert.equal(c.batchMaxBytes, 1_000_000);
  assert.equal(c.ackPollIntervalMs, 10_000);
  assert.equal(c.source, 'openai:compliance');
  assert.deepEqual(c.token, { env: 'HEC_TOKEN' });
  assert.deepEqual(c.tls, { rejectUnauthorized: true });
  assert.deepEqual(c.indexByEventType, {});
});

test('unknown keys, non-http URLs and bad sizes are rejected, all at once', () => {
  const r = splunkHecSinkConfigSchema.safeParse({
    type: 'splunk-hec',
    url: 'ftp://splunk:8088',
    batchMaxBytes: 10,
    tokn: { env: 'X' },
    tls: { verify: false },
  });
  assert.equal(r.success, false);
  const paths = (r.error?.issues ?? []).map((i) => i.path.join('.') || i.message);
  assert.ok(paths.includes('url'), paths.join());
  assert.ok(paths.includes('batchMaxBytes'), paths.join());
  assert.ok(paths.some((p) => /tokn/.test(p)) || r.error?.issues.some((i) => /tokn/.test(i.message)));
  assert.ok(r.error?.issues.some((i) => i.path.join('.') === 'tls' && /verify/.test(i.message)));
});

test('the token is a secret reference, never a plain string', () => {
  const r = splunkHecSinkConfigSchema.safeParse({ type: 'splunk-hec', url: 'https://s:8088', token: 'abc' });
  assert.equal(r.success, false);
});

test('every field is documented in the JSON Schema', () => {
  const schema = z.toJSONSchema(splunkHecSinkConfigSchema, { io: 'input' }) as {
    properties: Record<
      string,
      { description?: string; properties?: Record<string, { description?: string }> }
    >;
  };
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (key === 'type') continue;
    assert.ok(prop.description, `${key} has no description`);
    for (const [sub, p] of Object.entries(prop.properties ?? {})) assert.ok(p.description, `${key}.${sub}`);
  }
});
