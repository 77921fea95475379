import { OPEN_BRACE } from '../../lib/json-bytes.js';
import { readTopLevelFields } from '../shared/index.js';

/** What one conversation of a page becomes. */
export interface ConversationOutput {
  /** `<id>:<last_active_at>`: the version's identity (its `event_id`), when the item could be read. */
  readonly key: string | undefined;
  /** last_active_at in epoch ms, with the key. */
  readonly timeMs: number | undefined;
  /** JSONL lines, each ending in LF. */
  readonly lines: Buffer[];
}

const LF = Buffer.from('\n');

/**
 * The identity of a conversation version: its id and its last activity, so that an updated
 * conversation (same id, later last_active_at) is a new event and a repeat of the same version
 * is a duplicate. The number is written as JavaScript prints it (the shortest round trip).
 */
export function conversationKey(id: string, lastActiveAt: number): string {
  return `${id}:${lastActiveAt}`;
}

/**
 * Turns one conversation (the item's bytes, already on one line) into JSONL. Whole mode keeps the
 * upstream bytes and only splices `"event_id":"<id>:<last_active_at>"` in front (unless the item
 * has an event_id), reading just its top-level `id` and `last_active_at`. Per-message mode parses
 * it and writes one line per message: every top-level field of the conversation, `messages`
 * narrowed to that message, and `event_id` = `<conversation id>:<message id>`. An item that cannot
 * be read is forwarded as is: the JSONL splitter dead-letters it if it is not a JSON object.
 */
export function conversationLines(item: Buffer, perMessage: boolean): ConversationOutput {
  const fields = readTopLevelFields(item, ['id', 'last_active_at', 'event_id']);
  const id = fields?.get('id');
  const lastActiveAt = fields?.get('last_active_at');
  if (typeof id !== 'string' || typeof lastActiveAt !== 'number' || !Number.isFinite(lastActiveAt)) {
    return { key: undefined, timeMs: undefined, lines: [Buffer.concat([item, LF])] };
  }
  const key = conversationKey(id, lastActiveAt);
  const timeMs = Math.round(lastActiveAt * 1000);
  if (perMessage) return { key, timeMs, lines: messageLines(item, id) };
  if (typeof fields?.get('event_id') === 'string') return { key, timeMs, lines: [Buffer.concat([item, LF])] };
  const brace = item.indexOf(OPEN_BRACE);
  return {
    key,
    timeMs,
    lines: [
      Buffer.concat([
        item.subarray(0, brace + 1),
        Buffer.from(`"event_id":${JSON.stringify(key)},`),
        item.subarray(brace + 1),
        LF,
      ]),
    ],
  };
}

function messageLines(item: Buffer, conversationId: string): Buffer[] {
  let conversation: Record<string, unknown>;
  try {
    conversation = JSON.parse(item.toString('utf8')) as Record<string, unknown>;
  } catch {
    return [Buffer.concat([item, LF])];
  }
  // An upstream event_id would name the conversation, not the message: the message's own wins.
  const { messages, event_id: _conversationEventId, ...identity } = conversation;
  const list = messages !== null && typeof messages === 'object' ? (messages as Record<string, unknown>) : {};
  const data = Array.isArray(list.data) ? (list.data as unknown[]) : [];
  return data.map((message, index) => {
    const messageId =
      message !== null && typeof message === 'object' && typeof (message as { id?: unknown }).id === 'string'
        ? (message as { id: string }).id
        : `#${index}`;
    const event = {
      event_id: `${conversationId}:${messageId}`,
      ...identity,
      messages: { ...list, data: [message], has_more: false, last_id: null },
    };
    return Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
  });
}
