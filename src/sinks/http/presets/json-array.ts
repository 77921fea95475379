import { plainWebhookPreset } from './plain-webhook.js';
import type { HttpPreset } from './types.js';

/** A plain webhook taking one JSON array of the records per request: `[rec,rec,...]`. */
export const jsonArrayPreset: HttpPreset = plainWebhookPreset({
  name: 'json-array',
  title: 'the JSON webhook',
  docs: ['https://www.rfc-editor.org/rfc/rfc8259'],
  body: 'json-array',
  contentType: 'application/json',
});
