import type { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import type { ListedFile, StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import { untilAborted } from '../../lib/abort.js';
import { requireIsoMs } from '../../lib/time.js';
import { RecentKeys } from '../shared/index.js';
import type { ConversationsClient, PageCursor } from './client.js';
import { PageReader } from './page-reader.js';

/** The event type conversation records carry through the pipeline (routes, sourcetype, topics). */
export const CONVERSATIONS_EVENT_TYPE = 'COMPLIANCE_CONVERSATION';
/** With `perMessage`, one event per message. */
export const CONVERSATION_MESSAGES_EVENT_TYPE = 'COMPLIANCE_CONVERSATION_MESSAGE';

export interface ConversationsStreamOptions {
  /** ISO-8601, exclusive: versions last active after it (the lookback on a first run). */
  readonly after: string;
  /** ISO-8601, exclusive: the listing stops at the first version last active at or after it. */
  readonly before?: string;
  readonly pageSize: number;
  readonly perMessage: boolean;
  readonly overlapMs: number;
  readonly maxConversationBytes: number;
  readonly recentKeysMax: number;
  readonly resume?: WatermarkPosition;
}

/** Consecutive empty pages that still claim has_more before the answer is called broken. */
const MAX_EMPTY_PAGES_WITH_MORE = 3;

/** `workspace/<id>/COMPLIANCE_CONVERSATION` (or `..._MESSAGE`): the stream key and checkpoint identity. */
export function conversationsStreamKey(workspaceId: string, perMessage: boolean): string {
  return `workspace/${workspaceId}/${perMessage ? CONVERSATION_MESSAGES_EVENT_TYPE : CONVERSATIONS_EVENT_TYPE}`;
}

/**
 * The legacy conversations of one workspace as a StreamSource: each page is a "file".
 *
 *   since_timestamp = checkpoint - overlap (or the window start) ─> page 1
 *   after = last_id of page n ─> page n + 1 ... until has_more is false (short pages are not the end)
 *   page body ─> JsonItemScanner picks `data` items ─> one JSONL line per conversation (or message)
 *
 * A page's cursor is only known once the previous page was read to its end, so pages are listed
 * one at a time: the next is listed when the previous body has been consumed (the pipeline reads
 * a page while it downloads, and delivery stays concurrent).
 *
 * Identity and checkpoint: a conversation version is `<id>:<last_active_at>` (its `event_id`); an
 * updated conversation re-appears with a later last_active_at and is delivered again as a new
 * version, a repeated version is skipped. A page's checkpoint, fixed when its body ends, is the
 * latest last_active_at delivered so far and the versions within `overlapMs` before it; a resumed
 * run asks from that time minus the overlap and skips those versions. This assumes what the
 * `since_timestamp` semantics imply: the list ascends by last activity.
 */
export function conversationsStream(
  client: ConversationsClient,
  o: ConversationsStreamOptions,
): StreamSource {
  const key = conversationsStreamKey(client.workspaceId, o.perMessage);
  const afterMs = requireIsoMs(o.after, 'after');
  const beforeMs = o.before === undefined ? undefined : requireIsoMs(o.before, 'before');
  const resumeWins =
    o.resume !== undefined && requireIsoMs(o.resume.endTime, 'The checkpoint endTime') >= afterMs;
  const resume = resumeWins ? o.resume : undefined;
  const pages = new Map<string, PageReader>();
  return {
    key,
    source: 'conversations',
    principalId: client.workspaceId,
    principalType: 'CHATGPT_WORKSPACE',
    eventType: o.perMessage ? CONVERSATION_MESSAGES_EVENT_TYPE : CONVERSATIONS_EVENT_TYPE,
    ...(resume === undefined ? {} : { resume }),
    async *files(signal: AbortSignal): AsyncGenerator<ListedFile> {
      const recent = new RecentKeys(o.overlapMs, o.recentKeysMax, resume?.idsAtEndTime ?? []);
      let floorMs = resume === undefined ? afterMs : Date.parse(resume.endTime);
      const startMs = resume === undefined ? afterMs : Math.max(afterMs, floorMs - o.overlapMs);
      let cursor: PageCursor = { sinceTimestamp: Math.floor(startMs / 1000) };
      let emptyWithMore = 0;
      for (let n = 1; ; n++) {
        const reader: PageReader = new PageReader({
          client,
          cursor,
          limit: o.pageSize,
          perMessage: o.perMessage,
          maxConversationBytes: o.maxConversationBytes,
          recent,
          afterMs,
          beforeMs,
          stream: key,
          floorMs,
        });
        const at = 'after' in cursor ? `after=${cursor.after}` : `since=${cursor.sinceTimestamp}`;
        const id = `${at}#${n}`;
        pages.set(id, reader);
        client.metrics?.filesListed.inc({ stream: key });
        yield {
          id,
          fileName: `conversations_page_${n}.json`,
          endTime: new Date(floorMs).toISOString(),
          checkpoint: () => reader.position,
        };
        const result = await untilAborted(
          reader.done,
          signal,
          () => new CfError('CF_ERR_ABORTED', 'The listing was stopped.'),
        );
        floorMs = Date.parse(reader.position.endTime);
        if (!result.hasMore || result.reachedEnd) return;
        if (result.items === 0 || result.lastId === null) {
          if (++emptyWithMore >= MAX_EMPTY_PAGES_WITH_MORE) {
            throw new CfError(
              'CF_ERR_BAD_RESPONSE',
              `The conversations list answered ${emptyWithMore} empty pages in a row that claim has_more.`,
            );
          }
          continue; // keep the cursor: an empty page has no last_id to move it
        }
        emptyWithMore = 0;
        cursor = { after: result.lastId };
      }
    },
    open(file: ListedFile, signal: AbortSignal): Readable {
      const reader = pages.get(file.id);
      if (reader === undefined)
        throw new CfError('CF_ERR_INTERNAL', `Page ${file.id} was not listed by ${key}.`);
      pages.delete(file.id);
      return reader.open(signal);
    },
  };
}
