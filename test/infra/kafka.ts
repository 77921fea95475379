/**
 * A Kafka-protocol broker on loopback for integration tests and benchmarks: kmock (librdkafka's
 * mock cluster as a process, test/infra/kafka/kmock.c, built by test/infra/install.sh).
 * `startKafkaBroker()` starts one in its own temp directory; the mock binds its brokers to free
 * loopback ports itself, so any number of test files can each run their own at once. `stop()`
 * kills exactly that PID. Faults go through kmock's control FIFO (`control('down 2')`), and what
 * the broker holds is read back with kcat, an independent (C, librdkafka) consumer.
 *
 * Mind the mock: it answers Metadata v2 at most, so naming a missing topic in a metadata request
 * (kcat -t, a consumer) creates it. `listTopics()` asks for all topics and creates none.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KMOCK_BIN = fileURLToPath(new URL('./.build/kmock', import.meta.url));

/** One record as kcat -J prints it. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  /** Header name -> value (the last one when a name repeats). */
  readonly headers: Record<string, string>;
}

export interface Consumed {
  readonly records: ConsumedRecord[];
  /** Compression codecs of the record batches fetched, as librdkafka reports them ("gzip", "uncompressed", ...). */
  readonly codecs: Set<string>;
}

export interface KafkaBroker {
  /** host:port of each broker. */
  readonly brokers: string[];
  /** Comma-separated, for kcat -b. */
  readonly bootstrap: string;
  readonly dir: string;
  /**
   * Sends one kmock control command (`down 2`, `up 2`, `err 0 6 6 6`, `rtt -1 300`,
   * `topic NAME PARTS RF`) and waits until kmock applied it; throws if kmock refused it.
   */
  control(command: string): Promise<void>;
  /** Every record of `topic` from the beginning (kcat -C -e). */
  consume(topic: string, timeoutMs?: number): Promise<Consumed>;
  /** Topic -> partition count, without creating any topic. */
  listTopics(): Promise<Map<string, number>>;
  /** SIGTERM (SIGKILL after 3 s) and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

export interface KafkaBrokerOptions {
  /** Brokers in the cluster (default 3). */
  readonly brokers?: number;
  /** Topics created at start, `name` or `name:partitions` (default 3 partitions). */
  readonly topics?: readonly string[];
}

function kcat(args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      args,
      { timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-2000)}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** librdkafka's consumer debug line for each fetched message set names its codec last. */
const ENQUEUE_LINE = /Enqueue \d+ message\(s\) .* fetch queue \(.*, (\w+)\)\s*$/;

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  if (!existsSync(KMOCK_BIN)) {
    throw new Error(`${KMOCK_BIN} is missing: run \`bash test/infra/install.sh\` (as root) first.`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'cf-kmock-'));
  const fifo = join(dir, 'control.fifo');
  const bootstrapFile = join(dir, 'bootstraps.txt');
  const child: ChildProcess = spawn(
    KMOCK_BIN,
    ['-b', String(options.brokers ?? 3), '-f', bootstrapFile, '-C', fifo, ...(options.topics ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // A crashed test run must not leave the broker behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stderr = '';
  const acks: string[] = [];
  let ackWaiter: (() => void) | undefined;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split('\n')) {
      if (/^kmock: \S+ -> /.test(line) || line.startsWith('kmock: unknown command')) {
        acks.push(line);
        ackWaiter?.();
      }
    }
  });
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`kmock exited with ${code} before it was ready: ${stderr}`)),
    );
    setTimeout(() => reject(new Error(`kmock did not start within 10 s: ${stderr}`)), 10_000).unref();
  });
  let bootstrap: string;
  try {
    bootstrap = await ready;
  } catch (err) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // A test that forgets stop() must not keep the process alive; the exit hook kills kmock then.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  // kmock creates the control FIFO before it prints the bootstrap list, so it is ready now.

  let stopped: Promise<void> | undefined;
  const broker: KafkaBroker = {
    brokers: bootstrap.split(','),
    bootstrap,
    dir,
    async control(command) {
      const before = acks.length;
      const applied = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kmock did not apply "${command}"`)), 5000);
        ackWaiter = () => {
          if (acks.length > before) {
            clearTimeout(timer);
            ackWaiter = undefined;
            resolve();
          }
        };
      });
      await appendFile(fifo, `${command}\n`);
      await applied;
      const ack = acks[before] ?? '';
      if (!ack.endsWith('-> Success')) throw new Error(`kmock refused "${command}": ${ack}`);
    },
    async consume(topic, timeoutMs = 30_000) {
      const { stdout, stderr: log } = await kcat(
        ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-X', 'debug=msg'],
        timeoutMs,
      );
      const records: ConsumedRecord[] = [];
      for (const line of stdout.split('\n')) {
        if (line.trim() === '') continue;
        const r = JSON.parse(line) as Omit<ConsumedRecord, 'headers'> & { headers?: string[] };
        const headers: Record<string, string> = {};
        const list = r.headers ?? [];
        for (let i = 0; i + 1 < list.length; i += 2) headers[list[i] as string] = list[i + 1] as string;
        records.push({ ...r, headers });
      }
      const codecs = new Set<string>();
      for (const line of log.split('\n')) {
        const m = ENQUEUE_LINE.exec(line);
        if (m?.[1] !== undefined) codecs.add(m[1]);
      }
      return { records, codecs };
    },
    async listTopics() {
      const { stdout } = await kcat(['-L', '-J', '-b', bootstrap], 10_000);
      const meta = JSON.parse(stdout) as { topics: Array<{ topic: string; partitions: unknown[] }> };
      return new Map(meta.topics.map((t) => [t.topic, t.partitions.length]));
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  return broker;
}
