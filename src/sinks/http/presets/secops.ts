import { recordBytes } from '../../../core/record.js';
import { classifyStatus, describeStatus } from './answers.js';
import type { HttpPreset } from './types.js';

/**
 * Google SecOps (Chronicle) HTTPS webhook feed: newline-separated JSON objects in one request
 * (the feed splits on its delimiter, \n), Content-Type application/json, the API key in
 * X-goog-api-key and the feed's secret in X-Webhook-Access-Key. At most 4 MB per request. A
 * single invalid event rejects the whole request (400), so the sink isolates it.
 */
export const secopsPreset: HttpPreset = {
  name: 'secops',
  title: 'the Google SecOps webhook feed',
  docs: [
    'https://cloud.google.com/chronicle/docs/ingestion/setup-siem-webhook',
    'https://cloud.google.com/chronicle/docs/reference/rest/v1/projects.locations.instances.feeds/importPushLogs',
  ],
  body: 'ndjson',
  contentType: 'application/json',
  gzipByDefault: false,
  urlIsSecret: false,
  limits: {
    batchBytes: 2_000_000,
    batchCount: 2000,
    maxBatchBytes: 4_000_000,
    maxRecordBytes: 3_999_999,
  },
  reservedHeaders: ['x-goog-api-key', 'x-webhook-access-key'],
  // Google APIs answer an invalid API key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID):
  // that is a credentials problem, not a bad event to isolate.
  classify: (status, text) =>
    status === 400 && /API_KEY_INVALID|API key not valid/.test(text) ? 'fatal' : classifyStatus(status),
  describe: (status) =>
    describeStatus(status, {
      400: 'invalid argument: one invalid event rejects the whole request',
      401: 'unauthenticated: the API key is missing or invalid',
      403: 'permission denied: check the API key restrictions and the feed secret',
      429: 'resource exhausted: over the ingestion quota',
    }),
  prepare: (settings) => ({
    rawLines: true,
    entry: (record) => record.line,
    entryBytes: recordBytes,
    groupKey: () => undefined,
    headers: () => ({
      ...(settings.secrets.apiKey ? { 'x-goog-api-key': settings.secrets.apiKey.reveal() } : {}),
      ...(settings.secrets.webhookSecret
        ? { 'x-webhook-access-key': settings.secrets.webhookSecret.reveal() }
        : {}),
    }),
  }),
};
