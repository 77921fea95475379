import type { EventTimeSpec } from '../../core/event-time.js';
import { ALL_EVENT_TYPES } from '../../core/event-types.js';
import { redactedKeyId, type Secret } from '../../core/secret.js';
import { resolveSecret } from '../../core/secret-ref.js';
import type { StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { HttpEgress, RateLimiterRegistry } from '../../http/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import {
  closeAll,
  type KeyedPrincipal,
  type PlannedStreamBase,
  type SourceDescriptor,
  type SourceWindow,
  USER_AGENT,
} from '../shared/descriptor.js';
import { eventTimeOf, withEventTime } from '../shared/event-time.js';
import { sourceCa } from '../shared/http-settings.js';
import { ComplianceLogsClient } from './client.js';
import {
  type ComplianceLogsInstance,
  type ComplianceLogsSourceConfig,
  complianceLogsSourceConfigSchema,
  type PrincipalConfig,
} from './config.js';
import { complianceLogsStream, complianceStreamKey } from './stream-source.js';

export interface ComplianceClientDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly egress?: HttpEgress;
}

/**
 * A client of the Compliance API for one principal. Its List and Download limiters come from
 * `limiters`, keyed by the key's redacted id, so every client of one key shares one budget per
 * endpoint (the upstream limits are per key and endpoint).
 */
export function createComplianceClient(
  config: ComplianceLogsSourceConfig,
  principalId: string,
  apiKey: Secret,
  limiters: RateLimiterRegistry,
  deps: ComplianceClientDeps,
): ComplianceLogsClient {
  const keyId = redactedKeyId(apiKey.reveal());
  const s = config;
  return new ComplianceLogsClient({
    baseUrl: s.baseUrl,
    apiKey,
    principalId,
    listLimiter: limiters.get(`${keyId}:list`, s.listsPerMinute, s.rateWindowMs),
    downloadLimiter: limiters.get(`${keyId}:download`, s.downloadsPerMinute, s.rateWindowMs),
    retry: {
      maxAttempts: s.maxAttempts,
      initialDelayMs: s.initialBackoffMs,
      maxDelayMs: s.maxBackoffMs,
      multiplier: 2,
    },
    connectTimeoutMs: s.connectTimeoutMs,
    headersTimeoutMs: s.headersTimeoutMs,
    bodyTimeoutMs: s.bodyTimeoutMs,
    metrics: deps.metrics,
    logger: deps.logger.child({ component: 'compliance-logs' }),
    userAgent: USER_AGENT,
    ...(deps.egress ? { egress: deps.egress } : {}),
    ca: sourceCa(s, 'source'),
  });
}

/** The stream of one (principal, event type) for one run: a window, resuming from `resume`. */
export function createComplianceStream(
  client: ComplianceLogsClient,
  config: ComplianceLogsSourceConfig,
  eventType: string,
  window: SourceWindow,
  resume: WatermarkPosition | undefined,
): StreamSource {
  const stream = complianceLogsStream(client, {
    principalId: client.principalId,
    eventType,
    after: window.after,
    ...(window.before === undefined ? {} : { before: window.before }),
    pageSize: config.pageSize,
    ...(config.maxPages === undefined ? {} : { maxPages: config.maxPages }),
    ...(resume === undefined ? {} : { resume }),
  });
  return withEventTime(stream, eventTimeOf(COMPLIANCE_EVENT_TIME, config.eventTime));
}

/** A Compliance Logs Platform record's time: its `timestamp`, ISO-8601. */
const COMPLIANCE_EVENT_TIME: EventTimeSpec = [{ path: 'timestamp', format: 'iso8601' }];

/** One (principal, event type) stream of the service, with the principal's key resolved. */
export interface PlannedComplianceStream extends PlannedStreamBase<'compliance-logs'> {
  readonly principal: KeyedPrincipal;
  readonly eventType: string;
  readonly config: ComplianceLogsSourceConfig;
}

