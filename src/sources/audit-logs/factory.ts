import type { Secret } from '../../core/secret.js';
import type { StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { RateLimiterRegistry } from '../../http/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { apiClientOptions } from '../shared/index.js';
import { AuditLogsClient } from './client.js';
import type { AuditLogsSourceConfig } from './config.js';
import { auditLogsStream } from './stream-source.js';

export interface AuditLogsClientDeps {
  /** The admin key, resolved from `config.adminKey` by the caller. */
  readonly adminKey: Secret;
  /** One limiter per key across the process (key `<redacted id>:audit_logs`). */
  readonly limiters?: RateLimiterRegistry;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
}

/** The client the config describes; `OPENAI_API_BASE` belongs in `config.baseUrl` (the CLI sets it). */
export function createAuditLogsClient(
  config: AuditLogsSourceConfig,
  deps: AuditLogsClientDeps,
): AuditLogsClient {
  return new AuditLogsClient({
    baseUrl: config.baseUrl,
    adminKey: deps.adminKey,
    ...apiClientOptions(config, deps.adminKey, 'audit_logs', 'audit-logs', deps),
  });
}

/** The window of one run: `after` exclusive (the lookback on a first run), `before` exclusive or now. */
export interface AuditLogsWindow {
  readonly after: string;
  readonly before?: string;
}

/** The organization's stream for one run (export, one service poll), resuming from `resume`. */
export function createAuditLogsStream(
  client: AuditLogsClient,
  config: AuditLogsSourceConfig,
  window: AuditLogsWindow,
  resume?: WatermarkPosition,
): StreamSource {
  return auditLogsStream(client, {
    organizationId: config.organizationId,
    after: window.after,
    ...(window.before === undefined ? {} : { before: window.before }),
    eventTypes: config.eventTypes,
    actorIds: config.actorIds,
    actorEmails: config.actorEmails,
    projectIds: config.projectIds,
    resourceIds: config.resourceIds,
    pageSize: config.pageSize,
    overlapMs: config.overlapMs,
    sliceMs: config.sliceMs,
    memoryMaxBytes: config.memoryMaxBytes,
    ...(config.spillDirectory === undefined ? {} : { spillDirectory: config.spillDirectory }),
    batchMaxRecords: config.batchMaxRecords,
    batchMaxBytes: config.batchMaxBytes,
    recentIdsMax: config.recentIdsMax,
    ...(resume === undefined ? {} : { resume }),
  });
}
