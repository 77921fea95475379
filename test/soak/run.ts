/*
 * The soak (`npm run soak -- [--minutes N] [--speed X] [--out DIR]`): `compliance-forwarder run`
 * (the build, dist/cli/bin.js) in service mode for N minutes (default 60) against the simulator
 * in fast live time and the audit log and a growing local archive, fanning out to Kafka, Splunk
 * HEC with acknowledgements, rsyslog over TLS and the file sink at once, under a schedule of
 * upstream and sink faults and two restarts of the forwarder itself. Every 5 s it samples the
 * process; at the end it checks every event reached every sink and prints PASS/MISS verdicts.
 * Writes samples.json, faults.jsonl, summary.json, chart.svg and forwarder.log to the output
 * directory. Exit 0 when no verdict is MISS, 1 otherwise, 2 on a bad command line.
 * How to read it: docs/reliability.md, "Soak".
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI } from '../helpers/cli.js';
import { renderSoakChart } from './chart.js';
import { collectSinks, expectedIds, pollFailures, readAcrossFailedPoll } from './collect.js';
import { Forwarder } from './forwarder.js';
import { addArchiveFile, forwarderConfig, forwarderEnv, type Peers, startPeers, stopPeers } from './peers.js';
import { takeSample } from './sampler.js';
import { buildSchedule, type FaultContext } from './schedule.js';
import {
  copiesStraddleRestart,
  type DuplicateCause,
  deliveryVerdict,
  type FaultWindow,
  FLOOR_WINDOW_MS,
  inFlightAtRestart,
  lagRecoveries,
  lagVerdict,
  loopDelayVerdict,
  memoryFloors,
  readBeforeRestart,
  type Sample,
  slopeVerdicts,
  tallySink,
  type Verdict,
  verdictLines,
} from './verdicts.js';

const USAGE = `Usage: npm run soak -- [--minutes N] [--speed X] [--out DIR]
  --minutes N  how long the forwarder runs under faults (default 60; CI smoke: 3)
  --speed X    simulated time per real time for the Compliance Logs Platform (default 120:
               a 10-minute window closes every 5 s)
  --out DIR    where samples, the fault log, the summary and the chart go (default: a new
               directory under the system temp directory)`;

const SAMPLE_MS = 5_000;
const LAG_BOUND_S = 30;
const LAG_WITHIN_S = 60;
const LOOP_BOUND_MS = 100;
/** Resource slopes are judged from this long on; shorter runs print them as n/a. */
const SLOPE_MIN_MINUTES = 30;
/** Event-loop delay and lag recovery are judged from this long on (a smoke run on a busy CI
 * runner measures the runner); shorter runs print them as n/a. */
const TIMING_MIN_MINUTES = 10;

interface Options {
  readonly minutes: number;
  readonly speed: number;
  readonly out: string;
}

