/**
 * A private rsyslogd on loopback for integration tests and benchmarks (rsyslog and rsyslog-gnutls
 * come from test/infra/install.sh). `startRsyslog()` picks free ports, makes a throwaway CA with a
 * server certificate and an encrypted client key (mutual TLS), writes the config from
 * syslog/rsyslog.conf.in and starts `rsyslogd -n`; `stop()`/`start()` restart it on the same
 * ports (fault injection); `close()` kills exactly its PID and removes the directory.
 * Received messages are read back as parsed RFC 5424 fields (messages.jsonl).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { type FileHandle, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TEMPLATE = new URL('./syslog/rsyslog.conf.in', import.meta.url);

/** One message as rsyslog parsed it (see the jsonl template). */
export interface ReceivedMessage {
  readonly input: 'udp' | 'tcp' | 'tls' | 'mtls';
  readonly pri: number;
  readonly facility: number;
  readonly severity: number;
  /** "1" for RFC 5424, "0" for RFC 3164. */
  readonly protover: string;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appname: string;
  readonly procid: string;
  readonly msgid: string;
  /** STRUCTURED-DATA as received. */
  readonly sd: string;
  /** STRUCTURED-DATA parsed by mmpstrucdata: SD-ID -> param -> unescaped value. */
  readonly sdparsed: Record<string, Record<string, string>> | undefined;
  /** MSG length in bytes as rsyslog counted it. */
  readonly msglen: number;
  readonly msg: string;
}

export interface RsyslogOptions {
  /** 'recv' writes every parsed message (default); 'tally' writes one short line each (benchmarks). */
  readonly ruleset?: 'recv' | 'tally';
}

