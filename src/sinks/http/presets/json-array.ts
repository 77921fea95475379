import { recordBytes } from '../../../core/record.js';
import { classifyStatus, describeStatus } from './answers.js';
import { plainAuthHeaders } from './plain-auth.js';
import type { HttpPreset } from './types.js';

/** A plain webhook taking one JSON array of the records per request: `[rec,rec,...]`. */
export const jsonArrayPreset: HttpPreset = {
  name: 'json-array',
  title: 'the JSON webhook',
  docs: ['https://www.rfc-editor.org/rfc/rfc8259'],
  body: 'json-array',
  contentType: 'application/json',
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
