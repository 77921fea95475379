import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import type { PrincipalType } from '../../core/record.js';
import type { ListedFile, StreamSource } from '../../core/stream-source.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import { untilAborted } from '../../lib/abort.js';
import { FileCursor } from './file-cursor.js';
import { comparePaths, expandPattern } from './glob.js';
import type { ReplayProgress } from './progress.js';
import { parseResumeToken, Segment } from './segment.js';

/** `-` names stdin. */
export const STDIN_PATH = '-';

export interface FilesStreamOptions {
  /** A path, a glob pattern, or `-` for stdin. */
  readonly pattern: string;
  readonly eventType: string;
  readonly principalId: string;
  readonly segmentBytes: number;
  /** The stream's checkpoint; ignored for stdin, which cannot be replayed twice. */
  readonly resume?: WatermarkPosition;
  /** What `-` reads. Default process.stdin. */
  readonly stdin?: Readable;
  /**
   * The service's mode, for a directory that is still being written to: a glob matching nothing
   * yet lists nothing (instead of failing), and a file's unfinished last line (no line break
   * yet) is left for the next poll instead of being delivered cut in two.
   */
  readonly follow?: boolean;
  /**
   * Following, kept by the caller from poll to poll: the files read to their end, with the size
   * and modification time they had and the offset they ended at. The checkpoint's file, when
   * unchanged and checkpointed at that end, is then not opened again just to find that it ended
   * (which would mean decompressing a whole gzip file on every poll).
   */
  readonly readToEnd?: Map<string, string>;
}

/** A files stream also reports how far its replay is, for a progress line with an ETA. */
export interface FilesStreamSource extends StreamSource {
  progress(): ReplayProgress;
}

/** `files/<absolute pattern>`, or `files/stdin`: the stream key and checkpoint identity. */
export function filesStreamKey(pattern: string): string {
  return pattern === STDIN_PATH ? 'files/stdin' : `files/${resolve(pattern)}`;
}

function principalTypeOf(principalId: string): PrincipalType {
  return principalId.startsWith('org-') ? 'API_PLATFORM_ORG' : 'CHATGPT_WORKSPACE';
}

/**
 * The files a pattern names (or stdin), replayed as a StreamSource.
 *
 *   pattern ─> files in path order ─> FileCursor (JSONL | gzip | one JSON array → JSON Lines view)
 *           ─> segments of about segmentBytes, cut at line ends ─> the "files" the pipeline delivers
 *
 * Checkpoint: the end of the last delivered segment as `<offset>:<path>` (ListedFile.checkpoint),
 * `endTime` the file's modification time. A resumed replay skips the files before that path and
 * starts that file at that offset (a plain file seeks; gzip and arrays are read again and the
 * prefix skipped), so an interrupted replay delivers every record once, except those of the
 * segments in flight at the interruption (at least once, as everywhere). Files added later with
 * a path before the checkpoint's are not replayed by that stream.
 *
 * A file's segments are listed one at a time: the next once the previous has been read (its end
 * is found while reading). A file that cannot be read or parsed fails the stream with
 * CF_ERR_ARCHIVE_READ or CF_ERR_ARCHIVE_FORMAT; a line that is not JSON is dead-lettered by the
 * splitter as usual.
 */
