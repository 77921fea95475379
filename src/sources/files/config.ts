import { z } from 'zod';
import { eventTimeConfigSchema } from '../shared/event-time.js';

/** What an `eventType` may look like. */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The event type of a replayed record that names none (and of the stream). */
export const ARCHIVE_EVENT_TYPE = 'ARCHIVE';

/**
 * Local archives and stdin: JSON Lines, gzip'd JSON Lines, or one JSON array per file, replayed
 * through the same pipeline. One stream per path pattern, checkpointed by file and byte offset.
 */
export const filesSourceConfigSchema = z
  .strictObject({
    type: z.literal('files').meta({ description: 'The source kind.' }),
    paths: z.array(z.string().min(1)).min(1).meta({
      description:
        "Files to replay: paths or glob patterns ('archive/**/*.jsonl.gz'; ** any directories, * and ? in a name, {a,b}), or '-' for stdin. Each is one stream, its files replayed in path order.",
    }),
    eventType: z.string().regex(EVENT_TYPE_NAME).optional().meta({
      description:
        "Forces one event type on every replayed record (routes, topics, sourcetypes, MSGID, metrics). Absent: each record's own, read from eventTypeFrom, else ARCHIVE.",
    }),
    eventTypeFrom: z
      .array(z.string().regex(/^[^.[\]*]+(?:\.[^.[\]*]+)*$/))
      .default(['_forwarder.event_type', 'type'])
      .meta({
        description:
          "JSON paths tried in order for each record's own event type (unless eventType forces one); the first well-formed string wins.",
      }),
    eventTime: eventTimeConfigSchema,
    principalId: z.string().min(1).max(128).default('local-archive').meta({
      description:
        'The principal the records are labelled with (a workspace id, an org-... id, or any label).',
    }),
    segmentBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(8 * 1024 * 1024)
      .meta({
        description:
          'A file is delivered and checkpointed in segments of about this many bytes (cut at line ends): an interrupted replay resumes at the segment in flight.',
      }),
  })
  .meta({ description: 'Local JSONL / JSONL.gz / JSON-array archives, or stdin.' });

export type FilesSourceConfig = z.infer<typeof filesSourceConfigSchema>;
export type FilesSourceConfigInput = z.input<typeof filesSourceConfigSchema>;
