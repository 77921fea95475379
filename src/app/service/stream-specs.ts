import type { Config } from '../../config/schema.js';
import type { HttpEgress, RateLimiterRegistry } from '../../http/index.js';
import {
  type AnySourceDescriptor,
  type PolledStream,
  type PolledStreams,
  pollWindow,
  SOURCES,
} from '../../sources/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { ServicePlan } from './plan.js';

/** One stream of the service: its key, and how to make the StreamSource of one poll. */
export type StreamSpec = PolledStream;

export { pollWindow };

export interface StreamSpecDeps {
  readonly limiters: RateLimiterRegistry;
  readonly egress?: HttpEgress;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * The stream specs of a plan, in plan order, with the API clients they poll through (each source
 * makes its own: one Compliance client per principal, one per audit-logs or conversations
 * source), all sharing `deps.limiters` (one budget per key and endpoint across the process).
 * `close()` releases every client.
 */
export function createStreamSpecs(
  _config: Config,
  plan: ServicePlan,
  deps: StreamSpecDeps,
): { readonly specs: StreamSpec[]; close(): Promise<void> } {
  const opened: PolledStreams[] = [];
  const close = async () => {
    await Promise.all(opened.map((o) => o.close().catch(() => {})));
  };
  const byKey = new Map<string, StreamSpec>();
  const planned = [...plan.streams, ...plan.sourceStreams];
  try {
    for (const source of SOURCES as readonly AnySourceDescriptor[]) {
      const mine = planned.filter((p) => p.type === source.type);
      if (mine.length === 0) continue;
      const polled = source.pollStreams(mine, { ...deps, startAfter: plan.startAfter });
      opened.push(polled);
      for (const stream of polled.streams) byKey.set(stream.key, stream);
    }
  } catch (err) {
    void close();
    throw err;
  }
  return { specs: planned.map((p) => byKey.get(p.key)!), close };
}