export function filesStream(o: FilesStreamOptions): FilesStreamSource {
  const isStdin = o.pattern === STDIN_PATH;
  const resume = isStdin ? undefined : o.resume;
  const token = resume === undefined ? undefined : parseResumeToken(resume.idsAtEndTime.at(-1) ?? '');
  if (resume !== undefined && token === undefined) {
    throw new CfError(
      'CF_ERR_STATE_CORRUPT',
      `The checkpoint of ${filesStreamKey(o.pattern)} does not name a file position; reset it to replay from the start.`,
    );
  }
  const segments = new Map<string, Segment>();
  const state = {
    files: 0,
    filesDone: 0,
    bytesTotal: isStdin ? undefined : 0,
    bytesDone: 0,
    bytesAtStart: 0,
    startedAtMs: Date.now(),
    current: undefined as FileCursor | undefined,
  };
  const key = filesStreamKey(o.pattern);
  return {
    key,
    source: 'files',
    principalId: o.principalId,
    principalType: principalTypeOf(o.principalId),
    eventType: o.eventType,
    ...(resume === undefined ? {} : { resume }),
    progress(): ReplayProgress {
      return {
        files: state.files,
        filesDone: state.filesDone,
        bytesTotal: state.bytesTotal,
        bytesRead: state.bytesDone + (state.current?.rawBytesRead ?? 0),
        bytesAtStart: state.bytesAtStart,
        startedAtMs: state.startedAtMs,
      };
    },
    async *files(signal: AbortSignal): AsyncGenerator<ListedFile> {
      state.startedAtMs = Date.now();
      const all = isStdin
        ? [STDIN_PATH]
        : await expandPattern(o.pattern, { allowNoMatch: o.follow === true });
      const paths = token === undefined ? all : all.filter((p) => comparePaths(p, token.path) >= 0);
      const started = new Date().toISOString();
      const sizes = new Map<string, { bytes: number; mtime: string; mtimeMs: number }>();
      for (const path of isStdin ? [] : paths) {
        const s = await stat(path).catch((err: unknown) => {
          throw new CfError('CF_ERR_ARCHIVE_READ', `Cannot read ${path}: ${(err as Error).message}`, {
            cause: err,
          });
        });
        sizes.set(path, { bytes: s.size, mtime: s.mtime.toISOString(), mtimeMs: s.mtimeMs });
        state.bytesTotal = (state.bytesTotal ?? 0) + s.size;
      }
      state.files = paths.length;
      for (const path of paths) {
        const startOffset = token !== undefined && path === token.path ? token.offset : 0;
        const facts = sizes.get(path);
        const endMark = (offset: number) => `${facts?.bytes}:${facts?.mtimeMs}:${offset}`;
        if (facts !== undefined && o.readToEnd?.get(path) === endMark(startOffset)) {
          state.filesDone++;
          continue;
        }
        const cursor = isStdin
          ? await FileCursor.openStream('stdin', o.stdin ?? process.stdin)
          : await FileCursor.openFile(path, { startOffset });
        if (startOffset > 0 && !cursor.gzip && cursor.format === 'jsonl') state.bytesAtStart += startOffset;
        state.current = cursor;
        const endTime = sizes.get(path)?.mtime ?? started;
        let reading: { id: string; segment: Segment } | undefined;
        try {
          while (!(await cursor.atEnd())) {
            const segment = new Segment(cursor, o.segmentBytes, endTime, o.follow === true);
            const id = `${path}@${cursor.offset}`;
            segments.set(id, segment);
            reading = { id, segment };
            yield {
              id,
              fileName: isStdin ? 'stdin' : basename(path),
              endTime,
              checkpoint: () => segment.position,
            };
            const { endOfFile, endOffset } = await untilAborted(
              segment.done,
              signal,
              () => new CfError('CF_ERR_ABORTED', 'The replay was stopped.'),
            );
            reading = undefined;
            // Only the last file read to its end can be the checkpoint's: one entry is kept.
            if (endOfFile && facts !== undefined && o.readToEnd !== undefined) {
              o.readToEnd.clear();
              o.readToEnd.set(path, endMark(endOffset));
            }
            // Following, an unfinished last line stays unread at the end: it is not a new segment.
            if (endOfFile) break;
          }
        } finally {
          const close = () => {
            state.bytesDone += cursor.rawBytesRead;
            state.current = undefined;
            cursor.close();
          };
          // A listing stopped on purpose (a drain) while a segment is read: that segment finishes,
          // and the file is closed after it, not under it. A segment never opened is dropped.
          if (reading !== undefined && !segments.delete(reading.id))
            void reading.segment.done.then(close, close);
          else close();
        }
        state.filesDone++;
      }
    },
    open(file: ListedFile): Readable {
      const segment = segments.get(file.id);
      if (segment === undefined)
        throw new CfError('CF_ERR_INTERNAL', `Segment ${file.id} was not listed by ${key}.`);
      segments.delete(file.id);
      return segment.open();
    },
  };
}
