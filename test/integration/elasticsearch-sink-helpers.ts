/** Shared set-up of the elasticsearch sink integration tests (not a test file itself). */
import type { PipelineRecord } from '../../src/core/record.js';
import type { HttpEgress } from '../../src/http/index.js';
import {
  createElasticsearchSink,
  type ElasticsearchSinkConfig,
  elasticsearchSinkConfigSchema,
} from '../../src/sinks/elasticsearch/index.js';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import type { EsIndexedDoc, EsReceiver } from '../infra/es-receiver.js';
import { type SinkHarness, sinkHarness } from './splunk-hec-sink-helpers.js';

export { counterTotal, deliver, memoryLogger } from './splunk-hec-sink-helpers.js';

export type EsHarness = SinkHarness;

/** The receiver's credentials as sink config (an inline `{ value }` secret, for tests). */
export function credentials(receiver: EsReceiver): Record<string, unknown> {
  if (receiver.apiKey !== undefined) return { apiKey: { value: receiver.apiKey } };
  if (receiver.basic !== undefined) {
    return { username: { value: receiver.basic.username }, password: { value: receiver.basic.password } };
  }
  return {};
}

/** A sink against `receiver`, with fast retries and flushes; `overrides` are raw config input. */
export function esSink(
  receiver: EsReceiver,
  overrides: Record<string, unknown> = {},
  egress?: HttpEgress,
): EsHarness {
  const config: ElasticsearchSinkConfig = elasticsearchSinkConfigSchema.parse({
    type: 'elasticsearch',
    url: receiver.url,
    ...credentials(receiver),
    lingerMs: 10,
    retryInitialDelayMs: 5,
    retryMaxDelayMs: 20,
    ...overrides,
  });
  return sinkHarness((ctx) => createElasticsearchSink(config, ctx), egress);
}

/** _id -> how many times the receiver indexed it (over every index). */
export function countById(docs: readonly EsIndexedDoc[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of docs) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
  return counts;
}

/** `count` small records (evt-000000...), all acknowledged into `delivery`. */
export function records(count: number, delivery = new CountingDelivery(), from = 0): PipelineRecord[] {
  return Array.from({ length: count }, (_, i) => makeRecord(from + i, delivery, { text: 'a'.repeat(100) }));
}
