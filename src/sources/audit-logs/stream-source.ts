import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import type { ListedFile, StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import { requireIsoMs } from '../../lib/time.js';
import { RecentKeys } from '../shared/index.js';
import type { AuditLogFilters, AuditLogsClient } from './client.js';
import { ReorderBuffer } from './reorder-buffer.js';
import { AdaptiveSlicer, DEFAULT_SHRINK_ABOVE_PAGES } from './slicer.js';

/** The event type audit log records carry through the pipeline (routes, sourcetype, topics). */
export const AUDIT_LOGS_EVENT_TYPE = 'API_AUDIT_LOG';

export interface AuditLogsStreamOptions extends AuditLogFilters {
  readonly organizationId: string;
  /** ISO-8601, exclusive: the window start (the lookback on a first run). */
  readonly after: string;
  /** ISO-8601, exclusive; default the moment `files()` starts. */
  readonly before?: string;
  readonly pageSize: number;
  readonly overlapMs: number;
  /** The first slice's length, and the shortest a slice shrinks to (see slicer.ts). */
  readonly sliceMs: number;
  /** The longest a slice grows to while slices are sparse; default 7 days. */
  readonly maxSliceMs?: number;
  readonly memoryMaxBytes: number;
  /** Default: the system temp directory. */
  readonly spillDirectory?: string;
  readonly batchMaxRecords: number;
  readonly batchMaxBytes: number;
  readonly recentIdsMax: number;
  /** The stream's checkpoint, if any. */
  readonly resume?: WatermarkPosition;
}

/** The longest slice unless configured otherwise. */
export const DEFAULT_MAX_SLICE_MS = 7 * 24 * 3_600_000;

/** Consecutive empty pages that still claim has_more before the answer is called broken. */
const MAX_EMPTY_PAGES_WITH_MORE = 3;

/**
 * The stream key and checkpoint identity: `organization/<org>/API_AUDIT_LOG`, plus a digest of the
 * filters when there are any (a checkpoint taken with other filters says nothing about the events
 * they excluded, so a filter change starts a new stream).
 */
export function auditLogsStreamKey(organizationId: string, filters: AuditLogFilters = {}): string {
  const parts = [
    filters.eventTypes,
    filters.actorIds,
    filters.actorEmails,
    filters.projectIds,
    filters.resourceIds,
  ].map((list) => [...(list ?? [])].sort());
  const base = `organization/${organizationId}/${AUDIT_LOGS_EVENT_TYPE}`;
  if (parts.every((p) => p.length === 0)) return base;
  return `${base}/${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12)}`;
}

function isoSeconds(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

/** A batch on its way to the pipeline: the JSONL bytes and what its delivery means. */
interface Batch {
  readonly file: ListedFile;
  readonly body: Buffer;
}

/**
 * One organization's API Platform audit log as a StreamSource.
 *
 *   window (after, before] ─> slices, oldest first (sliceMs first, then adaptive: see slicer.ts)
 *     slice: pages newest first (after=last_id) ─> ReorderBuffer (memory, then a spill file)
 *            ─> events oldest first ─> skip ids already delivered ─> batches ("files")
 *
 * The API answers newest first; the pipeline needs oldest first so that the checkpoint can follow
 * the deliveries. Each slice is therefore read whole before its events go out, in memory up to
 * `memoryMaxBytes` and in a temporary file beyond (flat memory for any slice size). A slice that
 * fit in one half-full page doubles the next (up to `maxSliceMs`), one of many pages halves it
 * (down to `sliceMs`): a quiet month costs a dozen requests, a busy hour keeps its slices short.
 *
 * A batch's checkpoint is the latest `effective_at` delivered (ISO) and the ids delivered within
 * `overlapMs` before it (RecentKeys, `<ms>|<id>`). A resumed stream re-reads from the checkpoint
 * minus the overlap, picks up events that became visible late, and skips those ids. Every record
 * gains `event_id` = its `id` (unless it has one), the identity the enricher de-duplicates on and
 * sinks key on. After the last slice an empty batch moves the checkpoint to the window's end, so a
 * quiet organization is not re-listed from an old checkpoint on every poll.
 *
 * Failures: the client retries in place; what it gives up on is thrown from `files()` and fails
 * the stream (its checkpoint stays put).
 */
export function auditLogsStream(client: AuditLogsClient, o: AuditLogsStreamOptions): StreamSource {
  const key = auditLogsStreamKey(o.organizationId, o);
  const afterMs = requireIsoMs(o.after, 'after');
  const resumeWins =
    o.resume !== undefined && requireIsoMs(o.resume.endTime, 'The checkpoint endTime') >= afterMs;
  const resume = resumeWins ? o.resume : undefined;
  const batches = new Map<string, Buffer>();
  return {
    key,
    source: 'audit-logs',
    principalId: o.organizationId,
    principalType: 'API_PLATFORM_ORG',
    eventType: AUDIT_LOGS_EVENT_TYPE,
    ...(resume === undefined ? {} : { resume }),
    async *files(signal: AbortSignal): AsyncGenerator<ListedFile> {
      const beforeMs = o.before === undefined ? Date.now() : requireIsoMs(o.before, 'before');
      const endSec = Math.ceil(beforeMs / 1000);
      const overlapSec = Math.ceil(o.overlapMs / 1000);
      let startSec = Math.floor(afterMs / 1000) + 1;
      if (resume !== undefined) {
        startSec = Math.max(startSec, Math.floor(Date.parse(resume.endTime) / 1000) - overlapSec);
      }
      const recent = new RecentKeys(o.overlapMs, o.recentIdsMax, resume?.idsAtEndTime ?? []);
      let latestSec =
        resume === undefined ? Number.NEGATIVE_INFINITY : Math.floor(Date.parse(resume.endTime) / 1000);
      const slicer = sliceSizingOf(o);
      for (let from = startSec, to: number; from < endSec; from = to) {
        to = Math.max(from + 1, Math.floor(slicer.next(from * 1000, endSec * 1000) / 1000));
        const buffer = new ReorderBuffer({
          memoryMaxBytes: o.memoryMaxBytes,
          spillDirectory: o.spillDirectory ?? tmpdir(),
        });
        try {
          slicer.record(await listSlice(client, o, key, from, to, buffer, signal));
          for await (const batch of batchesOf(buffer, o, recent, latestSec)) {
            latestSec = Math.max(latestSec, Date.parse(batch.file.endTime) / 1000);
            batches.set(batch.file.id, batch.body);
            client.metrics?.filesListed.inc({ stream: key });
            yield batch.file;
          }
        } finally {
          await buffer.close();
        }
      }
      // Everything up to the window's end was listed: an empty batch carries the checkpoint there.
      const windowEndSec = endSec - 1;
      if (windowEndSec > latestSec && windowEndSec >= startSec) {
        recent.advanceTo(windowEndSec * 1000);
        const endTime = isoSeconds(windowEndSec);
        const ids = recent.snapshot();
        const id = `listed-to-${endTime}`;
        batches.set(id, Buffer.alloc(0));
        yield {
          id,
          fileName: `${AUDIT_LOGS_EVENT_TYPE}_${endTime}.jsonl`,
          endTime,
          sizeBytes: 0,
          checkpoint: () => ({ endTime, ids }),
        };
      }
    },
    open(file: ListedFile): Readable {
      const body = batches.get(file.id);
      if (body === undefined)
        throw new CfError('CF_ERR_INTERNAL', `Batch ${file.id} was not listed by ${key}.`);
      batches.delete(file.id);
      return Readable.from(body.length === 0 ? [] : [body], { objectMode: false });
    },
  };
}

/** The slicer of a window: sliceMs (whole seconds, at least a minute) first and as the floor, maxSliceMs the ceiling. */
function sliceSizingOf(o: AuditLogsStreamOptions): AdaptiveSlicer {
  const minSliceMs = Math.max(60, Math.floor(o.sliceMs / 1000)) * 1000;
  return new AdaptiveSlicer({
    minSliceMs,
    maxSliceMs: Math.max(minSliceMs, o.maxSliceMs ?? DEFAULT_MAX_SLICE_MS),
    pageSize: o.pageSize,
    shrinkAbovePages: DEFAULT_SHRINK_ABOVE_PAGES,
  });
}

/**
 * Lists one slice [from, to) page by page (newest first) into `buffer`, each page turned oldest
 * first; answers how many pages and events it took (the next slice's length depends on it).
 */
async function listSlice(
  client: AuditLogsClient,
  o: AuditLogsStreamOptions,
  stream: string,
  from: number,
  to: number,
  buffer: ReorderBuffer,
  signal: AbortSignal,
): Promise<{ pages: number; events: number }> {
  let after: string | undefined;
  let emptyWithMore = 0;
  let pages = 0;
  let events = 0;
  for (;;) {
    const started = performance.now();
    const page = await client.listPage(
      {
        ...filtersOf(o),
        effectiveAtGte: from,
        effectiveAtLt: to,
        limit: o.pageSize,
        ...(after ? { after } : {}),
      },
      signal,
    );
    client.metrics?.downloadedBytes.inc({ stream }, page.bytes);
    const lines: string[] = [];
    for (let i = page.data.length - 1; i >= 0; i--) {
      const event = page.data[i]!;
      // Slices are disjoint: an event outside this one (an API quirk) belongs to another.
      if (event.effective_at < from || event.effective_at >= to) continue;
      const record = typeof event.event_id === 'string' ? event : { event_id: event.id, ...event };
      lines.push(`${event.effective_at}\t${JSON.stringify(event.id)}\t${JSON.stringify(record)}\n`);
    }
    await buffer.add(Buffer.from(lines.join(''), 'utf8'));
    pages++;
    events += lines.length;
    client.logger.debug(
      {
        stream,
        slice: `${isoSeconds(from)}..${isoSeconds(to)}`,
        page: pages,
        events: page.data.length,
        bytes: page.bytes,
        hasMore: page.has_more,
        durationMs: Math.round(performance.now() - started),
      },
      'Listed an audit log page.',
    );
    if (!page.has_more) return { pages, events };
    if (page.data.length === 0) {
      if (++emptyWithMore >= MAX_EMPTY_PAGES_WITH_MORE) {
        throw new CfError(
          'CF_ERR_BAD_RESPONSE',
          `The audit log API answered ${emptyWithMore} empty pages in a row that claim has_more.`,
        );
      }
      continue;
    }
    emptyWithMore = 0;
    if (page.last_id === null || page.last_id === after) {
      throw new CfError(
        'CF_ERR_BAD_RESPONSE',
        'The audit log API answered has_more without a new last_id to page on.',
      );
    }
    after = page.last_id;
  }
}

function filtersOf(o: AuditLogFilters): AuditLogFilters {
  return {
    eventTypes: o.eventTypes ?? [],
    actorIds: o.actorIds ?? [],
    actorEmails: o.actorEmails ?? [],
    projectIds: o.projectIds ?? [],
    resourceIds: o.resourceIds ?? [],
  };
}

/**
 * The buffered slice as batches, oldest first, without the events already delivered (the resume
 * overlap, or a repeat inside the listing). Each batch's checkpoint is fixed when it is cut:
 * the latest effective_at so far (never below `floorSec`) and the overlap window's ids.
 */
async function* batchesOf(
  buffer: ReorderBuffer,
  o: AuditLogsStreamOptions,
  recent: RecentKeys,
  floorSec: number,
): AsyncGenerator<Batch> {
  let lines: string[] = [];
  let bytes = 0;
  let firstId = '';
  let lastId = '';
  // The checkpoint never moves back, even when a late event older than it is delivered: that
  // event's id is in the overlap window the checkpoint carries.
  let latestSec = floorSec;
  const cut = (): Batch => {
    const endTime = isoSeconds(latestSec);
    const ids = recent.snapshot();
    const body = Buffer.from(lines.join(''), 'utf8');
    const file: ListedFile = {
      id: `${firstId}..${lastId}`,
      fileName: `${AUDIT_LOGS_EVENT_TYPE}_${endTime}.jsonl`,
      endTime,
      sizeBytes: body.length,
      checkpoint: () => ({ endTime, ids }),
    };
    lines = [];
    bytes = 0;
    return { file, body };
  };
  for await (const block of buffer.oldestFirst()) {
    let start = 0;
    while (start < block.length) {
      const nl = block.indexOf(0x0a, start);
      const line = block.toString('utf8', start, nl);
      start = nl + 1;
      const tab1 = line.indexOf('\t');
      const tab2 = line.indexOf('\t', tab1 + 1);
      const effectiveAt = Number(line.slice(0, tab1));
      const id = JSON.parse(line.slice(tab1 + 1, tab2)) as string;
      if (recent.has(id)) continue;
      const json = line.slice(tab2 + 1);
      const size = Buffer.byteLength(json) + 1;
      if (lines.length > 0 && (lines.length >= o.batchMaxRecords || bytes + size > o.batchMaxBytes))
        yield cut();
      if (lines.length === 0) firstId = id;
      lastId = id;
      lines.push(`${json}\n`);
      bytes += size;
      latestSec = Math.max(latestSec, effectiveAt);
      recent.add(effectiveAt * 1000, id);
    }
  }
  if (lines.length > 0) yield cut();
}
