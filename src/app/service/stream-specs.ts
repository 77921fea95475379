import type { Config } from '../../config/schema.js';
import type { StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { RateLimiterRegistry } from '../../http/index.js';
import { type ComplianceLogsClient, complianceLogsStream } from '../../sources/compliance-logs/index.js';
import { createFilesStreams } from '../../sources/files/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { createComplianceClient } from '../assembly.js';
import { type ApiSourceStreams, apiSourceStreams, type SourceWindow } from '../other-sources.js';
import type { ServicePlan } from './plan.js';

/** One stream of the service: its key, and how to make the StreamSource of one poll. */
export interface StreamSpec {
  /** The stream key: its checkpoint, shard and metrics label (the same one `export` uses). */
  readonly key: string;
  /** The StreamSource of one poll, from the stream's checkpoint (undefined: it has none yet). */
  open(position: WatermarkPosition | undefined): StreamSource | Promise<StreamSource>;
}

export interface StreamSpecDeps {
  readonly limiters: RateLimiterRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * The window of a poll of a time-ordered API source. Without a checkpoint the stream starts at the
 * lookback. With one, the checkpoint alone decides, even when it is older than the lookback (a
 * service that was down longer must not skip what it missed): the window then starts at the epoch,
 * and the source starts at its checkpoint minus its overlap, skipping what the checkpoint holds.
 */
export function pollWindow(startAfter: string, position: WatermarkPosition | undefined): SourceWindow {
  return { after: position === undefined ? startAfter : new Date(0).toISOString() };
}

/**
 * The stream specs of a plan, with the API clients they poll through: one Compliance client per
 * principal, one client per audit-logs or conversations source, all sharing `deps.limiters` (one
 * budget per key and endpoint across the process). `close()` releases every client.
 */
export function createStreamSpecs(
  config: Config,
  plan: ServicePlan,
  deps: StreamSpecDeps,
): { readonly specs: StreamSpec[]; close(): Promise<void> } {
  const compliance = new Map<string, ComplianceLogsClient>();
  const apis: ApiSourceStreams[] = [];
  const close = async () => {
    await Promise.all([...compliance.values(), ...apis].map((c) => c.close().catch(() => {})));
  };
  const specs: StreamSpec[] = [];
  const s = config.source;
  try {
    for (const { key, principal, eventType } of plan.streams) {
      let client = compliance.get(principal.id);
      if (client === undefined) {
        client = createComplianceClient(config, principal.id, principal.apiKey, deps.limiters, deps);
        compliance.set(principal.id, client);
      }
      const c = client;
      specs.push({
        key,
        open: (position) =>
          complianceLogsStream(c, {
            principalId: principal.id,
            eventType,
            // A checkpoint always wins over the lookback, even an older one (see pollWindow).
            after: position?.endTime ?? plan.startAfter,
            pageSize: s.pageSize,
            ...(s.maxPages === undefined ? {} : { maxPages: s.maxPages }),
            ...(position === undefined ? {} : { resume: position }),
          }),
      });
    }
    for (const planned of plan.sourceStreams) {
      switch (planned.type) {
        case 'audit-logs':
        case 'conversations': {
          const api =
            planned.type === 'audit-logs'
              ? apiSourceStreams({ type: 'audit-logs', config: planned.config }, planned.adminKey, deps)
              : apiSourceStreams({ type: 'conversations', config: planned.config }, planned.apiKey, deps);
          apis.push(api);
          specs.push({
            key: planned.key,
            open: (position) => api.stream(pollWindow(plan.startAfter, position), position),
          });
          break;
        }
        case 'files': {
          // What earlier polls read to the end, so an unchanged last file is not read again.
          const readToEnd = new Map<string, string>();
          specs.push({
            key: planned.key,
            // A poll replays from the checkpoint (file and offset): what was delivered is not read
            // again, new files after it and lines added to the last one are.
            open: async (position) => {
              const [stream] = await createFilesStreams(planned.config, {
                resumeOf: async () => position,
                follow: true,
                readToEnd: () => readToEnd,
              });
              return stream!;
            },
          });
          break;
        }
      }
    }
  } catch (err) {
    void close();
    throw err;
  }
  return { specs, close };
}
