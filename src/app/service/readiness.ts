import { classify } from '../../core/errors/index.js';
import type { Sink } from '../../sinks/index.js';
import { CheckpointStore } from '../../state/index.js';
import type { ReadinessReport } from '../../telemetry/health-server.js';
import type { StreamStatus } from './stream-poller.js';

export type ServicePhase = 'starting' | 'running' | 'stopping';

export interface ReadinessInputs {
  readonly phase: ServicePhase;
  readonly shard: string;
  readonly sinks: readonly Sink[];
  readonly stateDir: string;
  readonly streams: readonly StreamStatus[];
  readonly failingThresholdMs: number;
  readonly nowMs: number;
}

/**
 * Ready means the service is doing its job: running (not starting or stopping), every sink
 * reachable (`health().ready`), the state directory writable (probed afresh each time, so a
 * volume that turned read-only shows), and no stream failing for longer than the threshold (a
 * short failure is retried quietly). `reasons` says in sentences what is not ready.
 */
export async function evaluateReadiness(inputs: ReadinessInputs): Promise<ReadinessReport> {
  const reasons: string[] = [];
  if (inputs.phase !== 'running') reasons.push(`The service is ${inputs.phase}.`);

  const sinks = inputs.sinks.map((s) => {
    const h = s.health();
    if (!h.ready) {
      reasons.push(`Sink ${h.name} is not ready${h.lastError === undefined ? '' : `: ${h.lastError}`}.`);
    }
    return {
      name: h.name,
      ready: h.ready,
      inFlight: h.inFlight,
      bufferedBytes: h.bufferedBytes,
      ...(h.lastError === undefined ? {} : { lastError: h.lastError }),
    };
  });

  let state: { dir: string; writable: boolean; error?: string };
  try {
    await new CheckpointStore(inputs.stateDir).ensureWritable();
    state = { dir: inputs.stateDir, writable: true };
  } catch (err) {
    const e = classify(err);
    state = { dir: inputs.stateDir, writable: false, error: e.message };
    reasons.push(e.message);
  }

  const failing = inputs.streams
    .filter((s) => s.failingSince !== undefined)
    .map((s) => {
      const failingForMs = inputs.nowMs - (s.failingSince as number);
      const overThreshold = failingForMs > inputs.failingThresholdMs;
      if (overThreshold) {
        reasons.push(
          `Stream ${s.stream} has been failing for ${Math.round(failingForMs / 1000)} s (${s.lastError?.code ?? 'unknown error'}).`,
        );
      }
      return {
        stream: s.stream,
        failingForMs,
        overThreshold,
        ...(s.lastError === undefined ? {} : { code: s.lastError.code, message: s.lastError.message }),
      };
    });

  return {
    ready: reasons.length === 0,
    phase: inputs.phase,
    shard: inputs.shard,
    reasons,
    sinks,
    state,
    streams: { total: inputs.streams.length, failing },
  };
}
