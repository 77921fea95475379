/**
 * What each sink holds (event id -> times delivered) and what the sources served in the window
 * (the expected ids), with each id's position on its stream's clock, to tell a restart's
 * in-flight duplicates from others.
 */
import { readFile } from 'node:fs/promises';
import { complianceStreamKey } from '../../src/sources/compliance-logs/stream-source.js';
import { readSinkLines } from '../integration/service-helpers.js';
import { KAFKA_TOPIC, type Peers } from './peers.js';

export type IdCounts = Map<string, number>;

function count(ids: Iterable<string | undefined>): IdCounts {
  const out: IdCounts = new Map();
  for (const id of ids) if (id !== undefined) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

const idOf = (record: Record<string, unknown>): string | undefined => {
  const id = record.event_id ?? record.id;
  return typeof id === 'string' ? id : undefined;
};

/** The file sink's copies of each id: when the forwarder read each copy, and from which file. */
export interface Copies {
  readonly ingestMs: number[];
  readonly fileId: string;
}

export interface Delivered {
  readonly sinks: Map<string, IdCounts>;
  readonly copies: Map<string, Copies>;
}

/** Every sink's delivered ids; `hecEarlier` holds what a restarted HEC receiver had before. */
export async function collectSinks(peers: Peers, hecEarlier: readonly string[]): Promise<Delivered> {
  const fileLines = await readSinkLines(peers.fileSinkDir);
  const kafka = await peers.kafka.consume(KAFKA_TOPIC, 180_000);
  const hec = await peers.hec.events();
  const syslog = await peers.rsyslog.messages();
  const copies = new Map<string, Copies>();
  const fileIds: Array<string | undefined> = [];
  for (const line of fileLines) {
    const record = JSON.parse(line) as Record<string, unknown> & {
      _forwarder?: { ingest_time?: string; file_id?: string };
    };
    const id = idOf(record);
    fileIds.push(id);
    if (id === undefined) continue;
    const c = copies.get(id) ?? { ingestMs: [], fileId: record._forwarder?.file_id ?? '' };
    c.ingestMs.push(Date.parse(record._forwarder?.ingest_time ?? ''));
    copies.set(id, c);
  }
  const sinks = new Map([
    ['file', count(fileIds)],
    ['kafka', count(kafka.records.map((r) => r.key ?? undefined))],
    ['hec', count([...hecEarlier, ...hec.map((e) => idOf(e.event))])],
    ['syslog', count(syslog.map((m) => m.sdparsed?.['cf@32473']?.event_id))],
  ]);
  return { sinks, copies };
}

/** From the forwarder's log: which stream read each file, and when each stream's polls failed. */
export interface PollFailures {
  readonly streamOfFile: Map<string, string>;
  /** Stream -> times (ms) its polls failed. */
  readonly failedAt: Map<string, number[]>;
}

/**
 * When a poll fails (a file whose retries ran out), the next poll lists from the checkpoint again:
 * the failed file is read again whole (its first records may have gone out) and so are files
 * listed after it that were read before the failure (the checkpoint never passes the failed one).
 */
export async function pollFailures(logPath: string): Promise<PollFailures> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  const streamOfFile = new Map<string, string>();
  const failedAt = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const read = line.includes('"msg":"File read.');
    const failed = line.includes('"msg":"Stream poll failed');
    if (!read && !failed) continue;
    const entry = JSON.parse(line) as { time: number; stream?: string; fileId?: string };
    if (entry.stream === undefined) continue;
    if (read && entry.fileId !== undefined) streamOfFile.set(entry.fileId, entry.stream);
    if (failed) failedAt.set(entry.stream, [...(failedAt.get(entry.stream) ?? []), entry.time]);
  }
  return { streamOfFile, failedAt };
}

/** Whether a record's copies were read on either side of a failed poll of its stream. */
export function readAcrossFailedPoll(c: Copies, failures: PollFailures): boolean {
  const stream = failures.streamOfFile.get(c.fileId);
  const times = stream === undefined ? undefined : failures.failedAt.get(stream);
  if (times === undefined) return false;
  const first = Math.min(...c.ingestMs);
  const last = Math.max(...c.ingestMs);
  return times.some((t) => t >= first && t < last);
}

/** Where an expected id sits: its stream and the time its checkpoint passes it (stream clock). */
export interface Position {
  readonly stream: string;
  readonly atMs: number;
}

export interface Expected {
  readonly ids: Set<string>;
  readonly positions: Map<string, Position>;
  readonly skippedFiles: number;
}

/** Files the forwarder dead-lettered as expired (skipExpiredFiles): their events are not owed. */
async function skippedFileIds(deadLetterPath: string): Promise<Set<string>> {
  const text = await readFile(deadLetterPath, 'utf8').catch(() => '');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.includes('CF_ERR_FILE_EXPIRED')) continue;
    const id = (JSON.parse(line) as { source?: { fileId?: string } }).source?.fileId;
    if (id !== undefined) out.add(id);
  }
  return out;
}

export interface Cutoff {
  /** Compliance files with end_time after this (the lookback) and at or before `complianceEnd`. */
  readonly lookback: string;
  readonly complianceEnd: Date;
  /** Audit events visible at the cut, as the simulator listed them then. */
  readonly auditEvents: ReadonlyArray<{ id: string; effectiveAt: number }>;
  readonly auditStream: string;
  readonly archiveStream: string;
  /** When each archive file was written (ms), by file number. */
  readonly archiveWrittenAt: readonly number[];
}

export async function expectedIds(peers: Peers, cut: Cutoff, deadLetterPath: string): Promise<Expected> {
  const skipped = await skippedFileIds(deadLetterPath);
  const ids = new Set<string>();
  const positions = new Map<string, Position>();
  const before = new Date(cut.complianceEnd.getTime() + 1);
  for (const p of peers.principals) {
    for (const type of p.eventTypes) {
      const stream = complianceStreamKey(p.id, type);
      for (const f of peers.compliance.listFiles(p.id, type as never, cut.lookback, before)) {
        if (skipped.has(f.id)) continue;
        for (const id of peers.compliance.eventIds(p.id, type as never, f.id)) {
          ids.add(id);
          positions.set(id, { stream, atMs: Date.parse(f.endTime) });
        }
      }
    }
  }
  for (const e of cut.auditEvents) {
    ids.add(e.id);
    positions.set(e.id, { stream: cut.auditStream, atMs: e.effectiveAt * 1000 });
  }
  for (const id of peers.archive.ids) {
    ids.add(id);
    const n = Number(/^archive-(\d+)-/.exec(id)?.[1]);
    positions.set(id, { stream: cut.archiveStream, atMs: cut.archiveWrittenAt[n - 1] ?? 0 });
  }
  return { ids, positions, skippedFiles: skipped.size };
}
