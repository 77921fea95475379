import { plainWebhookPreset } from './plain-webhook.js';
import type { HttpPreset } from './types.js';

/**
 * A plain webhook taking newline-delimited JSON: each record's line, unchanged, and a newline
 * (https://github.com/ndjson/ndjson-spec). Headers and auth are the user's.
 */
export const ndjsonPreset: HttpPreset = plainWebhookPreset({
  name: 'ndjson',
  title: 'the NDJSON webhook',
  docs: ['https://github.com/ndjson/ndjson-spec'],
  body: 'ndjson',
  contentType: 'application/x-ndjson',
});
