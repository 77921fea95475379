import type { Secret } from '../../core/secret.js';
import type { StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { RateLimiterRegistry } from '../../http/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { apiClientOptions } from '../shared/index.js';
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
  return new ConversationsClient({
    baseUrl: config.baseUrl,
    apiKey: deps.apiKey,
    workspaceId: config.workspaceId,
    ...apiClientOptions(config, deps.apiKey, 'conversations', 'conversations', deps),
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
