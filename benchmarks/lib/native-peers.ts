import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './cli-build.js';
import { measureChild } from './measure.js';
import type { Archive } from './native-peers-archive.js';
import { RUN_DIR, WORK_DIR } from './paths.js';

/**
 * The native forwarders as contenders (files_to_kafka, files_to_syslog): rsyslog 8.2302 (imfile,
 * mmjsonparse, omkafka / omfwd) and syslog-ng 3.38 (file, json-parser, kafka-c / syslog) each as its
 * own instance with its own config and work directory, kcat -P as the raw Kafka ceiling, and the
 * forwarder's `export --source files`. Each replays the same archive into the same receiver;
 * completion is detected at the receiver (every record counted there), so a daemon that never
 * exits is timed like a command that does. CPU and peak RSS are the contender's own process:
 * the usage probe for the forwarder (Node), /proc/<pid>/stat utime+stime and VmHWM for the others,
 * read every 50 ms and once more just before it is stopped.
 */

const PEERS_SCRIPT = fileURLToPath(new URL('./native-peers.sh', import.meta.url));
const SYSLOG_NG_ROOT = join(WORK_DIR, 'syslog-ng', 'root');
const RSYSLOG_MODULES = '/usr/lib/x86_64-linux-gnu/rsyslog';

/** Where the records go: a fresh topic, or the syslog receiver's TCP port. */
export type Target =
  | { readonly kind: 'kafka'; readonly bootstrap: string; readonly topic: string }
  | { readonly kind: 'syslog'; readonly port: number };

/** The receiver's side: a fresh target per run and how many records it holds. */
export interface Receiver {
  prepare(name: string): Promise<Target>;
  count(target: Target): Promise<number>;
}

/** How a contender starts: the forwarder (a Node child that exits), a command that exits, or a daemon. */
export type Launch =
  | { readonly kind: 'node'; readonly args: readonly string[] }
  | {
      readonly kind: 'command' | 'daemon';
      readonly command: string;
      readonly args: readonly string[];
      readonly env?: NodeJS.ProcessEnv;
    };

export interface Contender {
  readonly name: string;
  readonly role: 'subject' | 'baseline';
  /** What it does and does not do, for the scenario's setup notes. */
  readonly does: string;
  /** Set when it cannot run here (a missing tool), with the reason. */
  readonly skipped?: string;
  launch(target: Target, archive: Archive, workDir: string): Launch;
}

export interface ContenderRun {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
}

// --- availability -----------------------------------------------------------------------------

let peersChecked: string | undefined | null = null;

/** Runs native-peers.sh once per suite; returns why the native peers cannot run, or undefined. */
export function nativePeersProblem(): string | undefined {
  if (peersChecked !== null) return peersChecked;
  const r = spawnSync('bash', [PEERS_SCRIPT], { encoding: 'utf8', timeout: 600_000 });
  peersChecked =
    r.status === 0
      ? undefined
      : `benchmarks/lib/native-peers.sh failed: ${(r.stderr || String(r.error)).trim().slice(-300)}`;
  return peersChecked;
}

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

export function rsyslogProblem(output: 'kafka' | 'syslog'): string | undefined {
  if (!onPath('rsyslogd')) return 'rsyslogd is not installed (test/infra/install.sh)';
  const omkafka = join(RSYSLOG_MODULES, 'omkafka.so');
  if (output === 'kafka' && !existsSync(omkafka)) {
    // native-peers.sh installs it (as root); look again afterwards.
    const problem = nativePeersProblem();
    if (!existsSync(omkafka))
      return `omkafka is missing (Debian package rsyslog-kafka): ${problem ?? 'not installed'}`;
  }
  return undefined;
}

export function syslogNgProblem(): string | undefined {
  const problem = nativePeersProblem();
  if (!existsSync(join(SYSLOG_NG_ROOT, 'usr/sbin/syslog-ng')))
    return `syslog-ng is not unpacked in benchmarks/.work/syslog-ng: ${problem ?? 'unknown reason'}`;
  return undefined;
}

export const kcatProblem = (): string | undefined =>
  onPath('kcat') ? undefined : 'kcat is not installed (test/infra/install.sh)';

// --- configs ----------------------------------------------------------------------------------

const quoted = (s: string) => JSON.stringify(s);

/**
 * rsyslog: imfile reads the archive from its start (inotify), mmjsonparse parses each line
 * (no "@cee:" cookie), the template writes the parsed tree back as JSON (imfile's metadata, file
 * name and offset, included); `parse: false` forwards the line as read.
 */
