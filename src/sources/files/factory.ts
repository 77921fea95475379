import type { Readable } from 'node:stream';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { FilesSourceConfig } from './config.js';
import { type FilesStreamSource, filesStream, filesStreamKey } from './stream-source.js';

export interface FilesStreamsDeps {
  /** The checkpoint of a stream key, if any (CheckpointStore.load); stdin never resumes. */
  readonly resumeOf?: (streamKey: string) => Promise<WatermarkPosition | undefined>;
  /** What `-` reads. Default process.stdin. */
  readonly stdin?: Readable;
  /** The service polls the paths: see FilesStreamOptions.follow. */
  readonly follow?: boolean;
  /** Following: see FilesStreamOptions.readToEnd (one map per path, kept across polls). */
  readonly readToEnd?: (streamKey: string) => Map<string, string>;
}

/** One stream per configured path or pattern (`-` is stdin), each resuming from its checkpoint. */
export async function createFilesStreams(
  config: FilesSourceConfig,
  deps: FilesStreamsDeps = {},
): Promise<FilesStreamSource[]> {
  const streams: FilesStreamSource[] = [];
  for (const pattern of config.paths) {
    const resume = pattern === '-' ? undefined : await deps.resumeOf?.(filesStreamKey(pattern));
    streams.push(
      filesStream({
        pattern,
        eventType: config.eventType,
        principalId: config.principalId,
        segmentBytes: config.segmentBytes,
        ...(resume === undefined ? {} : { resume }),
        ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
        ...(deps.follow === undefined ? {} : { follow: deps.follow }),
        ...(deps.readToEnd === undefined || pattern === '-'
          ? {}
          : { readToEnd: deps.readToEnd(filesStreamKey(pattern)) }),
      }),
    );
  }
  return streams;
}
