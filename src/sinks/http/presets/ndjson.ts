import { recordBytes } from '../../../core/record.js';
import { classifyStatus, describeStatus } from './answers.js';
import { plainAuthHeaders } from './plain-auth.js';
import type { HttpPreset } from './types.js';

/**
 * A plain webhook taking newline-delimited JSON: each record's line, unchanged, and a newline
 * (https://github.com/ndjson/ndjson-spec). Headers and auth are the user's.
 */
export const ndjsonPreset: HttpPreset = {
  name: 'ndjson',
  title: 'the NDJSON webhook',
  docs: ['https://github.com/ndjson/ndjson-spec'],
  body: 'ndjson',
  contentType: 'application/x-ndjson',
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
