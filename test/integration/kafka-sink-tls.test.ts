/**
 * TLS from the Kafka sink's config to the wire. The Kafka-protocol test broker (librdkafka's mock)
 * has no TLS listener, so the peer here is a TLS server on loopback that demands a client
 * certificate from a throwaway CA and records who connected: enough to show the CA, the client
 * certificate and the client key reach the handshake, and that an untrusted broker is refused
 * with a TLS error rather than retried.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { isCfError } from '../../src/core/errors/index.js';
import { startRejection } from '../helpers/kafka-clients.js';
import { KAFKA_CLIENTS, kafkaSink } from './kafka-sink-helpers.js';

const run = promisify(execFile);

async function makeCertificates(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const days = ['-days', '1'];
  await run(
    'openssl',
    ['req', '-x509', ...ec, ...days, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=cf-test-ca'],
    {
      cwd: dir,
    },
  );
  await writeFile(
    join(dir, 'server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'cf-client'],
  ] as const) {
    await run(
      'openssl',
      ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`],
      {
        cwd: dir,
      },
    );
    await run(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        ...days,
        '-extfile',
        `${name}.ext`,
      ],
      { cwd: dir },
    );
  }
}

for (const client of KAFKA_CLIENTS) {
  describe(`kafka sink TLS (${client})`, () => {
    let dir: string;
    let server: Server;
    let address: string;
    const clients: Array<{ authorized: boolean; cn: unknown }> = [];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cf-kafka-tls-'));
      await makeCertificates(dir);
      server = createServer(
        {
          key: await readFile(join(dir, 'server.key')),
          cert: await readFile(join(dir, 'server.pem')),
          ca: await readFile(join(dir, 'ca.pem')),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (socket: TLSSocket) => {
          clients.push({ authorized: socket.authorized, cn: socket.getPeerCertificate().subject?.CN });
          // Not a broker: hang up after the handshake.
          socket.destroy();
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server?.close(() => resolve()));
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('presents the client certificate and trusts the configured CA', async () => {
      clients.length = 0;
      const { sink } = kafkaSink({
        client,
        brokers: [address],
        connectionTimeoutMs: 1000,
        tls: {
          caFile: join(dir, 'ca.pem'),
          certFile: join(dir, 'client.pem'),
          key: { file: join(dir, 'client.key') },
        },
      });
      const err = await sink.start().then(
        () => assert.fail('the peer is not a broker; start() should reject'),
        (e: unknown) => e,
      );
      sink.destroy();
      assert.ok(clients.length > 0, 'the handshake completed');
      assert.deepEqual(clients[0], { authorized: true, cn: 'cf-client' });
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_CONNECT', 'past TLS, the failure is the peer hanging up');
    });

    it('refuses a broker whose certificate the configured CAs do not vouch for, without retrying', async () => {
      clients.length = 0;
      const { sink } = kafkaSink({ client, brokers: [address], connectionTimeoutMs: 1000, tls: {} });
      const err = await startRejection(sink);
      assert.equal(err.code, 'CF_ERR_SINK_TLS');
      assert.equal(err.retriable, false);
      assert.match(err.message, /tls\.caFile/);
      assert.equal(
        clients.some((c) => c.authorized),
        false,
      );
    });

    it('says which file is missing', async () => {
      const { sink } = kafkaSink({ client, brokers: [address], tls: { caFile: join(dir, 'nope.pem') } });
      const err = await startRejection(sink);
      assert.equal(err.code, 'CF_ERR_CONFIG');
      assert.match(err.message, /tls\.caFile .*nope\.pem \(ENOENT\)/);
    });
  });
}
