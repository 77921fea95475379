import { Readable } from 'node:stream';
import { CfError, classify } from '../../core/errors/index.js';
import type { CheckpointPosition } from '../../core/stream-source.js';
import { type HttpResponse, sourceExhaustion } from '../../http/index.js';
import { afterFailure } from '../../lib/retry.js';
import { type ItemHandler, JsonItemScanner, type RecentKeys } from '../shared/index.js';
import type { ConversationsClient, PageCursor } from './client.js';
import { conversationLines } from './conversation-lines.js';

/** What reading a page revealed: where the listing goes next. */
export interface PageResult {
  readonly hasMore: boolean;
  /** The cursor for the next page; null on an empty page. */
  readonly lastId: string | null;
  /** Conversations in the page (emitted or skipped). */
  readonly items: number;
  /** A conversation at or past the window's end was met: the listing is complete. */
  readonly reachedEnd: boolean;
}

export interface PageReaderOptions {
  readonly client: ConversationsClient;
  readonly cursor: PageCursor;
  readonly limit: number;
  readonly perMessage: boolean;
  readonly maxConversationBytes: number;
  /** Versions delivered already (the resume overlap) and those emitted so far in this run. */
  readonly recent: RecentKeys;
  /** Epoch ms: versions at or before it are outside the window (exclusive start). */
  readonly afterMs: number;
  /** Epoch ms: versions at or after it end the listing (exclusive end); undefined for none. */
  readonly beforeMs: number | undefined;
  /** Metrics label. */
  readonly stream: string;
  /** The checkpoint time before this page (the previous page's, or the resume point). */
  readonly floorMs: number;
}

const LF = Buffer.from('\n');

/**
 * One page of the conversations list as a byte stream of JSONL, read while it downloads: the body
 * goes through a JsonItemScanner that picks the `data` items, so at most one conversation (up to
 * `maxConversationBytes`, larger ones are streamed through unread) and one network chunk are held.
 *
 * Retries: a request or body that fails retriably is asked again with the same cursor (the page is
 * not held, so it cannot be resumed); versions this page already emitted are skipped on the new
 * attempt by their key, so nothing repeats and a version that moved meanwhile still goes out later.
 *
 * `done` settles once: with the page's cursor facts when its body was read to the end, or with
 * the error that ended it (also when the consumer destroyed the stream first).
 */
export class PageReader {
  readonly done: Promise<PageResult>;
  /**
   * The checkpoint delivering this page establishes: the latest last_active_at emitted so far (not
   * below the floor) and the overlap window's versions. Fixed when the body has been read to its
   * end, so before the pipeline can ask (it asks once the page's byte stream ended and all its
   * records are acknowledged); until then, the position before the page.
   */
  position: CheckpointPosition;
  readonly #o: PageReaderOptions;
  #settle!: { resolve: (r: PageResult) => void; reject: (e: unknown) => void };

  constructor(o: PageReaderOptions) {
    this.#o = o;
    this.position = { endTime: new Date(o.floorMs).toISOString(), ids: o.recent.snapshot() };
    this.done = new Promise<PageResult>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // `done` is awaited by the listing only after the page is opened; never leave it unhandled.
    this.done.catch(() => undefined);
  }