export function rsyslogConfig(target: Target, archive: Archive, workDir: string, parse: boolean): string {
  const body = parse ? '%$!all-json-plain%' : '%msg%';
  const template =
    target.kind === 'kafka'
      ? body
      : `<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% archive - CONVERSATION_MESSAGE - ${body}`;
  const action =
    target.kind === 'kafka'
      ? `action(type="omkafka" broker=[${target.bootstrap.split(',').map(quoted).join(',')}] topic=${quoted(target.topic)} template="out"
         confParam=["acks=all", "enable.idempotence=true", "compression.codec=none"])`
      : `action(type="omfwd" target="127.0.0.1" port="${target.port}" protocol="tcp" TCP_Framing="octet-counted" template="out")`;
  return `global(workDirectory=${quoted(workDir)} maxMessageSize="64k")
module(load="imfile" mode="inotify")
${parse ? 'module(load="mmjsonparse")' : ''}
${target.kind === 'kafka' ? 'module(load="omkafka")' : ''}
template(name="out" type="string" string=${quoted(template)})
input(type="imfile" file=${quoted(archive.path)} tag="archive" ruleset="replay" readMode="0" freshStartTail="off")
ruleset(name="replay") {
${parse ? '  action(type="mmjsonparse" cookie="")' : ''}
  ${action}
}
`;
}

/**
 * syslog-ng: file source (no syslog parsing of the lines; fetch and window sizes raised from the
 * defaults of 10 and 1,000 so that the source is not what limits it), json-parser into `.json.*`,
 * format-json back into the message; kafka-c (librdkafka) or syslog() (RFC 5424, octet counting).
 */
export function syslogNgConfig(target: Target, archive: Archive): string {
  const destination =
    target.kind === 'kafka'
      ? `kafka-c(bootstrap-servers(${quoted(target.bootstrap)}) topic(${quoted(target.topic)}) message("$(format-json --key .json.* --shift 6)")
          config("acks" => "all" "enable.idempotence" => "true" "compression.codec" => "none"))`
      : `syslog("127.0.0.1" port(${target.port}) transport("tcp"))`;
  return `@version: 3.38
options { log-msg-size(65536); };
source s_archive { file(${quoted(archive.path)} flags(no-parse) follow-freq(1) log-fetch-limit(1000) log-iw-size(10000)); };
parser p_json { json-parser(prefix(".json.")); };
rewrite r_json { set("$(format-json --key .json.* --shift 6)" value("MESSAGE")); };
destination d_out { ${destination}; };
log { source(s_archive); parser(p_json); ${target.kind === 'syslog' ? 'rewrite(r_json); ' : ''}destination(d_out); };
`;
}

/** A daemon with a bad config may keep running and send nothing: validate before timing it. */
function checkConfig(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(command, args, { encoding: 'utf8', env: env ?? process.env, timeout: 30_000 });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')}: ${(r.stderr || String(r.error)).trim().slice(-1500)}`);
}

// --- contenders -------------------------------------------------------------------------------

const rsyslogDoes =
  'reads the file (imfile, inotify), parses each line (mmjsonparse), re-serialises the parsed tree with imfile metadata; no verification, de-duplication or checkpoint after delivery (imfile keeps a read position, not a delivered one)';
const syslogNgDoes =
  'reads the file, parses each line (json-parser: nested members flattened to dotted names; numbers and arrays come back as strings), rebuilds JSON with format-json; no verification, de-duplication or checkpoint after delivery';

export function rsyslogContender(output: 'kafka' | 'syslog', parse: boolean): Contender {
  const problem = rsyslogProblem(output);
  return {
    name: parse ? 'rsyslog (JSON parsed)' : 'rsyslog (lines unparsed)',
    role: 'baseline',
    does: parse
      ? `rsyslog ${rsyslogDoes}`
      : 'rsyslog as above without mmjsonparse: each line forwarded as read (informational)',
    ...(problem === undefined ? {} : { skipped: problem }),
    launch(target, archive, workDir) {
      const config = join(workDir, 'rsyslog.conf');
      writeFileSync(config, rsyslogConfig(target, archive, workDir, parse));
      checkConfig('rsyslogd', ['-N1', '-f', config]);
      return {
        kind: 'daemon',
        command: 'rsyslogd',
        args: ['-n', '-f', config, '-i', join(workDir, 'rsyslogd.pid')],
      };
    },
  };
}

