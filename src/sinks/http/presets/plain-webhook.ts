import { recordBytes } from '../../../core/record.js';
import { classifyStatus, describeStatus } from './answers.js';
import { plainAuthHeaders } from './plain-auth.js';
import type { HttpPreset } from './types.js';

/**
 * A plain webhook (json-array, ndjson): each record's line unchanged, the user's headers and
 * auth (bearer or basic), the generic status answers. Only the body framing and names differ.
 */
export function plainWebhookPreset(
  p: Pick<HttpPreset, 'name' | 'title' | 'docs' | 'body' | 'contentType'>,
): HttpPreset {
  return {
    ...p,
    gzipByDefault: false,
    urlIsSecret: false,
    limits: { batchBytes: 1_000_000, batchCount: 1000 },
    reservedHeaders: [],
    classify: classifyStatus,
    describe: (status) => describeStatus(status),
    prepare: (settings) => ({
      rawLines: true,
      entry: (record) => record.line,
      entryBytes: recordBytes,
      groupKey: () => undefined,
      headers: () => plainAuthHeaders(settings.secrets),
    }),
  };
}
