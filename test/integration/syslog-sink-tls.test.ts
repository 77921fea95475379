/**
 * TLS (RFC 5425) against rsyslog's gtls driver: the receiver is verified by default, mutual TLS
 * with an encrypted client key works, TLS mistakes fail at once with a clear error, and the key
 * and its passphrase never reach a log line, an error message or a dead-letter entry.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isCfError } from '../../src/core/errors/index.js';
import { CountingDelivery } from '../helpers/records.js';
import { type RsyslogReceiver, startRsyslog } from '../infra/rsyslog.js';
import { deliver, makeSink, recordWithId, type SinkHarness } from './syslog-sink-helpers.js';

let rsyslog: RsyslogReceiver;
let keyPem: string;
const PASS_ENV = 'CF_TEST_SYSLOG_KEY_PASSPHRASE';

before(async () => {
  rsyslog = await startRsyslog();
  keyPem = await readFile(rsyslog.clientKeyFile, 'utf8');
  process.env[PASS_ENV] = rsyslog.clientKeyPassphrase;
});
after(async () => {
  delete process.env[PASS_ENV];
  await rsyslog?.close();
});

/** Fails if the passphrase or any line of the key's PEM body shows up in the text. */
function assertNoSecret(text: string, where: string): void {
  assert.ok(!text.includes(rsyslog.clientKeyPassphrase), `passphrase in ${where}`);
  for (const line of keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
    assert.ok(!text.includes(line), `key material in ${where}`);
  }
}

function assertNoSecretAnywhere(harness: SinkHarness, errors: unknown[]): void {
  assertNoSecret(harness.logs.join('\n'), 'logs');
  for (const err of errors) {
    assertNoSecret(String((err as Error).message), 'error message');
    assertNoSecret(String((err as Error).stack), 'error stack');
  }
  for (const entry of harness.deadLetter.entries) assertNoSecret(JSON.stringify(entry), 'dead-letter entry');
}

const mutualTls = () => ({
  caFile: rsyslog.caFile,
  certFile: rsyslog.clientCertFile,
  key: { file: rsyslog.clientKeyFile },
  keyPassphrase: { env: PASS_ENV },
});

describe('syslog sink over TLS', () => {
  it('delivers with mutual TLS (encrypted client key) and keeps the key material out of logs', async () => {
    const harness = makeSink({
      url: rsyslog.url('mtls'),
      appName: 'cf-mtls',
      tls: mutualTls(),
      messageMaxBytes: 2048,
    });
    await harness.sink.start();
    const delivery = new CountingDelivery();
    const records = Array.from({ length: 20 }, (_, i) => recordWithId(i, `mtls-${i}`, delivery));
    // One oversized record so a dead-letter entry exists to be checked too.
    records.push(recordWithId(99, 'mtls-big', delivery, { pad: 'z'.repeat(4000) }));
    await deliver(harness.sink, records);
    assert.equal(delivery.acked, 21);
    const got = await rsyslog.waitForMessages(20, (m) => m.appname === 'cf-mtls');
    assert.ok(got.every((m) => m.input === 'mtls'));
    assert.equal(harness.deadLetter.count, 1);
    assert.ok(harness.logs.length > 0, 'the sink logged (debug level) during the run');
    assertNoSecretAnywhere(harness, []);
  });

  it('fails when a receiver that requires a client certificate drops every connection', async () => {
    const harness = makeSink({
      url: rsyslog.url('mtls'),
      tls: { caFile: rsyslog.caFile },
      lingerMs: 0,
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 20,
      retryMaxAttempts: 3,
    });
    // TLS 1.3: the receiver checks the client certificate after the handshake, so start() and
    // the first writes succeed; the receiver then closes each connection. That is a break (the
    // recent writes are resent), and connections that never last use up the attempts.
    await harness.sink.start();
    const failed = new Promise<unknown>((resolve) => harness.sink.once('error', resolve));
    const delivery = new CountingDelivery();
    let error: unknown;
    failed.then((err) => {
      error = err;
    });
    for (let i = 0; i < 200 && error === undefined; i++) {
      harness.sink.write(recordWithId(i, `nocert-${i}`, delivery));
      await delay(20);
    }
    const err = await failed;
    assert.ok(isCfError(err));
    assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
    assert.match(err.message, /closed the connection|ECONNRESET/);
    assert.equal((await rsyslog.messages((m) => m.msg.includes('nocert-'))).length, 0);
    assertNoSecretAnywhere(harness, [err]);
  });

  it('verifies the receiver by default: a certificate from an unknown CA fails at once, without retries', async () => {
    const harness = makeSink({ url: rsyslog.url('tls'), retryMaxAttempts: 5 });
    await assert.rejects(harness.sink.start(), (err: unknown) => {
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_TLS');
      assert.match(err.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
      return true;
    });
    const retries = (await harness.metrics.retries.get()).values.reduce((n, v) => n + v.value, 0);
    assert.equal(retries, 0);
    assert.equal(harness.sink.health().ready, false);
    assert.match(harness.sink.health().lastError ?? '', /TLS/);
  });

  it('checks the receiver name: a certificate for another host fails', async () => {
    const harness = makeSink({
      url: rsyslog.url('tls'),
      tls: { caFile: rsyslog.caFile, serverName: 'siem.example.org' },
    });
    await assert.rejects(harness.sink.start(), (err: unknown) => {
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_TLS');
      assert.match(err.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
      return true;
    });
  });

  it('reports a wrong key passphrase clearly, without the passphrase', async () => {
    const wrong = 'not-the-right-passphrase-123';
    const harness = makeSink({
      url: rsyslog.url('mtls'),
      tls: { ...mutualTls(), keyPassphrase: { value: wrong } },
    });
    const errors: unknown[] = [];
    await assert.rejects(harness.sink.start(), (err: unknown) => {
      errors.push(err);
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_TLS');
      assert.match(err.message, /client certificate, key and passphrase/);
      assert.ok(!err.message.includes(wrong));
      return true;
    });
    assertNoSecretAnywhere(harness, errors);
    assert.ok(!harness.logs.join('\n').includes(wrong));
  });

  it('names a missing passphrase variable', async () => {
    const harness = makeSink({
      url: rsyslog.url('mtls'),
      tls: { ...mutualTls(), keyPassphrase: { env: 'CF_TEST_SYSLOG_NOT_SET' } },
    });
    await assert.rejects(harness.sink.start(), (err: unknown) => {
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SECRET_MISSING');
      assert.match(err.message, /CF_TEST_SYSLOG_NOT_SET/);
      return true;
    });
  });
});
