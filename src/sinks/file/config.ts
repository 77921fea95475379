import { z } from 'zod';

export const fileSinkConfigSchema = z
  .strictObject({
    type: z.literal('file'),
    name: z.string().min(1).optional(),
    directory: z.string().min(1).meta({ description: 'Output directory (export --out).' }),
    filePrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default('compliance'),
    perEventType: z
      .boolean()
      .default(false)
      .meta({ description: 'One sub-directory per event type instead of one set of files.' }),
    gzip: z.boolean().default(false).meta({ description: 'Write .jsonl.gz files.' }),
    rotateMaxBytes: z
      .number()
      .int()
      .min(1024)
      .default(128 * 1024 * 1024)
      .meta({ description: 'Start a new file after this many record bytes.' }),
    rotateMaxAgeMs: z
      .number()
      .int()
      .min(1000)
      .default(3_600_000)
      .meta({ description: 'Start a new file when the current one is this old.' }),
    batchMaxBytes: z
      .number()
      .int()
      .min(1)
      .default(1024 * 1024),
    lingerMs: z.number().int().min(0).default(200),
    fsync: z
      .boolean()
      .default(true)
      .meta({ description: 'fsync before acknowledging; off trades crash safety for speed.' }),
  })
  .meta({
    description:
      'JSON Lines files under a directory. A file keeps a temporary name (.partial) until it is complete.',
  });
export type FileSinkConfig = z.infer<typeof fileSinkConfigSchema>;