export function syslogNgContender(): Contender {
  const problem = syslogNgProblem();
  return {
    name: 'syslog-ng (JSON parsed)',
    role: 'baseline',
    does: `syslog-ng ${syslogNgDoes}`,
    ...(problem === undefined ? {} : { skipped: problem }),
    launch(target, archive, workDir) {
      const config = join(workDir, 'syslog-ng.conf');
      writeFileSync(config, syslogNgConfig(target, archive));
      const lib = ['usr/lib/syslog-ng', 'usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu']
        .map((p) => join(SYSLOG_NG_ROOT, p))
        .join(':');
      const command = join(SYSLOG_NG_ROOT, 'usr/sbin/syslog-ng');
      const env = { ...process.env, LD_LIBRARY_PATH: lib };
      const args = [
        '-F',
        '--no-caps',
        '-f',
        config,
        `--module-path=${join(SYSLOG_NG_ROOT, 'usr/lib/syslog-ng/3.38')}`,
        '-R',
        join(workDir, 'syslog-ng.persist'),
        '-p',
        join(workDir, 'syslog-ng.pid'),
        '-c',
        join(workDir, 'syslog-ng.ctl'),
      ];
      checkConfig(command, [...args, '--syntax-only'], env);
      return { kind: 'daemon', command, args, env };
    },
  };
}

export function kcatContender(): Contender {
  const problem = kcatProblem();
  return {
    name: 'kcat -P (raw ceiling)',
    role: 'baseline',
    does: 'kcat -P -l: each line sent as read by librdkafka (C), same acks and idempotence, no compression; parses, verifies and adds nothing',
    ...(problem === undefined ? {} : { skipped: problem }),
    launch(target, archive) {
      if (target.kind !== 'kafka') throw new Error('kcat produces to Kafka only');
      return {
        kind: 'command',
        command: 'kcat',
        args: [
          '-P',
          '-b',
          target.bootstrap,
          '-t',
          target.topic,
          '-z',
          'none',
          '-X',
          'acks=all',
          '-X',
          'enable.idempotence=true',
          '-l',
          archive.path,
        ],
      };
    },
  };
}

/** The forwarder's `export --source files` of the archive into the target. */
export function forwarderContender(
  cli: CliCommand,
  name: string,
  sinkArgs: (target: Target) => string[],
): Contender {
  return {
    name,
    role: 'subject',
    does: 'compliance-forwarder export --source files: splits and validates every line, enriches (metadata object, event time), de-duplicates by event_id, waits for every acknowledgement (acks=all / the TCP write) before it exits; checkpoints off (no --state-dir)',
    launch(target, archive, workDir) {
      return {
        kind: 'node',
        args: [
          ...cli.nodeArgs,
          'export',
          '--source',
          'files',
          '--path',
          archive.path,
          ...sinkArgs(target),
          '--dead-letter',
          join(workDir, 'dead-letter.jsonl'),
          '--no-progress',
          '--log-level',
          'warn',
        ],
      };
    },
  };
}

/** `--kafka-client` exists once the librdkafka transport lands; then both clients are contenders. */
export function kafkaClients(cli: CliCommand): readonly string[] {
  const help = spawnSync(process.execPath, [...cli.nodeArgs, 'export', '--help'], { encoding: 'utf8' });
  return /^\s+--kafka-client\s/m.test(help.stdout ?? '') ? ['librdkafka', 'kafkajs'] : [];
}

// --- one run ----------------------------------------------------------------------------------

/** /proc figures of a process that is not Node: CPU seconds (all threads) and peak RSS. */
function procUsage(pid: number): { cpuSeconds: number; peakRssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (hwm?.[1] === undefined) return undefined;
    return { cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100, peakRssBytes: Number(hwm[1]) * 1024 };
  } catch {
    return undefined;
  }
}

/** A usage error leads stderr, a runtime error ends it: keep both ends of a long one. */
const headAndTail = (text: string) =>
  text.length <= 1200 ? text : `${text.slice(0, 400)} ... ${text.slice(-800)}`;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunOptions {
  /** No new record at the receiver for this long fails the run. */
  readonly stallMs: number;
  readonly timeoutMs: number;
}

/**
 * One contender replaying the archive into a fresh target: timed from spawn until the receiver
 * holds every record; throws when it holds a different number (more: duplicates; fewer after a
 * stall or an early exit).
 */
