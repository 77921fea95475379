import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { kafkaSinkConfigSchema } from '../../../../src/sinks/kafka/index.js';
import { zstdAvailable } from '../../../../src/sinks/kafka/zstd.js';

const base = { type: 'kafka', brokers: ['127.0.0.1:9092'] };

function problems(raw: Record<string, unknown>): Array<{ path: string; message: string }> {
  const r = kafkaSinkConfigSchema.safeParse({ ...base, ...raw });
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('kafka sink config', () => {
  it('defaults to acks all, idempotence, gzip, per event type topics keyed by event_id, 1 MiB limits', () => {
    const c = kafkaSinkConfigSchema.parse(base);
    assert.equal(c.acks, 'all');
    assert.equal(c.idempotent, true);
    assert.equal(c.compression, 'gzip');
    assert.equal(c.topic, 'openai.compliance.{event_type_lower}');
    assert.equal(c.key, '{event_id}');
    assert.equal(c.maxRecordBytes, 1024 * 1024);
    assert.equal(c.batchMaxBytes, 1024 * 1024);
    assert.equal(c.oversizePolicy, 'dead-letter');
    assert.equal(c.maxInFlightRequests, 5);
    assert.deepEqual([c.retryMaxAttempts, c.retryInitialDelayMs, c.retryMaxDelayMs], [10, 500, 30_000]);
  });

  it('rejects unknown keys and malformed broker addresses', () => {
    assert.deepEqual(
      problems({ brokers: ['kafka-1'], topik: 'x' }).map((p) => p.path),
      ['brokers.0', ''],
    );
  });

  it('names every cross-field problem with its path', () => {
    const found = problems({
      acks: 'leader',
      maxInFlightRequests: 8,
      oversizePolicy: 'truncate',
      topic: 'logs.{event_kind}',
      key: '{principal',
      tls: { certFile: '/etc/client.pem' },
    });
    const paths = found.map((p) => p.path).sort();
    assert.deepEqual(paths, ['acks', 'key', 'maxInFlightRequests', 'tls', 'topic', 'truncateField']);
    assert.match(found.find((p) => p.path === 'topic')!.message, /unknown placeholder \{event_kind\}/);
    assert.match(found.find((p) => p.path === 'acks')!.message, /idempotent producer needs acks "all"/);
  });

  it('accepts acks "leader" and more requests in flight without idempotence', () => {
    assert.deepEqual(problems({ idempotent: false, acks: 'leader', maxInFlightRequests: 10 }), []);
  });

  it('refuses a fixed topic Kafka would refuse', () => {
    assert.match(problems({ topic: 'compliance logs' })[0]?.message ?? '', /may only contain/);
    assert.match(problems({ topic: 'x'.repeat(250) })[0]?.message ?? '', /at most 249/);
    assert.deepEqual(problems({ topic: 'fixed.topic-name_1' }), []);
  });

  it('takes secrets only as references', () => {
    assert.deepEqual(
      problems({ sasl: { mechanism: 'scram-sha-256', username: 'u', password: { env: 'KAFKA_PASSWORD' } } }),
      [],
    );
    assert.equal(
      problems({ sasl: { mechanism: 'plain', username: 'u', password: 'inline' } })[0]?.path,
      'sasl.password',
    );
  });

  it(`accepts zstd only where node:zlib has it (${process.version})`, () => {
    const found = problems({ compression: 'zstd' });
    if (zstdAvailable()) assert.deepEqual(found, []);
    else assert.match(found[0]?.message ?? '', /zstd compression needs Node\.js >= 22\.15/);
  });

  it('exports a JSON Schema with descriptions and defaults', () => {
    const schema = z.toJSONSchema(kafkaSinkConfigSchema, { io: 'input' }) as {
      properties: Record<string, { description?: string; default?: unknown }>;
    };
    assert.equal(schema.properties.compression?.default, 'gzip');
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (name !== 'type') assert.ok(prop.description, `${name} has a description`);
    }
  });
});
