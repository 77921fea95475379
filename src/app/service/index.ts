/**
 * Service mode (`compliance-forwarder run`): every (principal, event type) stream, and every
 * stream of `sources` (audit-logs, conversations, files), polled on its own schedule from its
 * checkpoint, failures backed off per stream, /healthz, /readyz and /metrics, graceful
 * shutdown, and sharding across replicas. See service.ts for the assembly.
 */
export { failureVerdict } from './failure-policy.js';
export {
  type KeyedPrincipal,
  type PlannedSourceStream,
  type PlannedStream,
  type PlanOptions,
  planService,
  type ServicePlan,
} from './plan.js';
export { evaluateReadiness, type ReadinessInputs, type ServicePhase } from './readiness.js';
export {
  cronSchedule,
  failureDelayMs,
  intervalSchedule,
  type PollSchedule,
  scheduleFromConfig,
} from './schedule.js';
export { type RunningService, type ServiceDeps, type ServiceResult, startService } from './service.js';
export { describeShard, ownsStream, parseShard, type Shard, shardOf, WHOLE } from './shard.js';
export type { StreamStatus } from './stream-poller.js';
export { createStreamSpecs, pollWindow, type StreamSpec } from './stream-specs.js';
