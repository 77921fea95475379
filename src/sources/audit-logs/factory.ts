import type { EventTimeSpec } from '../../core/event-time.js';
import type { Secret } from '../../core/secret.js';
import { resolveSecret } from '../../core/secret-ref.js';
import type { StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { HttpEgress, RateLimiterRegistry } from '../../http/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import {
  apiClientDeps,
  entriesOfType,
  exportOneStream,
  type PlannedStreamBase,
  pollWithClients,
  type SourceDeps,
  type SourceDescriptor,
} from '../shared/descriptor.js';
import { apiClientOptions, eventTimeOf, withEventTime } from '../shared/index.js';
import { AuditLogsClient } from './client.js';
import { type AuditLogsSourceConfig, auditLogsSourceConfigSchema } from './config.js';
import { AUDIT_LOGS_EVENT_TYPE, auditLogsStream, auditLogsStreamKey } from './stream-source.js';

export interface AuditLogsClientDeps {
  /** The admin key, resolved from `config.adminKey` by the caller. */
  readonly adminKey: Secret;
  /** One limiter per key across the process (key `<redacted id>:audit_logs`). */
  readonly limiters?: RateLimiterRegistry;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
  readonly egress?: HttpEgress;
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

/** An audit log event's time: `effective_at`, Unix seconds. */
const AUDIT_LOGS_EVENT_TIME: EventTimeSpec = [{ path: 'effective_at', format: 'epoch-seconds' }];

/** The organization's stream for one run (export, one service poll), resuming from `resume`. */
export function createAuditLogsStream(
  client: AuditLogsClient,
  config: AuditLogsSourceConfig,
  window: AuditLogsWindow,
  resume?: WatermarkPosition,
): StreamSource {
  const stream = auditLogsStream(client, {
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
    maxSliceMs: config.maxSliceMs,
    memoryMaxBytes: config.memoryMaxBytes,
    ...(config.spillDirectory === undefined ? {} : { spillDirectory: config.spillDirectory }),
    batchMaxRecords: config.batchMaxRecords,
    batchMaxBytes: config.batchMaxBytes,
    recentIdsMax: config.recentIdsMax,
    ...(resume === undefined ? {} : { resume }),
  });
  return withEventTime(stream, auditLogsSource.eventTime(config));
}

/** One audit-logs stream of the service: the organization's, with its admin key resolved. */
export interface PlannedAuditLogsStream extends PlannedStreamBase<'audit-logs'> {
  readonly config: AuditLogsSourceConfig;
  readonly adminKey: Secret;
}

function clientOf(config: AuditLogsSourceConfig, adminKey: Secret, deps: SourceDeps): AuditLogsClient {
  return createAuditLogsClient(config, {
    adminKey,
    ...apiClientDeps(deps),
  });
}

/** The API Platform audit logs of one organization: one stream, keyed by its filters too. */
export const auditLogsSource: SourceDescriptor<
  'audit-logs',
  typeof auditLogsSourceConfigSchema,
  PlannedAuditLogsStream
> = {
  type: 'audit-logs',
  section: 'sources',
  configSchema: auditLogsSourceConfigSchema,
  eventTime: (config) => eventTimeOf(AUDIT_LOGS_EVENT_TIME, config.eventTime),
  eventTypes: [AUDIT_LOGS_EVENT_TYPE],
  cli: {
    usage:
      'audit-logs needs OPENAI_ADMIN_KEY[_FILE] (base OPENAI_API_BASE, default https://api.openai.com/v1) and --principal org-...; --event-type filters its event types.',
    requires: { principal: true, eventType: false, after: true },
    entry: (flags) => ({
      type: 'audit-logs',
      organizationId: flags.principal,
      ...(flags.eventTypes.length > 0 ? { eventTypes: flags.eventTypes } : {}),
    }),
  },
  instances: entriesOfType('audit-logs'),
  env: { baseUrl: 'OPENAI_API_BASE', key: { field: 'adminKey', variable: 'OPENAI_ADMIN_KEY' } },
  plan: (config, where, env) => ({
    streams: [
      {
        type: 'audit-logs',
        key: auditLogsStreamKey(config.organizationId, config),
        config,
        adminKey: resolveSecret(
          config.adminKey,
          `The OpenAI admin key of ${config.organizationId} (${where})`,
          env,
        ),
      },
    ],
  }),
  async exportStreams(config, window, deps) {
    const client = clientOf(config, resolveSecret(config.adminKey, 'The OpenAI admin key', deps.env), deps);
    return exportOneStream(
      auditLogsStreamKey(config.organizationId, config),
      (resume) => createAuditLogsStream(client, config, window, resume),
      () => client.close(),
      deps.resumeOf,
    );
  },
  pollStreams(planned, deps) {
    return pollWithClients(
      planned,
      deps,
      (p) => clientOf(p.config, p.adminKey, deps),
      (client, p, window, position) => createAuditLogsStream(client, p.config, window, position),
    );
  },
};
