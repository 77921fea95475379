import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCfError } from '../../../../src/core/errors/index.js';
import { chooseKafkaClient } from '../../../../src/sinks/kafka/client-choice.js';
import type { AddonLoad, RdKafkaModule } from '../../../../src/sinks/kafka/rdkafka-api.js';

const loads = (): AddonLoad => ({ ok: true, module: { librdkafkaVersion: '2.15.1' } as RdKafkaModule });
const missing = (): AddonLoad => ({
  ok: false,
  reason: 'its native addon does not load: libsasl2.so.2: cannot open',
});
const tls = { rejectUnauthorized: true, serverName: 'kafka.internal' };

describe('kafka client choice', () => {
  it('defaults to librdkafka when the addon loads, else kafkajs, saying why', () => {
    assert.deepEqual(
      [chooseKafkaClient({}, loads).reason, chooseKafkaClient({}, missing).reason],
      [
        'its addon loads (librdkafka 2.15.1)',
        'librdkafka is not available: its native addon does not load: libsasl2.so.2: cannot open',
      ],
    );
    assert.equal(chooseKafkaClient({}, missing).client, 'kafkajs');
  });

  it('never loads the addon when kafkajs is named', () => {
    const choice = chooseKafkaClient({ client: 'kafkajs' }, () => assert.fail('loaded the addon'));
    assert.equal(choice.client, 'kafkajs');
  });

  it('takes kafkajs for tls.serverName, which librdkafka cannot honour, and refuses it with librdkafka named', () => {
    assert.equal(chooseKafkaClient({ tls }, loads).client, 'kafkajs');
    assert.throws(
      () => chooseKafkaClient({ client: 'librdkafka', tls }, loads),
      (e: unknown) => isCfError(e) && e.code === 'CF_ERR_CONFIG' && /tls\.serverName/.test(e.message),
    );
  });
});
