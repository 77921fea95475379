import { z } from 'zod';

/** 16 MiB: above the 15 MB cap on a whole upstream file, so one line can never legitimately exceed it. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** V8 cannot hold much more than this in one string; a larger limit could not be honoured. */
const MAX_LINE_BYTES_CEILING = 256 * 1024 * 1024;

export const splitterConfigSchema = z
  .strictObject({
    maxLineBytes: z.number().int().min(2).max(MAX_LINE_BYTES_CEILING).default(DEFAULT_MAX_LINE_BYTES).meta({
      description:
        'Largest JSONL line accepted, in bytes (line terminator excluded). Longer lines go to the dead-letter file with their file id and line number.',
    }),
  })
  .meta({ description: 'How downloaded JSONL is cut into records.' });

export type SplitterConfig = z.infer<typeof splitterConfigSchema>;