export interface RsyslogReceiver {
  readonly host: '127.0.0.1';
  /** UDP and TCP. */
  readonly port: number;
  /** TLS, server certificate only. */
  readonly tlsPort: number;
  /** TLS that requires a client certificate signed by `caFile`. */
  readonly mtlsPort: number;
  readonly dir: string;
  readonly caFile: string;
  readonly clientCertFile: string;
  /** Encrypted with `clientKeyPassphrase`. */
  readonly clientKeyFile: string;
  readonly clientKeyPassphrase: string;
  url(kind: 'udp' | 'tcp' | 'tls' | 'mtls'): string;
  /** Messages received so far (probes left out), optionally filtered. */
  messages(filter?: (m: ReceivedMessage) => boolean): Promise<ReceivedMessage[]>;
  /** Every message received once rsyslog's output has stopped growing (it writes asynchronously). */
  settledMessages(): Promise<ReceivedMessage[]>;
  /** Waits until at least `count` messages pass `filter`; throws after `timeoutMs` with what arrived. */
  waitForMessages(
    count: number,
    filter?: (m: ReceivedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedMessage[]>;
  /** Lines in the tally file (ruleset 'tally'). */
  tally(): Promise<number>;
  /** SIGTERM and wait for the exit (rsyslog drains its queue first). */
  stop(): Promise<void>;
  /** Starts again on the same ports. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the receiver stops reading but keeps its connections (a stuck receiver). */
  pause(): void;
  resume(): void;
  /** Stops and removes the state directory. */
  close(): Promise<void>;
}

export async function startRsyslog(options: RsyslogOptions = {}): Promise<RsyslogReceiver> {
  const dir = await mkdtemp(join(tmpdir(), 'cf-rsyslog-'));
  await mkdir(join(dir, 'rsyslog-work'));
  const passphrase = randomBytes(12).toString('hex');
  await makeCertificates(dir, passphrase);
  const port = await freePort(true);
  const tlsPort = await freePort(false);
  const mtlsPort = await freePort(false);
  const template = await readFile(TEMPLATE, 'utf8');
  const confPath = join(dir, 'rsyslog.conf');
  await writeFile(
    confPath,
    template
      .replaceAll('@STATE@', dir)
      .replaceAll('@SYSLOG_PORT@', String(port))
      .replaceAll('@SYSLOG_TLS_PORT@', String(tlsPort))
      .replaceAll('@SYSLOG_MTLS_PORT@', String(mtlsPort))
      .replaceAll('@RULESET@', options.ruleset ?? 'recv'),
  );
  const outPath = join(dir, 'messages.jsonl');
  let child: ChildProcess | undefined;
  let stderr = '';

  async function start(): Promise<void> {
    if (child !== undefined) return;
    stderr = '';
    const proc = spawn('rsyslogd', ['-n', '-f', confPath, '-i', join(dir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-4000);
    });
    child = proc;
    // Never leave a receiver behind when the test process dies on an uncaught error.
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => process.off('exit', killOnExit));
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`rsyslogd exited (${code}) while starting: ${stderr}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitUntilReady(), exited]);
  }

  async function waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (const p of [port, tlsPort, mtlsPort]) {
      while (!(await canConnect(p))) {
        if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${p}: ${stderr}`);
        await delay(50);
      }
    }
    if (options.ruleset === 'tally') return;
    // A probe through UDP proves the whole path (input, ruleset, output file) is up.
    const probe = `probe-${randomBytes(4).toString('hex')}`;
    const udp = createSocket('udp4');
    udp.on('error', () => {}); // the input may not be bound yet
    try {
      for (;;) {
        udp.send(`<14>1 - - probe - PROBE - ${probe}`, port, '127.0.0.1');
        await delay(50);
        if ((await readAll(true)).some((m) => m.msg === probe)) return;
        if (Date.now() > deadline) throw new Error(`rsyslogd does not write messages: ${stderr}`);
      }
    } finally {
      udp.close();
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (proc === undefined) return;
    child = undefined;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGCONT'); // in case a test paused it
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  // Read incrementally: tests poll while thousands of messages arrive.
  const received: ReceivedMessage[] = [];
  let readOffset = 0;
  let partial = Buffer.alloc(0);
  async function readAll(withProbes = false): Promise<ReceivedMessage[]> {
    let fh: FileHandle;
    try {
      fh = await open(outPath, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await fh.stat();
      if (size > readOffset) {
        const fresh = Buffer.alloc(size - readOffset);
        const { bytesRead } = await fh.read(fresh, 0, fresh.length, readOffset);
        readOffset += bytesRead;
        const text = Buffer.concat([partial, fresh.subarray(0, bytesRead)]);
        const end = text.lastIndexOf(0x0a); // the last line may still be being written
        partial = text.subarray(end + 1);
        for (const line of text.toString('utf8', 0, end + 1).split('\n')) {
          if (line !== '') received.push(parseLine(line));
        }
      }
    } finally {
      await fh.close();
    }
    return withProbes ? received : received.filter((m) => m.msgid !== 'PROBE');
  }

  await start();
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    mtlsPort,
    dir,
    caFile: join(dir, 'ca.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client-key.pem'),
    clientKeyPassphrase: passphrase,
    url: (kind) =>
      kind === 'udp' || kind === 'tcp'
        ? `${kind}://127.0.0.1:${port}`
        : `tcp+tls://127.0.0.1:${kind === 'tls' ? tlsPort : mtlsPort}`,
    messages: async (filter) => (await readAll()).filter(filter ?? (() => true)),
    async settledMessages() {
      let last = -1;
      let messages = await readAll();
      while (messages.length !== last) {
        last = messages.length;
        await delay(300);
        messages = await readAll();
      }
      return messages;
    },
    async waitForMessages(count, filter = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = (await readAll()).filter(filter);
        if (got.length >= count) return got;
        if (Date.now() > deadline) {
          throw new Error(`Expected ${count} messages, rsyslog wrote ${got.length}. stderr: ${stderr}`);
        }
        await delay(50);
      }
    },
    async tally() {
      try {
        const text = await readFile(join(dir, 'tally.log'), 'utf8');
        return text.split('\n').length - 1;
      } catch {
        return 0;
      }
    },
    stop,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function parseLine(line: string): ReceivedMessage {
  const raw = JSON.parse(line) as Record<string, string>;
  const num = (k: string) => Number(raw[k]);
  return {
    input: raw.input as ReceivedMessage['input'],
    pri: num('pri'),
    facility: num('facility'),
    severity: num('severity'),
    protover: raw.protover ?? '',
    timestamp: raw.timestamp ?? '',
    hostname: raw.hostname ?? '',
    appname: raw.appname ?? '',
    procid: raw.procid ?? '',
    msgid: raw.msgid ?? '',
    sd: raw.sd ?? '',
    sdparsed: raw.sdparsed ? (JSON.parse(raw.sdparsed) as Record<string, Record<string, string>>) : undefined,
    msglen: num('msglen'),
    msg: raw.msg ?? '',
  };
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate with an encrypted key. */
async function makeCertificates(dir: string, passphrase: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  const at = (f: string) => join(dir, f);
  await run(
    'openssl',
    ['req', '-x509', ...ec, '-nodes', '-days', '2', '-subj', '/CN=cf-test-ca'].concat([
      '-keyout',
      at('ca-key.pem'),
      '-out',
      at('ca.pem'),
    ]),
  );
  await run('openssl', [
    'req',
    ...ec,
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    at('server-key.pem'),
    '-out',
    at('server.csr'),
  ]);
  await writeFile(
    at('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await run(
    'openssl',
    ['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca-key.pem')].concat([
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      at('server.pem'),
      '-extfile',
      at('server.ext'),
    ]),
  );
  await run(
    'openssl',
    ['req', ...ec, '-subj', '/CN=cf-test-client', '-passout', 'env:CF_KEY_PASS'].concat([
      '-keyout',
      at('client-key.pem'),
      '-out',
      at('client.csr'),
    ]),
    {
      env: { ...process.env, CF_KEY_PASS: passphrase },
    },
  );
  await writeFile(at('client.ext'), 'extendedKeyUsage=clientAuth\n');
  await run(
    'openssl',
    ['x509', '-req', '-in', at('client.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca-key.pem')].concat([
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      at('client.pem'),
      '-extfile',
      at('client.ext'),
    ]),
  );
}

/** A loopback port free for TCP (and UDP too when `udp`), found by binding port 0. */
async function freePort(udp: boolean): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!udp) return port;
    const sock = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) await new Promise<void>((resolve) => sock.close(() => resolve()));
    else sock.close();
    if (ok) return port;
  }
  throw new Error('No free port for UDP and TCP.');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
