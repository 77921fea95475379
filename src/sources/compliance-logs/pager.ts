import { CfError } from '../../core/errors/index.js';
import type { ComplianceLogsClient } from './client.js';
import { type FileDescriptor, parseTimeOption, timeKey } from './list-page.js';

export interface PagerOptions {
  eventType: string;
  /** Files whose end_time is strictly later (ISO-8601 with a zone, or a Date). */
  after: string | Date;
  /** Files whose end_time is strictly earlier. */
  before?: string | Date;
  /** Files per List call, 1..100. Default 100. */
  pageSize?: number;
  /** Stop after this many List calls (the next run resumes from the checkpoint). */
  maxPages?: number;
  /**
   * Resume point from a checkpoint: the ids already delivered whose end_time is exactly `after`.
   * Files at `after` not in this list are still delivered.
   */
  seenAtAfter?: string[];
  /** Metrics label for filesListed; default the client's stream key for `eventType`. */
  stream?: string;
}

/** Consecutive empty pages that still say has_more before the answer is called broken. */
const MAX_EMPTY_PAGES_WITH_MORE = 3;
const MAX_PAGE_SIZE = 100;
const NS_PER_MS = 1_000_000n;

/**
 * Every file of one (principal, event type) in the window, once each, in List order (ascending
 * end_time). Lazy: the next page is fetched only when the consumer pulls past the current one.
 *
 * Why not just pass `last_end_time` as the next `after`: `after` is strict and several files may
 * share one end_time, so a page boundary inside such a group would skip the rest of it. Instead:
 *
 *  - BOUNDARY is the latest end_time taken so far, and TAKEN the ids taken at exactly BOUNDARY.
 *    Invariant: every listed file earlier than BOUNDARY has been taken. At the start BOUNDARY is
 *    `after` and TAKEN is `seenAtAfter` (a checkpoint: end_time + ids delivered at it).
 *  - Once BOUNDARY holds a taken file (or a checkpoint), the next page is asked with
 *    `after = BOUNDARY - 1 ms` (floored to ms, as the API takes ISO with milliseconds), so the
 *    whole BOUNDARY group comes back. Files earlier than BOUNDARY are dropped (taken before, by the
 *    invariant), files at BOUNDARY in TAKEN are dropped, every other file is taken. Before that,
 *    the caller's strict `after` is used as is, so files exactly at it are not listed.
 *  - End times compare exactly (nanoseconds, see timeKey), not at Date's millisecond precision.
 *  - `has_more: false` ends the listing. An empty page (`last_end_time: null`) keeps the query as
 *    it was; a few in a row that still claim has_more are a broken answer (CF_ERR_BAD_RESPONSE).
 *  - A non-empty page of only dropped files with has_more means more files share BOUNDARY than a
 *    page holds: the page grows to 100; if even that is not enough no strict `after` can page past
 *    them without a gap, so it fails (CF_ERR_LIST_TIE_OVERFLOW) instead of looping.
 *
 * Every page either takes a new file or changes the query (a bounded number of times), so the
 * listing terminates. A boundary re-query repeats a descriptor, never a delivered file.
 */
export async function* listFiles(
  client: ComplianceLogsClient,
  opts: PagerOptions,
  signal?: AbortSignal,
): AsyncGenerator<FileDescriptor> {
  const pageSize = opts.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new CfError('CF_ERR_CONFIG', `pageSize must be an integer from 1 to 100, got ${pageSize}.`);
  }
  if (opts.maxPages !== undefined && (!Number.isInteger(opts.maxPages) || opts.maxPages < 1)) {
    throw new CfError('CF_ERR_CONFIG', `maxPages must be a positive integer, got ${opts.maxPages}.`);
  }
  parseTimeOption(opts.after, 'after');
  const before = opts.before === undefined ? undefined : new Date(parseTimeOption(opts.before, 'before'));
  const stream = opts.stream ?? client.streamKey(opts.eventType);

  let boundary = timeKey(opts.after);
  let taken = new Set(opts.seenAtAfter ?? []);
  let after: string | Date = taken.size > 0 ? justBefore(boundary) : opts.after;
  let limit = pageSize;
  let pages = 0;
  let emptyPagesWithMore = 0;

  while (opts.maxPages === undefined || pages < opts.maxPages) {
    const started = performance.now();
    const page = await client.listPage(
      { eventTypes: [opts.eventType], after, limit, ...(before ? { before } : {}) },
      signal,
    );
    pages++;
    client.logger.debug(
      {
        stream,
        page: pages,
        files: page.data.length,
        hasMore: page.has_more,
        lastEndTime: page.last_end_time,
        durationMs: Math.round(performance.now() - started),
      },
      'Listed a page.',
    );
    let fresh = 0;
    // The API lists in ascending end_time; sorting (stably) again costs nothing and makes the
    // "earlier than BOUNDARY was taken before" rule safe even if a page came back out of order.
    const ordered = page.data
      .map((file) => ({ file, end: timeKey(file.end_time) }))
      .sort((a, b) => (a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
    for (const { file, end } of ordered) {
      if (end < boundary || (end === boundary && taken.has(file.id))) continue;
      if (end > boundary) {
        boundary = end;
        taken = new Set();
      }
      taken.add(file.id);
      fresh++;
      client.metrics?.filesListed.inc({ stream });
      yield file;
    }
    if (!page.has_more) return;

    if (page.data.length === 0) {
      if (++emptyPagesWithMore >= MAX_EMPTY_PAGES_WITH_MORE) {
        throw new CfError(
          'CF_ERR_BAD_RESPONSE',
          `List for ${opts.eventType} answered ${emptyPagesWithMore} empty pages in a row that claim has_more.`,
        );
      }
      continue; // keep `after`: an empty page has no last_end_time to move it
    }
    emptyPagesWithMore = 0;
    if (fresh === 0) {
      if (limit < MAX_PAGE_SIZE) {
        limit = MAX_PAGE_SIZE;
        continue;
      }
      const endTime = new Date(Number(boundary / NS_PER_MS)).toISOString();
      throw new CfError(
        'CF_ERR_LIST_TIE_OVERFLOW',
        `More than ${MAX_PAGE_SIZE} ${opts.eventType} files share end_time ${endTime}; ` +
          'the List API cannot page past them without skipping some.',
        { details: { eventType: opts.eventType, endTime } },
      );
    }
    limit = pageSize;
    after = justBefore(boundary);
  }
}

/** One millisecond before `time`, floored to a millisecond: a strict `after` that includes `time`. */
function justBefore(time: bigint): Date {
  return new Date(Number(time / NS_PER_MS) - 1);
}
