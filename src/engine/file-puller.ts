import type { ListedFile } from '../core/stream-source.js';
import type { RunSignals } from './run-signals.js';
import type { StreamRun } from './stream-run.js';
import type { FileTicket } from './watermark.js';

/** A file pulled from a stream, registered with the stream's watermark, not yet read. */
export interface FileJob {
  readonly stream: StreamRun;
  readonly file: ListedFile;
  readonly ticket: FileTicket;
  /** Resolves when the stream's previous file has been written (ordered output). */
  readonly turn: Promise<void>;
  /** Call once this file is written or failed: the next file's turn. */
  readonly written: () => void;
}

/**
 * Pulls files from the streams in turn (round robin over those that still have files), so no
 * listing runs ahead of the downloads. A file is registered with its stream's watermark only when
 * it is handed out: a file listed but not started is listed again by the next run.
 */
export class FilePuller {
  #next = 0;

  constructor(
    private readonly streams: readonly StreamRun[],
    private readonly signals: RunSignals,
  ) {}

  /** The next file to read; undefined when every stream is exhausted, or the run stops or drains. */
  async next(): Promise<FileJob | undefined> {
    for (;;) {
      if (this.signals.stopped) return undefined;
      const live = this.streams.filter((s) => !s.exhausted);
      if (live.length === 0) return undefined;
      const stream = live[this.#next++ % live.length]!;
      let r: IteratorResult<ListedFile>;
      try {
        r = await stream.iterator.next();
      } catch (err) {
        if (this.signals.draining) return undefined; // the listing was stopped on purpose
        stream.fail(err);
        continue;
      }
      if (r.done) {
        stream.exhausted = true;
        continue;
      }
      if (stream.exhausted) continue; // failed while we were listing
      if (this.signals.drainRequested) return undefined;
      return register(stream, r.value);
    }
  }
}

function register(stream: StreamRun, file: ListedFile): FileJob {
  const { id, endTime, checkpoint } = file;
  const ticket = stream.watermark.register({ id, endTime, ...(checkpoint ? { checkpoint } : {}) });
  const turn = stream.lastWritten;
  let written!: () => void;
  stream.lastWritten = new Promise<void>((resolve) => {
    written = resolve;
  });
  return { stream, file, ticket, turn, written };
}