/**
 * The Compliance Logs Platform: one stream per (principal, event type). Configured as it always
 * was, by the `source` section and `principals`; `export` takes its principal from the flags.
 */
export const complianceLogsSource: SourceDescriptor<
  'compliance-logs',
  typeof complianceLogsSourceConfigSchema,
  PlannedComplianceStream,
  ComplianceLogsInstance
> = {
  type: 'compliance-logs',
  section: 'source',
  configSchema: complianceLogsSourceConfigSchema,
  eventTypes: ALL_EVENT_TYPES,
  eventTime: (config) => eventTimeOf(COMPLIANCE_EVENT_TIME, config.eventTime),
  cli: {
    usage: 'compliance-logs (the default) needs --principal, --event-type and --after.',
    requires: { principal: true, eventType: true, after: true },
    principals: (flags) => [{ id: flags.principal, eventTypes: flags.eventTypes }],
  },
  env: { baseUrl: 'COMPLIANCE_API_BASE', key: { field: 'apiKey', variable: 'COMPLIANCE_API_KEY' } },
  instances: (config) =>
    config.principals.length === 0
      ? []
      : [
          {
            config: {
              ...(config.source as ComplianceLogsSourceConfig),
              principals: config.principals as PrincipalConfig[],
            },
            where: 'principals',
          },
        ],
  plan(config, _where, env) {
    const principals = config.principals.map((p) => ({
      id: p.id,
      eventTypes: p.eventTypes,
      apiKey: resolveSecret(p.apiKey ?? config.apiKey, `The Compliance API key of ${p.id}`, env),
    }));
    const streams = new Map<string, PlannedComplianceStream>();
    for (const principal of principals) {
      for (const eventType of principal.eventTypes) {
        const key = complianceStreamKey(principal.id, eventType);
        // A principal listed twice must not get two pollers on one checkpoint.
        if (!streams.has(key)) {
          streams.set(key, {
            type: 'compliance-logs',
            key,
            principal: { id: principal.id, apiKey: principal.apiKey },
            eventType,
            config,
          });
        }
      }
    }
    return {
      streams: [...streams.values()],
      principals: principals.map((p) => ({ id: p.id, apiKey: p.apiKey })),
    };
  },
  async exportStreams(config, window, deps) {
    const clients: ComplianceLogsClient[] = [];
    const close = () => closeAll(clients);
    try {
      const streams: StreamSource[] = [];
      for (const p of config.principals) {
        const apiKey = resolveSecret(p.apiKey ?? config.apiKey, 'The Compliance API key', deps.env);
        const client = createComplianceClient(config, p.id, apiKey, deps.limiters, deps);
        clients.push(client);
        for (const eventType of p.eventTypes) {
          const resume = await deps.resumeOf?.(complianceStreamKey(p.id, eventType));
          streams.push(createComplianceStream(client, config, eventType, window, resume));
        }
      }
      return { streams, close };
    } catch (err) {
      await close();
      throw err;
    }
  },
  pollStreams(planned, deps) {
    const clients = new Map<string, ComplianceLogsClient>();
    const streams = planned.map(({ key, principal, eventType, config }) => {
      let client = clients.get(principal.id);
      if (client === undefined) {
        client = createComplianceClient(config, principal.id, principal.apiKey, deps.limiters, deps);
        clients.set(principal.id, client);
      }
      const c = client;
      return {
        key,
        open: (position: WatermarkPosition | undefined) =>
          withEventTime(
            complianceLogsStream(c, {
              principalId: principal.id,
              eventType,
              // A checkpoint always wins over the lookback, even an older one (see pollWindow).
              after: position?.endTime ?? deps.startAfter,
              pageSize: config.pageSize,
              ...(config.maxPages === undefined ? {} : { maxPages: config.maxPages }),
              ...(position === undefined ? {} : { resume: position }),
            }),
            eventTimeOf(COMPLIANCE_EVENT_TIME, config.eventTime),
          ),
      };
    });
    return { streams, close: () => closeAll(clients.values()) };
  },
};
