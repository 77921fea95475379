import { recordBytes } from '../../../core/record.js';
import { Template } from '../template.js';
import { classifyStatus, describeStatus } from './answers.js';
import type { HttpPreset } from './types.js';

/**
 * Sumo Logic HTTP Logs and Metrics Source. The Source URL holds its token, so the URL is a
 * secret. Logs are newline-separated (one record per line), gzip is recommended, the metadata
 * headers X-Sumo-Category / X-Sumo-Name / X-Sumo-Host apply to a whole request (so a request
 * carries records of one event type), and a request is at most 1 MB uncompressed (Sumo
 * recommends 100 KB to 1 MB).
 */
export const sumoPreset: HttpPreset = {
  name: 'sumo',
  title: 'the Sumo Logic HTTP Source',
  docs: [
    'https://help.sumologic.com/docs/send-data/hosted-collectors/http-source/logs-metrics/',
    'https://help.sumologic.com/docs/send-data/hosted-collectors/http-source/logs-metrics/upload-logs/',
    'https://help.sumologic.com/docs/send-data/hosted-collectors/http-source/troubleshooting/',
  ],
  body: 'ndjson',
  contentType: 'text/plain; charset=utf-8',
  gzipByDefault: true,
  urlIsSecret: true,
  limits: {
    batchBytes: 1_000_000,
    batchCount: 2000,
    maxBatchBytes: 1_000_000,
    maxRecordBytes: 999_999,
  },
  reservedHeaders: ['x-sumo-category', 'x-sumo-name', 'x-sumo-host'],
  classify: classifyStatus,
  describe: (status) =>
    describeStatus(status, {
      401: 'the Source URL token is missing or invalid',
      408: 'accepted but timed out processing',
      429: 'throttled: the account is over its ingest quota',
      503: 'rejected due to server issues',
      504: 'rejected due to server issues',
    }),
  prepare(settings) {
    const category = new Template(settings.sumo.category);
    const name = new Template(settings.sumo.name);
    const host = settings.sumo.host === undefined ? undefined : new Template(settings.sumo.host);
    const cache = new Map<string, Record<string, string>>();
    const key = (r: Parameters<Template['render']>[0]) =>
      `${r.source.eventType}\u0000${r.source.principalId}\u0000${r.source.source}`;
    return {
      rawLines: true,
      entry: (record) => record.line,
      entryBytes: recordBytes,
      groupKey: key,
      headers(record) {
        if (record === undefined) return {};
        const k = key(record);
        let h = cache.get(k);
        if (h === undefined) {
          h = {
            'x-sumo-category': category.render(record),
            'x-sumo-name': name.render(record),
            ...(host === undefined ? {} : { 'x-sumo-host': host.render(record) }),
          };
          cache.set(k, h);
        }
        return h;
      },
    };
  },
};
