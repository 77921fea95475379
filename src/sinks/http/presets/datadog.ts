import type { PipelineRecord } from '../../../core/record.js';
import { recordBytes } from '../../../core/record.js';
import { Template } from '../template.js';
import { classifyStatus, describeStatus } from './answers.js';
import type { HttpPreset } from './types.js';

/** Datadog's documented per-request limits (Logs intake v2). */
const MAX_PAYLOAD_BYTES = 5_000_000;
const MAX_ENTRY_BYTES = 1_000_000;
const MAX_ENTRIES = 1000;

/**
 * Datadog Logs intake v2 (POST /api/v2/logs): a JSON array of entries, each with the reserved
 * attributes ddsource, ddtags, hostname, service and the record as `message`, a JSON string (a
 * CONVERSATION_MESSAGE record has a `message` object of its own: spliced in, it would collide). DD-API-KEY authenticates. Limits per request: 5 MB
 * uncompressed, 1 MB per entry (a larger one is truncated and still answered 2xx, so the sink
 * dead-letters it instead), 1000 entries.
 */
export const datadogPreset: HttpPreset = {
  name: 'datadog',
  title: 'Datadog Logs intake',
  docs: ['https://docs.datadoghq.com/api/latest/logs/#send-logs'],
  body: 'json-array',
  contentType: 'application/json',
  gzipByDefault: true,
  urlIsSecret: false,
  limits: {
    // Under the 5 MB ceiling: entry sizes below a tenth of the entry limit are estimated.
    batchBytes: 4_000_000,
    batchCount: MAX_ENTRIES,
    maxBatchBytes: MAX_PAYLOAD_BYTES,
    maxBatchCount: MAX_ENTRIES,
    maxRecordBytes: MAX_ENTRY_BYTES,
  },
  reservedHeaders: ['dd-api-key'],
  classify: classifyStatus,
  describe: (status) =>
    describeStatus(status, {
      400: 'bad request, likely an issue in the payload formatting',
      401: 'unauthorized, likely a missing API key',
      403: 'permission issue, likely an invalid API key',
      413: 'payload too large: batch above 5 MB uncompressed',
    }),
  prepare(settings) {
    const dd = settings.datadog;
    const tags = new Template(dd.tags);
    const prefixes = new Map<string, string>();
    const prefix = (record: PipelineRecord): string => {
      const k = `${record.source.eventType}\u0000${record.source.principalId}\u0000${record.source.source}`;
      let p = prefixes.get(k);
      if (p === undefined) {
        const head = {
          ddsource: dd.source,
          ddtags: tags.render(record),
          hostname: dd.hostname ?? settings.hostname,
          service: dd.service,
        };
        p = `${JSON.stringify(head).slice(0, -1)},"message":`;
        prefixes.set(k, p);
      }
      return p;
    };
    const entry = (record: PipelineRecord) => `${prefix(record)}${JSON.stringify(record.line)}}`;
    return {
      entry,
      entryBytes(record) {
        const raw = recordBytes(record);
        // Exact near the entry limit; otherwise an estimate (quotes in the line escape to two bytes).
        if (raw > MAX_ENTRY_BYTES / 10) return Buffer.byteLength(entry(record), 'utf8');
        return Buffer.byteLength(prefix(record)) + Math.ceil(raw * 1.15) + 3;
      },
      groupKey: () => undefined,
      headers: (): Record<string, string> =>
        settings.secrets.apiKey ? { 'dd-api-key': settings.secrets.apiKey.reveal() } : {},
    };
  },
};
