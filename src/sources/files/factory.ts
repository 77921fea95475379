import type { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import type { EventTimeSpec } from '../../core/event-time.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import { entriesOfType, type PlannedStreamBase, type SourceDescriptor } from '../shared/descriptor.js';
import { eventTimeOf, withEventTime } from '../shared/event-time.js';
import {
  ARCHIVE_EVENT_TYPE,
  EVENT_TYPE_NAME,
  type FilesSourceConfig,
  filesSourceConfigSchema,
} from './config.js';
import { type FilesStreamSource, filesStream, filesStreamKey, STDIN_PATH } from './stream-source.js';

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
    const stream = filesStream({
      pattern,
      eventType: config.eventType ?? ARCHIVE_EVENT_TYPE,
      principalId: config.principalId,
      segmentBytes: config.segmentBytes,
      ...(resume === undefined ? {} : { resume }),
      ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
      ...(deps.follow === undefined ? {} : { follow: deps.follow }),
      ...(deps.readToEnd === undefined || pattern === '-'
        ? {}
        : { readToEnd: deps.readToEnd(filesStreamKey(pattern)) }),
    });
    // A forced eventType wins; otherwise each record's own type routes it.
    streams.push(
      withEventTime(
        stream,
        filesSource.eventTime(config),
        config.eventType === undefined ? config.eventTypeFrom : undefined,
      ),
    );
  }
  return streams;
}

/**
 * A replayed record's time: its `timestamp` (the Compliance Logs Platform's), else the one the
 * forwarder noted in its metadata when it read the time elsewhere (an audit event, a conversation),
 * else an audit event's `effective_at`.
 */
const FILES_EVENT_TIME: EventTimeSpec = [
  { path: 'timestamp', format: 'iso8601' },
  { path: '_forwarder.event_time', format: 'iso8601' },
  { path: 'effective_at', format: 'epoch-seconds' },
];

/** One files stream of the service: the source with only this stream's path or pattern. */
export interface PlannedFilesStream extends PlannedStreamBase<'files'> {
  readonly config: FilesSourceConfig;
}

/** Local archives and stdin: one stream per path or pattern; the service follows the files. */
export const filesSource: SourceDescriptor<'files', typeof filesSourceConfigSchema, PlannedFilesStream> = {
  type: 'files',
  section: 'sources',
  configSchema: filesSourceConfigSchema,
  eventTypes: [ARCHIVE_EVENT_TYPE],
  eventTime: (config) => eventTimeOf(FILES_EVENT_TIME, config.eventTime),
  // A files source may name the event type of its records; routes then accept it too.
  entryEventTypes: (entry) =>
    typeof entry.eventType === 'string' && EVENT_TYPE_NAME.test(entry.eventType) ? [entry.eventType] : [],
  cli: {
    usage:
      'files needs no key; each record keeps its own event type (_forwarder.event_type, then type; else ARCHIVE) unless --event-type forces one.',
    flags: {
      path: {
        type: 'string',
        multiple: true,
        usage: "files: a file, a glob ('archive/**/*.jsonl.gz') or - for stdin (repeatable)",
      },
    },
    requires: { principal: false, eventType: false, after: false, flags: ['path'] },
    entry: (flags) => ({
      type: 'files',
      paths: flags.values.path ?? [],
      ...(flags.eventTypes[0] === undefined ? {} : { eventType: flags.eventTypes[0] }),
      ...(flags.principal === undefined ? {} : { principalId: flags.principal }),
    }),
  },
  instances: entriesOfType('files'),
  env: {},
  plan(config, where) {
    return {
      streams: config.paths.map((path) => {
        if (path === STDIN_PATH) {
          throw new CfError(
            'CF_ERR_CONFIG',
            `${where}.paths names stdin (-): \`run\` polls files on a schedule, and stdin can be read only once; use \`export --source files --path -\` for it.`,
          );
        }
        return { type: 'files' as const, key: filesStreamKey(path), config: { ...config, paths: [path] } };
      }),
    };
  },
  async exportStreams(config, _window, deps) {
    const streams = await createFilesStreams(config, {
      ...(deps.resumeOf === undefined ? {} : { resumeOf: deps.resumeOf }),
      ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
    });
    return { streams, close: async () => {} };
  },
  pollStreams(planned) {
    return {
      streams: planned.map((p) => {
        // What earlier polls read to the end, so an unchanged last file is not read again.
        const readToEnd = new Map<string, string>();
        return {
          key: p.key,
          // A poll replays from the checkpoint (file and offset): what was delivered is not read
          // again, new files after it and lines added to the last one are.
          open: async (position: WatermarkPosition | undefined) => {
            const [stream] = await createFilesStreams(p.config, {
              resumeOf: async () => position,
              follow: true,
              readToEnd: () => readToEnd,
            });
            return stream!;
          },
        };
      }),
      close: async () => {},
    };
  },
};
