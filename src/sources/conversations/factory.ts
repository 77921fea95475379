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
import { ConversationsClient } from './client.js';
import { type ConversationsSourceConfig, conversationsSourceConfigSchema } from './config.js';
import {
  CONVERSATION_MESSAGES_EVENT_TYPE,
  CONVERSATIONS_EVENT_TYPE,
  conversationsStream,
  conversationsStreamKey,
} from './stream-source.js';

export interface ConversationsClientDeps {
  /** The Compliance API key, resolved from `config.apiKey` by the caller. */
  readonly apiKey: Secret;
  /** One limiter per key across the process (key `<redacted id>:conversations`). */
  readonly limiters?: RateLimiterRegistry;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
  readonly egress?: HttpEgress;
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
  const stream = conversationsStream(client, {
    after: window.after,
    ...(window.before === undefined ? {} : { before: window.before }),
    pageSize: config.pageSize,
    perMessage: config.perMessage,
    overlapMs: config.overlapMs,
    maxConversationBytes: config.maxConversationBytes,
    recentKeysMax: config.recentKeysMax,
    ...(resume === undefined ? {} : { resume }),
  });
  return withEventTime(stream, conversationsSource.eventTime(config));
}

/** A conversation's time: its last activity, Unix seconds (its creation when it has none). */
const CONVERSATION_EVENT_TIME: EventTimeSpec = [
  { path: 'last_active_at', format: 'epoch-seconds' },
  { path: 'created_at', format: 'epoch-seconds' },
];

/** A message's time (per-message mode): its own `created_at` (or `create_time`), else the conversation's. */
const MESSAGE_EVENT_TIME: EventTimeSpec = [
  { path: 'messages.data.0.created_at', format: 'epoch-seconds' },
  { path: 'messages.data.0.create_time', format: 'epoch-seconds' },
  ...CONVERSATION_EVENT_TIME,
];

/** One conversations stream of the service: the workspace's, with its key resolved. */
export interface PlannedConversationsStream extends PlannedStreamBase<'conversations'> {
  readonly config: ConversationsSourceConfig;
  readonly apiKey: Secret;
}

function clientOf(config: ConversationsSourceConfig, apiKey: Secret, deps: SourceDeps): ConversationsClient {
  return createConversationsClient(config, {
    apiKey,
    ...apiClientDeps(deps),
  });
}

/** The legacy Compliance API conversations of one workspace: one stream. */
export const conversationsSource: SourceDescriptor<
  'conversations',
  typeof conversationsSourceConfigSchema,
  PlannedConversationsStream
> = {
  type: 'conversations',
  section: 'sources',
  configSchema: conversationsSourceConfigSchema,
  eventTime: (config) =>
    eventTimeOf(config.perMessage ? MESSAGE_EVENT_TIME : CONVERSATION_EVENT_TIME, config.eventTime),
  eventTypes: [CONVERSATIONS_EVENT_TYPE, CONVERSATION_MESSAGES_EVENT_TYPE],
  cli: {
    usage: 'conversations uses the Compliance API key and base and --principal <workspace>.',
    flags: { 'per-message': { type: 'boolean', usage: 'conversations: one event per message' } },
    requires: { principal: true, eventType: false, after: true },
    entry: (flags) => ({
      type: 'conversations',
      workspaceId: flags.principal,
      ...(flags.values['per-message'] === true ? { perMessage: true } : {}),
    }),
  },
  instances: entriesOfType('conversations'),
  env: { baseUrl: 'COMPLIANCE_API_BASE', key: { field: 'apiKey', variable: 'COMPLIANCE_API_KEY' } },
  plan: (config, where, env) => ({
    streams: [
      {
        type: 'conversations',
        key: conversationsStreamKey(config.workspaceId, config.perMessage),
        config,
        apiKey: resolveSecret(
          config.apiKey,
          `The Compliance API key of workspace ${config.workspaceId} (${where})`,
          env,
        ),
      },
    ],
  }),
  async exportStreams(config, window, deps) {
    const client = clientOf(config, resolveSecret(config.apiKey, 'The Compliance API key', deps.env), deps);
    return exportOneStream(
      conversationsStreamKey(config.workspaceId, config.perMessage),
      (resume) => createConversationsStream(client, config, window, resume),
      () => client.close(),
      deps.resumeOf,
    );
  },
  pollStreams(planned, deps) {
    return pollWithClients(
      planned,
      deps,
      (p) => clientOf(p.config, p.apiKey, deps),
      (client, p, window, position) => createConversationsStream(client, p.config, window, position),
    );
  },
};