  open(signal: AbortSignal): Readable {
    return Readable.from(this.#lines(signal), { objectMode: false, highWaterMark: 64 * 1024 });
  }

  async *#lines(signal: AbortSignal): AsyncGenerator<Buffer> {
    const o = this.#o;
    const emitted = new Set<string>();
    let settled = false;
    /** The last bytes handed on did not end a line (an oversized item cut by a failure). */
    const line = { open: false };
    try {
      for (let attempt = 1; ; attempt++) {
        let res: HttpResponse | undefined;
        try {
          res = await o.client.openPage(o.cursor, o.limit, signal);
          // A retry after a failure inside an oversized item: end that broken line first (the
          // splitter dead-letters it); the retry hands the whole item on again.
          if (line.open) {
            line.open = false;
            yield LF;
          }
          const result = yield* this.#readBody(res, emitted, line);
          const endMs = Math.max(o.floorMs, o.recent.latestMs);
          this.position = { endTime: new Date(endMs).toISOString(), ids: o.recent.snapshot() };
          settled = true;
          this.#settle.resolve(result);
          return;
        } catch (thrown) {
          const error = classify(thrown);
          if (signal.aborted) throw signal.reason ?? error;
          const policy = o.client.retry;
          await afterFailure(error, attempt, {
            policy,
            what: 'Reading a conversations page',
            signal,
            onRetry: (event) => o.client.onRetry(event, { stream: o.stream, cursor: o.cursor }),
          }).catch((e: unknown) => {
            throw sourceExhaustion(e);
          });
        } finally {
          res?.body.destroy();
        }
      }
    } catch (err) {
      settled = true;
      this.#settle.reject(err);
      throw err;
    } finally {
      if (!settled)
        this.#settle.reject(new CfError('CF_ERR_ABORTED', 'The conversations page was not read to its end.'));
    }
  }

  async *#readBody(
    res: HttpResponse,
    emitted: Set<string>,
    line: { open: boolean },
  ): AsyncGenerator<Buffer, PageResult> {
    const o = this.#o;
    const scanner = new JsonItemScanner({
      member: 'data',
      oneLine: true,
      errorCode: 'CF_ERR_BAD_RESPONSE',
      what: 'A conversations page',
    });
    const items = new ItemCollector(o.maxConversationBytes);
    let count = 0;
    let reachedEnd = false as boolean;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      o.client.metrics?.downloadedBytes.inc({ stream: o.stream }, chunk.length);
      scanner.push(chunk, items);
      for (const out of items.take()) {
        if (out.passThrough) {
          line.open = out.bytes !== LF;
          yield out.bytes;
          continue;
        }
        count++;
        const c = conversationLines(out.bytes, o.perMessage);
        if (c.key !== undefined && c.timeMs !== undefined) {
          if (o.beforeMs !== undefined && c.timeMs >= o.beforeMs) {
            // The list is in last-activity order: the window is complete, the rest is not needed.
            reachedEnd = true;
            break;
          }
          if (c.timeMs <= o.afterMs || o.recent.has(c.key) || emitted.has(c.key)) continue;
          emitted.add(c.key);
          o.recent.add(c.timeMs, c.key);
        }
        for (const l of c.lines) yield l;
      }
      if (reachedEnd) return { hasMore: false, lastId: null, items: count, reachedEnd };
    }
    scanner.end();
    count += items.take().length;
    const hasMore = scanner.members.get('has_more');
    const lastId = scanner.members.get('last_id') ?? null;
    if (typeof hasMore !== 'boolean' || (lastId !== null && typeof lastId !== 'string')) {
      throw new CfError(
        'CF_ERR_BAD_RESPONSE',
        'A conversations page has no boolean has_more or a last_id that is not a string.',
      );
    }
    return { hasMore, lastId, items: count, reachedEnd };
  }
}

/** One finished item, or a piece of an oversized one going through unread. */
interface Collected {
  readonly bytes: Buffer;
  readonly passThrough: boolean;
}

/** Collects items up to a size; past it an item is handed on in pieces, unread, and ends with LF. */
class ItemCollector implements ItemHandler {
  readonly #max: number;
  #parts: Buffer[] = [];
  #size = 0;
  #oversized = false;
  #out: Collected[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  itemBytes(bytes: Buffer): void {
    if (this.#oversized) {
      this.#out.push({ bytes: Buffer.from(bytes), passThrough: true });
      return;
    }
    this.#size += bytes.length;
    this.#parts.push(bytes);
    if (this.#size > this.#max) {
      this.#oversized = true;
      for (const part of this.#parts) this.#out.push({ bytes: Buffer.from(part), passThrough: true });
      this.#parts = [];
    }
  }

  itemEnd(): void {
    if (this.#oversized) this.#out.push({ bytes: LF, passThrough: true });
    else this.#out.push({ bytes: Buffer.concat(this.#parts, this.#size), passThrough: false });
    this.#parts = [];
    this.#size = 0;
    this.#oversized = false;
  }

  /** What completed since the last call. */
  take(): Collected[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
