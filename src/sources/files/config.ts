import { z } from 'zod';

/** What an `eventType` may look like. */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

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
    eventType: z.string().regex(EVENT_TYPE_NAME).default('ARCHIVE').meta({
      description:
        'The event type the replayed records carry through routes and sinks (e.g. AUDIT_LOG for an archive of one type).',
    }),
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
