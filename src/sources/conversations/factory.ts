import { redactedKeyId, type Secret } from '../../config/secret.js';
import type { RateLimiterRegistry } from '../../http/index.js';
import type { StreamSource } from '../../pipeline/stream-source.js';
import type { WatermarkPosition } from '../../pipeline/watermark.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { backoffPolicyOf } from '../shared/index.js';
import { ConversationsClient } from './client.js';
import type { ConversationsSourceConfig } from './config.js';
import { conversationsStream } from './stream-source.js';

export interface ConversationsClientDeps {
  /** The Compliance API key, resolved from `config.apiKey` by the caller. */
  readonly apiKey: Secret;
  /** One limiter per key across the process (key `<redacted id>:conversations`). */
  readonly limiters?: RateLimiterRegistry;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
}

/** The client the config describes; `COMPLIANCE_API_BASE` belongs in `config.baseUrl` (the CLI sets it). */
export function createConversationsClient(
  config: ConversationsSourceConfig,
  deps: ConversationsClientDeps,
): ConversationsClient {
  const limiter = deps.limiters?.get(
    `${redactedKeyId(deps.apiKey.reveal())}:conversations`,
    config.requestsPerMinute,
    config.rateWindowMs,
  );
  return new ConversationsClient({
    baseUrl: config.baseUrl,
    apiKey: deps.apiKey,
    workspaceId: config.workspaceId,
    ...(limiter ? { limiter } : {}),
    requestsPerMinute: config.requestsPerMinute,
    rateWindowMs: config.rateWindowMs,
    retry: backoffPolicyOf(config),
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.logger ? { logger: deps.logger.child({ component: 'conversations' }) } : {}),
    ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
  });
}

/** The window of one run: `after` exclusive (the lookback on a first run), `before` exclusive or open. */
export interface ConversationsWindow {
  readonly after: string;
  readonly before?: string;
}

/** The workspace's stream for one run (export, one service poll), resuming from `resume`. */
export function createConversationsStream(
  client: ConversationsClient,
  config: ConversationsSourceConfig,
  window: ConversationsWindow,
  resume?: WatermarkPosition,
): StreamSource {
  return conversationsStream(client, {
    after: window.after,
    ...(window.before === undefined ? {} : { before: window.before }),
    pageSize: config.pageSize,
    perMessage: config.perMessage,
    overlapMs: config.overlapMs,
    maxConversationBytes: config.maxConversationBytes,
    recentKeysMax: config.recentKeysMax,
    ...(resume === undefined ? {} : { resume }),
  });
}