function options(argv: string[]): Options {
  let values: { minutes?: string; speed?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string' },
        speed: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    usageExit((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const minutes = Number(values.minutes ?? 60);
  const speed = Number(values.speed ?? 120);
  if (!(minutes >= 1)) usageExit(`--minutes must be a number >= 1; got '${values.minutes}'.`);
  if (!(speed >= 1 && speed <= 1000)) usageExit(`--speed must be between 1 and 1000; got '${values.speed}'.`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return { minutes, speed, out: resolve(values.out ?? join(tmpdir(), `cf-soak-${stamp}`)) };
}

function usageExit(problem: string): never {
  process.stderr.write(`${problem}\n${USAGE}\n`);
  process.exit(2);
}

const log = (msg: string) =>
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RunState {
  readonly t0: number;
  readonly samples: Sample[];
  readonly faults: FaultWindow[];
  readonly hecHarvest: string[];
  readonly archiveWrittenAt: number[];
  readonly faultLog: string;
  /** Where the streams started (service.lookback of the config the run was started with). */
  readonly lookback: string;
}

/** The stream's present and speed, for checkpoint lag in real seconds. */
function lagClock(peers: Peers) {
  return (stream: string) =>
    /^(workspace|organization)\/[^/]+\/(?!API_AUDIT_LOG)/.test(stream)
      ? { nowMs: peers.compliance.now().getTime(), speed: peers.speed }
      : { nowMs: Date.now(), speed: 1 };
}

async function logFault(state: RunState, event: Record<string, unknown>): Promise<void> {
  const line = { at: new Date().toISOString(), t: (Date.now() - state.t0) / 1000, ...event };
  log(`${event.phase} ${event.fault}`);
  await appendFile(state.faultLog, `${JSON.stringify(line)}\n`);
}

/** Runs one fault: apply, hold for its duration, revert; records its window. */
async function runFault(
  fault: ReturnType<typeof buildSchedule>[number],
  ctx: FaultContext,
  state: RunState,
): Promise<void> {
  const start = Date.now() - state.t0;
  await logFault(state, { phase: 'start', fault: fault.name });
  try {
    await fault.apply(ctx);
    if (fault.durationMs > 0) await pause(fault.durationMs);
    await fault.revert(ctx);
  } catch (err) {
    await logFault(state, { phase: 'error', fault: fault.name, error: String(err) });
  }
  const end = Date.now() - state.t0;
  state.faults.push({ name: fault.name, start, end, restart: fault.restart });
  await logFault(state, { phase: 'end', fault: fault.name, seconds: (end - start) / 1000 });
}

/** The run proper: faults on schedule, a sample and a new archive file every 5 s. */
async function soakLoop(opts: Options, peers: Peers, forwarder: Forwarder, state: RunState): Promise<void> {
  const runMs = opts.minutes * 60_000;
  const stateDir = join(opts.out, 'work', 'state');
  const ctx: FaultContext = {
    peers,
    forwarder,
    harvestHec: async () => {
      for (const e of await peers.hec.events()) {
        const id = e.event.event_id ?? e.event.id;
        if (typeof id === 'string') state.hecHarvest.push(id);
      }
    },
  };
  const pending = buildSchedule(runMs);
  const running: Promise<void>[] = [];
  let tick = 0;
  while (Date.now() - state.t0 < runMs) {
    const t = Date.now() - state.t0;
    while (pending.length > 0 && pending[0]!.at * runMs <= t)
      running.push(runFault(pending.shift()!, ctx, state));
    await addArchiveFile(peers, 10 + ((tick * 7) % 21));
    state.archiveWrittenAt.push(Date.now());
    const proc = forwarder.current;
    if (proc === undefined && !forwarder.stoppedOnPurpose) {
      log('the forwarder exited on its own: starting it again');
      await forwarder.start();
    } else if (proc !== undefined) {
      const s = await takeSample(t, proc.pid, proc.port, stateDir, lagClock(peers));
      if (s !== undefined) state.samples.push(s);
    }
    if (++tick % 12 === 0) log(`${(t / 60_000).toFixed(1)} min, ${state.samples.length} samples`);
    await pause(Math.max(0, SAMPLE_MS - (Date.now() - state.t0 - t)));
  }
  await Promise.all(running);
}

/** After the run: the cut, then wait until the file sink holds every expected id (or 3 minutes). */
async function drainAndCollect(opts: Options, peers: Peers, state: RunState) {
  const complianceEnd = peers.compliance.now();
  const auditEvents = peers.audit
    .auditLogEvents(0, Math.floor(Date.now() / 1000))
    .map((e) => ({ id: e.id, effectiveAt: e.effectiveAt }));
  const cut = {
    lookback: state.lookback,
    complianceEnd,
    auditEvents,
    auditStream: `organization/${peers.audit.sampleOrgId}/API_AUDIT_LOG`,
    archiveStream: `files/${join(peers.archiveDir, '*.jsonl')}`,
    archiveWrittenAt: state.archiveWrittenAt,
  };
  const deadLetter = join(opts.out, 'work', 'dead-letter.jsonl');
  const deadline = Date.now() + 180_000;
  for (;;) {
    await pause(10_000);
    const expected = await expectedIds(peers, cut, deadLetter);
    const delivered = await collectSinks(peers, state.hecHarvest);
    const complete = [...delivered.sinks.values()].every((ids) =>
      [...expected.ids].every((id) => ids.has(id)),
    );
    const failures = await pollFailures(join(opts.out, 'forwarder.log'));
    if (complete || Date.now() > deadline) return { expected, ...delivered, failures };
    log('draining: some sink is still missing events');
  }
}

function judge(opts: Options, state: RunState, drained: Awaited<ReturnType<typeof drainAndCollect>>) {
  const runMs = opts.minutes * 60_000;
  const { expected, sinks, copies, failures } = drained;
  const cause = (id: string): DuplicateCause | undefined => {
    const p = expected.positions.get(id);
    const c = copies.get(id);
    if (p !== undefined && inFlightAtRestart(p.stream, p.atMs, state.samples, state.faults)) return 'restart';
    if (
      c !== undefined &&
      copiesStraddleRestart(
        c.ingestMs.map((t) => t - state.t0),
        state.faults,
      )
    )
      return 'restart';
    // Read once, yet in a sink twice: that sink sent it again (syslog's resend window after a lost
    // connection, a HEC batch whose ack never came), fine if it was read just before a restart.
    if (c?.ingestMs.length === 1 && readBeforeRestart(c.ingestMs[0]! - state.t0, state.faults))
      return 'restart';
    if (c !== undefined && readAcrossFailedPoll(c, failures)) return 'failed-poll';
    return undefined;
  };
  const tallies = [...sinks].map(([name, ids]) => tallySink(name, expected.ids, ids, cause));
  const recoveries = lagRecoveries(state.samples, state.faults, LAG_BOUND_S);
  const lag = lagVerdict(recoveries, LAG_BOUND_S, LAG_WITHIN_S);
  const verdicts: Verdict[] = [
    deliveryVerdict(tallies),
    ...slopeVerdicts(state.samples, runMs, opts.minutes >= SLOPE_MIN_MINUTES),
    ...[loopDelayVerdict(state.samples, state.faults, LOOP_BOUND_MS), lag].map((v) =>
      opts.minutes >= TIMING_MIN_MINUTES ? v : { ...v, result: 'n/a' as const },
    ),
  ];
  return { tallies, recoveries, verdicts };
}

/** The most each sink held at once over the run, in KiB (bounded by its batch limits times maxInFlight). */
function peakBufferedKiB(samples: readonly Sample[]): Record<string, number> {
  const peak: Record<string, number> = {};
  for (const s of samples) {
    for (const [sink, bytes] of Object.entries(s.bufferedBytes)) {
      peak[sink] = Math.max(peak[sink] ?? 0, Math.round(bytes / 1024));
    }
  }
  return peak;
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (!existsSync(CLI)) usageExit(`${CLI} is missing: run \`npm run build\` first (npm run soak does).`);
  const work = join(opts.out, 'work');
  await mkdir(work, { recursive: true });
  const runMs = opts.minutes * 60_000;
  const load = { start: loadavg(), end: [] as number[] };
  log(
    `${opts.minutes} min at speed ${opts.speed}; output in ${opts.out}; load ${load.start.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const peers = await startPeers(work, opts.speed, runMs);
  const configPath = join(work, 'config.json');
  const config = forwarderConfig(peers, work);
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const forwarder = new Forwarder(CLI, configPath, forwarderEnv(peers), join(opts.out, 'forwarder.log'));
  const state: RunState = {
    t0: Date.now(),
    samples: [],
    faults: [],
    hecHarvest: [],
    archiveWrittenAt: [],
    faultLog: join(opts.out, 'faults.jsonl'),
    lookback: (config.service as { lookback: string }).lookback,
  };
  try {
    await forwarder.start();
    await soakLoop(opts, peers, forwarder, state);
    log('run over: draining and reading every sink');
    const drained = await drainAndCollect(opts, peers, state);
    load.end = loadavg();
    const { tallies, recoveries, verdicts } = judge(opts, state, drained);
    const lines = verdictLines(verdicts);
    process.stdout.write(`\nSoak, ${opts.minutes} min, speed ${opts.speed}\n${lines.join('\n')}\n`);
    process.stdout.write(
      `load average ${load.start[0]?.toFixed(2)} at the start, ${load.end[0]?.toFixed(2)} at the end; unexpected exits: ${forwarder.unexpectedExits.length}; expired files skipped: ${drained.expected.skippedFiles}\n`,
    );
    const peakBuffered = peakBufferedKiB(state.samples);
    process.stdout.write(
      `peak bytes buffered per sink: ${Object.entries(peakBuffered)
        .map(([sink, kib]) => `${sink} ${kib} KiB`)
        .join(', ')}\n`,
    );
    const floors = memoryFloors(state.samples, runMs);
    process.stdout.write(
      `memory floors per ${FLOOR_WINDOW_MS / 60_000} min over the judged samples (MiB):\n${floors
        .map((f) => `  ${f.name}: ${f.floors.map((y) => y.toFixed(1)).join(', ')}`)
        .join('\n')}\n`,
    );
    await writeFile(join(opts.out, 'samples.json'), `${JSON.stringify(state.samples)}\n`);
    const summary = {
      minutes: opts.minutes,
      speed: opts.speed,
      node: process.version,
      loadAverage: load,
      verdicts,
      tallies,
      recoveries,
      faults: state.faults,
      unexpectedExits: forwarder.unexpectedExits,
      expiredFilesSkipped: drained.expected.skippedFiles,
      peakBufferedKiB: peakBuffered,
      memoryFloorsMiB: floors,
      samples: state.samples.length,
    };
    await writeFile(join(opts.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const title = `Soak: ${opts.minutes} min, 4 sinks, ${state.faults.length} faults (shaded)`;
    await writeFile(join(opts.out, 'chart.svg'), await renderSoakChart(state.samples, state.faults, title));
    log(`wrote samples.json, faults.jsonl, summary.json, chart.svg in ${opts.out}`);
    const failed = verdicts.some((v) => v.result === 'MISS') || forwarder.unexpectedExits.length > 0;
    return failed ? 1 : 0;
  } finally {
    await forwarder.close().catch(() => {});
    await stopPeers(peers);
  }
}

process.exitCode = await main();
