/**
 * The forwarder under soak: `compliance-forwarder run` from the build (dist/cli/bin.js), one
 * process at a time on the same config and state. Its log is appended to a file of the run's
 * output directory; its /metrics port comes from its "Service started." line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { cliNodeFlags } from '../helpers/cli.js';

export interface ForwarderProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Resolves with the exit code or signal when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export class Forwarder {
  #current: ForwarderProcess | undefined;
  readonly #log: WriteStream;
  /** Exits nobody asked for (a crash, a fatal sink error), with their time and code. */
  readonly unexpectedExits: Array<{ at: string; code: number | null; signal: string | null }> = [];
  #expectingExit = false;

  constructor(
    private readonly cli: string,
    private readonly configPath: string,
    private readonly env: Record<string, string>,
    logPath: string,
  ) {
    this.#log = createWriteStream(logPath, { flags: 'a' });
  }

  get current(): ForwarderProcess | undefined {
    return this.#current;
  }

  /** True between a deliberate stop and the next start (the harness must not restart it then). */
  get stoppedOnPurpose(): boolean {
    return this.#expectingExit;
  }

  async start(): Promise<ForwarderProcess> {
    const child = spawn(process.execPath, [...cliNodeFlags(), this.cli, 'run', '--config', this.configPath], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let head = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run did not start in 60 s:\n${head}`)), 60_000);
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        this.#log.write(d);
        if (head.length < 200_000) head += d;
        const m = /"httpPort":(\d+)[^\n]*"msg":"Service started\."/.exec(head);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`run exited (${code}) before it started:\n${head.slice(-4000)}`));
      });
    });
    const proc: ForwarderProcess = { child, pid: child.pid!, port, exited };
    this.#current = proc;
    this.#expectingExit = false;
    void exited.then(({ code, signal }) => {
      if (!this.#expectingExit) this.unexpectedExits.push({ at: new Date().toISOString(), code, signal });
      if (this.#current === proc) this.#current = undefined;
    });
    return proc;
  }

  /** SIGTERM (the Kubernetes way) and wait for the drained exit; returns its exit code. */
  async stopGracefully(): Promise<number | null> {
    const proc = this.#current;
    if (proc === undefined) return null;
    this.#expectingExit = true;
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    return code;
  }

  /** SIGKILL: no drain, no checkpoint save. */
  async kill(): Promise<void> {
    const proc = this.#current;
    if (proc === undefined) return;
    this.#expectingExit = true;
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  async close(): Promise<void> {
    await this.stopGracefully();
    await new Promise<void>((resolve) => this.#log.end(() => resolve()));
  }
}
