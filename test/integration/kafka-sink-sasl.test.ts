/**
 * SASL from the Kafka sink's config to the wire, against a loopback peer that speaks the SASL
 * part of the Kafka protocol (the mock cluster has no SASL): the password read from a secret file
 * is what the broker receives, a refusal is a fatal auth error, and the password shows up nowhere
 * else, not even in trace logs of the exchange.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isCfError } from '../../src/core/errors/index.js';
import { type SaslPeer, startSaslPeer } from '../infra/kafka-sasl-peer.js';
import { KAFKA_CLIENTS, kafkaSink, memoryLogger } from './kafka-sink-helpers.js';

for (const client of KAFKA_CLIENTS) {
  describe(`kafka sink SASL (${client})`, () => {
    let peer: SaslPeer;
    let dir: string;
    before(async () => {
      peer = await startSaslPeer();
      dir = await mkdtemp(join(tmpdir(), 'cf-kafka-sasl-'));
    });
    after(async () => {
      await peer?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('sends the password from its secret file, stops on refusal, and logs no secret', async () => {
      const password = 'sasl-file-password-5b1e0c7f';
      const passwordFile = join(dir, 'kafka-password');
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      const { logger, lines } = memoryLogger('trace');
      const { sink } = kafkaSink(
        {
          client,
          brokers: [peer.address],
          sasl: { mechanism: 'plain', username: 'forwarder', password: { file: passwordFile } },
          connectionTimeoutMs: 1000,
        },
        logger,
      );
      const err = await sink.start().then(
        () => assert.fail('start() should reject'),
        (e: unknown) => e as Error,
      );
      sink.destroy();

      assert.deepEqual(peer.attempts[0], { mechanism: 'PLAIN', username: 'forwarder', password });
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_AUTH');
      assert.equal(err.retriable, false);
      assert.match(err.message, /SASL/);
      assert.ok(lines.length > 0);
      const everything = [err.message, String(err.stack), JSON.stringify(sink.health()), ...lines].join('\n');
      assert.equal(everything.includes(password), false);
    });
  });
}