export async function runContender(
  contender: Contender,
  receiver: Receiver,
  archive: Archive,
  label: string,
  options: RunOptions,
): Promise<ContenderRun> {
  // Its own directory every time: imfile's state and syslog-ng's persist file remember what was read.
  const workDir = join(RUN_DIR, `${label}-${randomUUID().slice(0, 8)}`);
  mkdirSync(workDir, { recursive: true });
  const target = await receiver.prepare(label);
  const before = await receiver.count(target);
  const launch = contender.launch(target, archive, workDir);
  const started = performance.now();
  const arrived = () => receiver.count(target).then((n) => n - before);
  if (launch.kind === 'node') {
    const child = measureChild({ args: launch.args, timeoutMs: options.timeoutMs });
    let done = false;
    void child.then(() => (done = true));
    const failed = async () => {
      const run = await child;
      return run.exitCode === 0
        ? undefined
        : new Error(
            `${contender.name} exited with ${run.exitCode ?? run.signal}: ${headAndTail(run.stderr.trim())}`,
          );
    };
    let reached: number;
    try {
      reached = await waitForCount(arrived, archive.records, options, () => done, started);
    } catch (err) {
      // Its own error says more than a count that stopped.
      throw (await failed()) ?? err;
    }
    const error = await failed();
    if (error !== undefined) throw error;
    const run = await child;
    await verify(contender, arrived, archive.records);
    return {
      wallSeconds: reached,
      cpuSeconds: run.cpuSeconds ?? Number.NaN,
      peakRssBytes: run.maxRssBytes ?? Number.NaN,
    };
  }
  const child = spawn(launch.command, launch.args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: launch.env ?? process.env,
    cwd: workDir,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-8192)));
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  child.once('error', (err) => (stderr += String(err)));
  let usage = { cpuSeconds: 0, peakRssBytes: 0 };
  // 20 ms: kcat may finish a small archive in tens of milliseconds.
  const poll = setInterval(() => (usage = procUsage(child.pid ?? -1) ?? usage), 20);
  try {
    const reached = await waitForCount(arrived, archive.records, options, () => exited, started);
    usage = procUsage(child.pid ?? -1) ?? usage;
    if (launch.kind === 'command') {
      const code = await exit;
      if (code !== 0) throw new Error(`${contender.name} exited with ${code}: ${stderr.trim()}`);
    }
    await verify(contender, arrived, archive.records);
    return { wallSeconds: reached, ...usage };
  } catch (err) {
    throw new Error(
      `${(err as Error).message}${stderr ? `; its stderr: ${stderr.trim().slice(-1000)}` : ''}`,
    );
  } finally {
    clearInterval(poll);
    await stop(child, exit);
  }
}

async function waitForCount(
  arrived: () => Promise<number>,
  expected: number,
  options: RunOptions,
  exited: () => boolean,
  started: number,
): Promise<number> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const n = await arrived();
    const now = performance.now();
    if (n >= expected) return (now - started) / 1000;
    if (n !== last) {
      last = n;
      lastChange = now;
    }
    // A child that exited gets a moment for the receiver to catch up (rsyslog writes asynchronously).
    if (exited() && now - lastChange > 2000)
      throw new Error(`the receiver holds ${n} of ${expected} records after the contender exited`);
    if (now - lastChange > options.stallMs)
      throw new Error(
        `the receiver holds ${n} of ${expected} records, none new for ${options.stallMs / 1000} s`,
      );
    if (now - started > options.timeoutMs)
      throw new Error(`the receiver holds ${n} of ${expected} records after ${options.timeoutMs / 1000} s`);
    await delay(50);
  }
}

/** Exactly the archive's records: a contender that sent some twice must not pass. */
async function verify(contender: Contender, arrived: () => Promise<number>, expected: number): Promise<void> {
  await delay(300);
  const n = await arrived();
  if (n !== expected)
    throw new Error(`${contender.name}: the receiver holds ${n} records, the archive has ${expected}`);
}

async function stop(child: ChildProcess, exit: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = await Promise.race([exit.then(() => true), delay(5000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exit;
  }
}

/** The syslog receiver's tally file grows by one fixed-size line per message: its size counts them. */
export function tallyCounter(dir: string, lineBytes: number): () => number {
  const path = join(dir, 'tally.log');
  return () => {
    try {
      return statSync(path).size / lineBytes;
    } catch {
      return 0;
    }
  };
}
