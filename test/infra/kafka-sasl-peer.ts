/**
 * The SASL half of a Kafka broker, on loopback, for the one thing the mock cluster (kmock) cannot
 * do: authenticate. It speaks just enough of the Kafka wire protocol for a client to log in
 * (ApiVersions, SaslHandshake, SaslAuthenticate), records the mechanism and the PLAIN
 * credentials it was sent, and refuses them with SASL_AUTHENTICATION_FAILED (error 58), so the
 * client stops there. Nothing else is served.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface SaslAttempt {
  readonly mechanism: string;
  /** PLAIN only: authzid \0 username \0 password. */
  readonly username?: string;
  readonly password?: string;
}

export interface SaslPeer {
  readonly address: string;
  readonly attempts: SaslAttempt[];
  close(): Promise<void>;
}

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const SASL_AUTHENTICATION_FAILED = 58;
const UNSUPPORTED_VERSION = 35;

function frame(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function str(s: string): Buffer {
  return Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
}

function answer(
  socket: Socket,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Buffer,
  attempt: SaslAttempt[],
): void {
  if (apiKey === API_VERSIONS) {
    const apis: Array<[number, number, number]> = [
      [API_VERSIONS, 0, 2],
      [SASL_HANDSHAKE, 0, 1],
      [SASL_AUTHENTICATE, 0, 0],
    ];
    const list = apis.map(([k, min, max]) => Buffer.concat([int16(k), int16(min), int16(max)]));
    // A newer ApiVersions than v2 (librdkafka asks v3 first) gets what a broker answers:
    // UNSUPPORTED_VERSION in the v0 layout, so the client retries with one this peer speaks.
    const error = apiVersion > 2 ? UNSUPPORTED_VERSION : 0;
    socket.write(frame(correlationId, Buffer.concat([int16(error), int32(list.length), ...list, int32(0)])));
  } else if (apiKey === SASL_HANDSHAKE) {
    attempt.push({ mechanism: body.subarray(2, 2 + body.readInt16BE(0)).toString() });
    const mechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
    socket.write(
      frame(correlationId, Buffer.concat([int16(0), int32(mechanisms.length), ...mechanisms.map(str)])),
    );
  } else if (apiKey === SASL_AUTHENTICATE) {
    const auth = body.subarray(4, 4 + body.readInt32BE(0)).toString();
    const last = attempt.pop() ?? { mechanism: '?' };
    const [, username, password] = auth.split('\u0000');
    attempt.push(last.mechanism === 'PLAIN' ? { ...last, username, password } : last);
    const reply = Buffer.concat([
      int16(SASL_AUTHENTICATION_FAILED),
      str('Authentication failed: invalid credentials'),
      int32(0),
    ]);
    socket.write(frame(correlationId, reply));
  } else {
    socket.destroy();
  }
}

export async function startSaslPeer(): Promise<SaslPeer> {
  const attempts: SaslAttempt[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const request = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + request.length);
        // Request header v1: api_key, api_version, correlation_id, client_id (nullable string).
        const apiKey = request.readInt16BE(0);
        const correlationId = request.readInt32BE(4);
        const clientIdLength = request.readInt16BE(8);
        const body = request.subarray(10 + Math.max(0, clientIdLength));
        answer(socket, apiKey, request.readInt16BE(2), correlationId, body, attempts);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
