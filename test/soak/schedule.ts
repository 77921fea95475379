/**
 * The soak's fault schedule: where each fault starts (a share of the run), how long it lasts
 * (scaled with the run's length, except the Kafka outage, 30 s as the issue asks), what it does
 * and how it is undone. The forwarder's own restarts come in the first third, so the last two
 * thirds, where the resource slopes are measured, belong to one process.
 */
import type { Forwarder } from './forwarder.js';
import { type Peers, restartHec } from './peers.js';

export interface FaultContext {
  readonly peers: Peers;
  readonly forwarder: Forwarder;
  /** Reads what the HEC receiver holds before it is restarted (its memory is lost then). */
  readonly harvestHec: () => Promise<void>;
}

export interface ScheduledFault {
  readonly name: string;
  /** Share of the run at which it starts. */
  readonly at: number;
  readonly durationMs: number;
  /** Restarts a process: duplicates of its in-flight files are allowed. */
  readonly restart: boolean;
  readonly apply: (ctx: FaultContext) => Promise<void>;
  readonly revert: (ctx: FaultContext) => Promise<void>;
}

const OPEN_LIMITS = {
  list: { limit: 2000, windowMs: 60_000 },
  download: { limit: 2000, windowMs: 60_000 },
};
const TRANSPORT_OFF = {
  listServerErrors: 0,
  downloadServerErrors: 0,
  resetMidBody: 0,
  truncatedBody: 0,
  expiredFiles: { ratio: 0 },
};

/** Upstream faults go to both simulators (the Compliance Logs Platform and the audit log). */
function upstream(patch: Parameters<Peers['compliance']['setFaults']>[0]) {
  return async ({ peers }: FaultContext) => {
    peers.compliance.setFaults(patch);
    peers.audit.setFaults(patch);
  };
}
const upstreamCalm = upstream({ ...TRANSPORT_OFF, rateLimit: OPEN_LIMITS });
const noop = async () => {};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function buildSchedule(runMs: number): ScheduledFault[] {
  // 30 s in a run of 20 minutes or more; shorter runs shrink the bursts (not below 8 s).
  const burst = Math.max(8_000, Math.min(30_000, runMs / 40));
  return [
    {
      name: 'upstream 5xx burst',
      at: 0.06,
      durationMs: burst,
      restart: false,
      apply: upstream({ listServerErrors: 0.5, downloadServerErrors: 0.5 }),
      revert: upstreamCalm,
    },
    {
      name: 'forwarder SIGTERM + restart',
      at: 0.11,
      durationMs: 0,
      restart: true,
      apply: async ({ forwarder }) => {
        await forwarder.stopGracefully();
        await forwarder.start();
      },
      revert: noop,
    },
    {
      name: 'forwarder SIGKILL + restart',
      at: 0.16,
      durationMs: 0,
      restart: true,
      apply: async ({ forwarder }) => {
        await forwarder.kill();
        await forwarder.start();
      },
      revert: noop,
    },
    {
      name: 'upstream connection resets',
      at: 0.25,
      durationMs: burst,
      restart: false,
      apply: upstream({ resetMidBody: 0.3 }),
      revert: upstreamCalm,
    },
    {
      name: 'upstream truncated bodies',
      at: 0.36,
      durationMs: burst,
      restart: false,
      apply: upstream({ truncatedBody: 0.3 }),
      revert: upstreamCalm,
    },
    {
      name: 'HEC 503 burst',
      at: 0.43,
      durationMs: burst,
      restart: false,
      apply: async ({ peers }) =>
        peers.hec.fault({ status: 503, code: 9, count: 1_000_000, retryAfter: '1', target: 'event' }),
      revert: async ({ peers }) => peers.hec.fault({ count: 0 }),
    },
    {
      name: 'upstream 429 storm (Retry-After)',
      at: 0.5,
      durationMs: burst,
      restart: false,
      apply: upstream({
        rateLimit: { list: { limit: 3, windowMs: 10_000 }, download: { limit: 3, windowMs: 10_000 } },
      }),
      revert: upstreamCalm,
    },
    {
      name: 'Kafka broker down 30 s',
      at: 0.57,
      durationMs: 30_000,
      restart: false,
      apply: async ({ peers }) => peers.kafka.control('down 1'),
      revert: async ({ peers }) => peers.kafka.control('up 1'),
    },
    {
      name: 'upstream expired files',
      at: 0.64,
      durationMs: burst,
      restart: false,
      apply: async ({ peers }) => peers.compliance.setFaults({ expiredFiles: { ratio: 0.3 } }),
      revert: upstreamCalm,
    },
    {
      name: 'HEC receiver restart',
      at: 0.71,
      durationMs: 0,
      restart: true,
      apply: async (ctx) => {
        // Refuse new requests first, so nothing is acknowledged after the harvest.
        await ctx.peers.hec.fault({ status: 503, code: 9, count: 1_000_000, target: 'event' });
        await pause(1500);
        await ctx.harvestHec();
        await restartHec(ctx.peers);
      },
      revert: noop,
    },
    {
      name: 'syslog receiver restart',
      at: 0.78,
      durationMs: 0,
      restart: true,
      apply: async ({ peers }) => {
        await peers.rsyslog.stop();
        await pause(Math.min(10_000, burst));
        await peers.rsyslog.start();
      },
      revert: noop,
    },
    {
      name: 'upstream 5xx burst (again)',
      at: 0.85,
      durationMs: burst,
      restart: false,
      apply: upstream({ listServerErrors: 0.5, downloadServerErrors: 0.5 }),
      revert: upstreamCalm,
    },
  ];
}
