import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import pino from 'pino';
import { Secret } from '../../../../src/core/secret.js';
import { kafkajsLogCreator, kafkajsLogLevel } from '../../../../src/sinks/kafka/kafkajs-logger.js';

function memory(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('kafkajs logs through pino', () => {
  it('maps levels and keeps kafkajs quiet below what pino keeps', () => {
    const { logLevel } = kafkajs;
    assert.equal(kafkajsLogLevel(memory('info').logger), logLevel.WARN);
    assert.equal(kafkajsLogLevel(memory('debug').logger), logLevel.INFO);
    assert.equal(kafkajsLogLevel(memory('trace').logger), logLevel.DEBUG);
    assert.equal(kafkajsLogLevel(memory('error').logger), logLevel.NOTHING);
  });

  it('passes whitelisted fields only and redacts known secrets', () => {
    const password = new Secret('sasl-password-123456');
    const { logger, lines } = memory('trace');
    const log = kafkajsLogCreator(logger)(kafkajs.logLevel.DEBUG);
    log({
      namespace: 'Connection',
      level: kafkajs.logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: 'now',
        message: `Connection error with ${password.reveal()}`,
        broker: 'b:9092',
        sasl: { password: password.reveal() },
        payload: { anything: password.reveal() },
        error: `bad ${password.reveal()}`,
      },
    });
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.level, 40, 'kafkajs ERROR (retried requests) becomes warn');
    assert.equal(line.broker, 'b:9092');
    assert.equal('sasl' in line || 'payload' in line, false);
    assert.equal(JSON.stringify(line).includes(password.reveal()), false);
  });
});
