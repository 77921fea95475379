import type { ServerResponse } from 'node:http';
import { combine, hashString, unitFloat } from '../random.js';
import type { ConversationVersion } from '../templates/legacy-conversations.js';
import { type BodyPlan, writeBody } from './body-writer.js';
import type { SimContext } from './context.js';
import { sendError } from './responses.js';

/**
 * GET /v1/compliance/workspaces/{id}/conversations: the legacy Compliance API's conversations,
 * ordered by (last_active_at, id). `since_timestamp` (Unix seconds: updated at or later) or
 * `after` (a conversation id: the ones after it), never both (400); `limit` 1..500 (default 20,
 * 422 outside). Quirks served on purpose: a share of pages (`shortPageRatio`, decided per
 * request, the same for a repeated request) come back shorter than `limit` while `has_more` is
 * true; an updated conversation moves to the end and re-appears. The page is generated while it
 * is written, one conversation at a time, with backpressure: a 1 GB page costs no memory here.
 * `resetMidBody` cuts the connection inside the first conversation.
 */

const MAX_LIMIT = 500;

export function handleConversations(
  ctx: SimContext,
  res: ServerResponse,
  params: URLSearchParams,
  workspaceId: string,
): Promise<void> | void {
  const since = params.get('since_timestamp');
  const after = params.get('after');
  if (since !== null && after !== null) {
    return sendError(
      res,
      400,
      'invalid_request_error',
      'invalid_parameters',
      'Give since_timestamp or after, not both.',
    );
  }
  const limitText = params.get('limit');
  const limit = limitText === null ? 20 : /^\d{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    return sendError(
      res,
      422,
      'invalid_request_error',
      'invalid_limit',
      `limit must be an integer from 1 to ${MAX_LIMIT}; got '${limitText}'.`,
    );
  }
  if (since !== null && !/^\d{1,12}(\.\d{1,9})?$/.test(since)) {
    return sendError(
      res,
      400,
      'invalid_request_error',
      'invalid_timestamp',
      `since_timestamp must be Unix seconds; got '${since}'.`,
    );
  }
  if (ctx.dice.roll('listServerErrors', ctx.faults().listServerErrors)) {
    ctx.stats.serverErrors++;
    return sendError(
      res,
      503,
      'server_error',
      'service_unavailable',
      'The server is temporarily unavailable (injected fault).',
    );
  }
  const all = ctx.conversations.visible(workspaceId, ctx.clock.nowMs());
  let start = 0;
  if (since !== null) {
    const s = Number(since);
    start = all.findIndex((c) => c.lastActiveAt >= s);
    if (start < 0) start = all.length;
  } else if (after !== null) {
    const at = all.findIndex((c) => c.id === after);
    if (at < 0) {
      return sendError(
        res,
        400,
        'invalid_request_error',
        'invalid_cursor',
        `after '${after}' is not a conversation of this workspace.`,
      );
    }
    start = at + 1;
  }
  const key = `${workspaceId}|${since ?? ''}|${after ?? ''}|${limit}`;
  const draw = unitFloat(combine(ctx.seedHash, hashString(key)));
  const short = limit > 1 && draw < ctx.shortPageRatio;
  const size = short ? 1 + Math.floor((draw / ctx.shortPageRatio) * (limit - 1)) : limit;
  const page = all.slice(start, start + size);
  const hasMore = start + page.length < all.length;
  const reset = ctx.dice.roll('resetMidBody', ctx.faults().resetMidBody);
  res.writeHead(200, { 'content-type': 'application/json' });
  ctx.stats.conversationPages++;
  return writeBody(
    res,
    pageChunks(ctx, workspaceId, page, hasMore),
    planFor(reset, page, ctx, workspaceId),
    (n) => {
      ctx.stats.conversationBytes += n;
    },
  ).then((outcome) => {
    if (outcome === 'reset') ctx.stats.resets++;
  });
}

function planFor(
  reset: boolean,
  page: readonly ConversationVersion[],
  ctx: SimContext,
  workspaceId: string,
): BodyPlan {
  if (!reset || page.length === 0) return { cutAtBytes: undefined, cut: undefined, buckets: [] };
  const first = ctx.conversations.render(workspaceId, page[0]!);
  return { cutAtBytes: 30 + Math.floor(first.length / 2), cut: 'reset', buckets: [] };
}

function* pageChunks(
  ctx: SimContext,
  workspaceId: string,
  page: readonly ConversationVersion[],
  hasMore: boolean,
): Generator<Buffer> {
  yield Buffer.from('{"object":"list","data":[');
  for (let i = 0; i < page.length; i++) {
    if (i > 0) yield Buffer.from(',');
    yield ctx.conversations.render(workspaceId, page[i]!);
  }
  yield Buffer.from(`],"last_id":${JSON.stringify(page.at(-1)?.id ?? null)},"has_more":${hasMore}}`);
}
