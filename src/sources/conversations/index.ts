/**
 * The legacy Compliance API conversations source: `GET /v1/compliance/workspaces/{id}/conversations`.
 *
 *   since_timestamp (first page) / after=last_id (next pages), limit ≤ 500, until has_more is false
 *     page body ─> JsonItemScanner (`data` items, never the whole page) ─> one JSONL line per
 *     conversation version (event_id `<id>:<last_active_at>`) or per message (`perMessage`)
 *
 * Each page is a "file"; its checkpoint is the latest last_active_at delivered plus the versions
 * within the overlap before it. See docs/sources.md.
 */
export { ConversationsClient, type ConversationsClientOptions, type PageCursor } from './client.js';
export {
  type ConversationsSourceConfig,
  type ConversationsSourceConfigInput,
  conversationsSourceConfigSchema,
} from './config.js';
export { conversationKey } from './conversation-lines.js';
export {
  type ConversationsClientDeps,
  type ConversationsWindow,
  conversationsSource,
  createConversationsClient,
  createConversationsStream,
  type PlannedConversationsStream,
} from './factory.js';
export {
  CONVERSATION_MESSAGES_EVENT_TYPE,
  CONVERSATIONS_EVENT_TYPE,
  type ConversationsStreamOptions,
  conversationsStream,
  conversationsStreamKey,
} from './stream-source.js';
