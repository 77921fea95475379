import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A real forward proxy for tests: Debian's tinyproxy (test/infra/install.sh installs it), on
 * 127.0.0.1 with its own config, a free port and its own log file (LogLevel Connect: one line per
 * request, `CONNECT host:port HTTP/1.1` for each tunnel). Optional Basic authentication: without
 * credentials a client then gets 407. Stopped by its pid.
 */
export interface TinyproxyOptions {
  /** Require Proxy-Authorization Basic user:password. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** Allow CONNECT only to these ports (tinyproxy's ConnectPort); default every port. */
  readonly connectPorts?: readonly number[];
}

export interface Tinyproxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly logPath: string;
  /** The log so far. */
  log(): Promise<string>;
  /** `host:port` of every CONNECT in the log, in order. */
  connects(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'cf-tinyproxy-'));
  const logPath = join(dir, 'proxy.log');
  const port = await freePort();
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 600',
    `LogFile "${logPath}"`,
    'LogLevel Connect',
    'MaxClients 100',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    ...(options.auth ? [`BasicAuth ${options.auth.user} ${options.auth.password}`] : []),
    ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    '',
  ].join('\n');
  const confPath = join(dir, 'tinyproxy.conf');
  await writeFile(confPath, conf);
  await writeFile(logPath, '');
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', confPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitListening(port, child, () => stderr);
  const log = () => readFile(logPath, 'utf8');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    logPath,
    log,
    async connects() {
      const text = await log();
      return [...text.matchAll(/CONNECT ([^\s]+) HTTP\/1\.[01]/g)].map((m) => m[1]!);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited (${child.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection(port);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`tinyproxy did not listen on ${port}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function createConnection(port: number) {
  return netConnect({ port, host: '127.0.0.1' });
}

/**
 * A throwaway CA and a server certificate it signs for localhost and 127.0.0.1, made with openssl
 * into `dir`: the CA goes into a source's or sink's tls.ca (or NODE_EXTRA_CA_CERTS), the
 * certificate and key into the simulator's or the HEC receiver's tls.
 */
export async function makeCaAndServerCert(
  dir: string,
  name = 'server',
): Promise<{ caPath: string; certPath: string; keyPath: string }> {
  const run = promisify(execFile);
  const caKey = join(dir, `${name}-ca-key.pem`);
  const caPath = join(dir, `${name}-ca.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}-cert.pem`);
  const ext = join(dir, `${name}.ext`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    `/CN=${name} test CA`,
    '-keyout',
    caKey,
    '-out',
    caPath,
  ]);
  await run('openssl', ['req', ...ec, '-subj', '/CN=localhost', '-keyout', keyPath, '-out', csr]);
  await writeFile(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caPath,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    certPath,
  ]);
  return { caPath, certPath, keyPath };
}
