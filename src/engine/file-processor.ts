import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { DeadLetter } from '../core/dead-letter.js';
import { CfError } from '../core/errors/index.js';
import type { SourceRef } from '../core/record.js';
import type { Metrics } from '../telemetry/metrics.js';
import {
  type BadLine,
  badLineDeadLetter,
  type FileEnricher,
  isBadLine,
  JsonlSplitter,
  type SplitLine,
  type SplitterOptions,
} from '../transforms/index.js';
import type { Router } from './router.js';
import type { FileTicket } from './watermark.js';

export interface FileProcessorDeps {
  readonly router: Router;
  readonly deadLetter: DeadLetter;
  readonly splitter: SplitterOptions;
  readonly metrics: Metrics;
}

/** What one file produced, for progress and the summary. */
export interface FileOutcome {
  records: number;
  bytes: number;
  badLines: number;
  dropped: number;
}

/**
 * Moves one file from its byte stream to the sinks:
 *
 *   body chunks -> JsonlSplitter -> (bad line -> dead-letter) -> FileEnricher -> Router -> sink.write()
 *
 * Per chunk: every record of the chunk is written to its sinks, then, if any sink said "full"
 * (write() returned false), the loop waits for that sink's 'drain' before reading the next chunk.
 * So a slow sink stops the reads, the HTTP body stops being consumed, and the download slows:
 * backpressure end to end with at most one chunk of records between stages. No promise per record.
 *
 * `turn`, when given, holds the first write until the previous file of the stream has been
 * written completely (ordered output for `fetch`); until then chunks are held, up to a bound,
 * after which reading pauses.
 */
export interface ProcessFileOptions {
  /** The file's bytes, exactly once, in order. */
  readonly body: Readable;
  readonly source: SourceRef;
  readonly ticket: FileTicket;
  readonly enricher: FileEnricher;
  readonly deps: FileProcessorDeps;
  readonly signal: AbortSignal;
  /** Resolves when the stream's previous file is written (ordered output); absent: write at once. */
  readonly turn?: Promise<void>;
}

export async function processFile(options: ProcessFileOptions): Promise<FileOutcome> {
  const { body, source, ticket, enricher, deps, signal, turn } = options;
  const outcome: FileOutcome = { records: 0, bytes: 0, badLines: 0, dropped: 0 };
  // The splitter notes the keys the enricher checks for and the values it reads (a replayed
  // record's event type), so neither needs a search or a parse of the line.
  const splitter = new JsonlSplitter({
    ...deps.splitter,
    watchKeys: enricher.watchKeys,
    capturePaths: enricher.capturePaths,
  });
  let myTurn = turn === undefined;
  turn?.then(() => {
    myTurn = true;
  });
  const held: Buffer[] = [];
  let heldBytes = 0;
  const HOLD_MAX_BYTES = 16 * 1024 * 1024;

  const emit = async (items: Array<SplitLine | BadLine>): Promise<void> => {
    let full: Set<import('../core/sink.js').Sink> | undefined;
    for (const item of items) {
      if (isBadLine(item)) {
        outcome.badLines++;
        await deps.deadLetter.write(badLineDeadLetter(item, source));
        continue;
      }
      const record = enricher.enrich(item);
      if (record === undefined) {
        outcome.dropped++;
        continue;
      }
      // The record's own type: a replayed archive's records may each have another.
      const sinks = deps.router.sinksFor(record.source.eventType);
      ticket.expect(sinks.length);
      outcome.records++;
      for (const sink of sinks) {
        if (!sink.write(record)) (full ??= new Set()).add(sink);
      }
    }
    if (full !== undefined) {
      await Promise.all(
        [...full].map((s) => (s.writableNeedDrain ? once(s, 'drain', { signal }) : undefined)),
      );
    }
  };

  const handle = async (chunk: Buffer): Promise<void> => {
    outcome.bytes += chunk.length;
    await emit(splitter.push(chunk));
  };

  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (signal.aborted) throw signal.reason ?? new CfError('CF_ERR_ABORTED', 'Aborted.');
    if (!myTurn) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= HOLD_MAX_BYTES) await turn;
      else continue;
    }
    if (held.length > 0) {
      for (const h of held.splice(0)) await handle(h);
      heldBytes = 0;
    }
    await handle(chunk);
  }
  if (!myTurn) await turn;
  for (const h of held.splice(0)) await handle(h);
  // Only now, with the body verified complete, may a last unterminated line go out.
  await emit(splitter.end());
  return outcome;
}
