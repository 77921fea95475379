/** Shared set-up of the http sink integration tests (not a test file itself). */
import { strict as assert } from 'node:assert';
import { after } from 'node:test';
import type { PipelineRecord } from '../../src/core/record.js';
import { createHttpSink, type HttpSinkConfig, httpSinkConfigSchema } from '../../src/sinks/http/index.js';
import { CountingDelivery, makeRecord, sourceRef } from '../helpers/records.js';
import { type HttpReceiver, type ReceivedEvent, startHttpReceiver } from '../infra/http-receivers.js';
import { countByEventId, deliver, type SinkHarness, sinkHarness } from './splunk-hec-sink-helpers.js';

export { counterTotal } from '../helpers/metrics.js';
export { countByEventId, deliver, memoryLogger } from './splunk-hec-sink-helpers.js';

export type HttpHarness = SinkHarness;

/** Config input for `rx` with its credentials and fast retries; `overrides` are raw config input. */
export function httpConfig(rx: HttpReceiver, overrides: Record<string, unknown> = {}): HttpSinkConfig {
  const credentials: Record<string, unknown> =
    rx.kind === 'datadog'
      ? { apiKey: { value: rx.token } }
      : rx.kind === 'secops'
        ? { apiKey: { value: rx.token }, webhookSecret: { value: 'feed-secret-123' } }
        : {};
  return httpSinkConfigSchema.parse({
    type: 'http',
    preset: rx.kind,
    ...(rx.kind === 'sumo' ? { urlSecret: { value: rx.url } } : { url: rx.url }),
    ...credentials,
    lingerMs: 10,
    retryInitialDelayMs: 5,
    retryMaxDelayMs: 20,
    ...overrides,
  });
}

/** A sink against `rx` (see httpConfig). */
export function httpSink(rx: HttpReceiver, overrides: Record<string, unknown> = {}): HttpHarness {
  const config = httpConfig(rx, overrides);
  return sinkHarness((ctx) => createHttpSink(config, ctx));
}

export const CHAT = sourceRef({
  eventType: 'CONVERSATION_MESSAGE',
  stream: 'workspace/w/CONVERSATION_MESSAGE',
  fileId: 'file-chat',
});

/** `n` records, every third a CONVERSATION_MESSAGE (the rest AUDIT_LOG), with one delivery handle. */
export function mixedRecords(
  n: number,
  delivery = new CountingDelivery(),
  fields: Record<string, unknown> = {},
): { records: PipelineRecord[]; delivery: CountingDelivery } {
  const records = Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? makeRecord(i, delivery, { content: `message ${i}`, ...fields }, CHAT)
      : makeRecord(i, delivery, fields),
  );
  return { records, delivery };
}

/** True when every one of `ids` arrived exactly once and nothing else did. */
export function eachOnce(events: readonly ReceivedEvent[], ids: readonly string[]): boolean {
  const counts = countByEventId(events);
  return counts.size === ids.length && ids.every((id) => counts.get(id) === 1);
}

/**
 * A receiver starter for one test file: each receiver it starts is stopped in an after hook it
 * registers once.
 */
export function receiverStarter(): (...args: Parameters<typeof startHttpReceiver>) => Promise<HttpReceiver> {
  const receivers: HttpReceiver[] = [];
  after(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
  });
  return async (...args) => {
    const rx = await startHttpReceiver(...args);
    receivers.push(rx);
    return rx;
  };
}

/**
 * Delivers `count` mixed records through `h` and asserts that `rx` got each exactly once and that
 * all `count` were acknowledged; returns them and what the receiver got.
 */
export async function deliverEachOnce(h: HttpHarness, rx: HttpReceiver, count: number) {
  const { records, delivery } = mixedRecords(count);
  await deliver(h.sink, records);
  const events = await rx.events();
  assert.ok(
    eachOnce(
      events,
      records.map((r) => r.eventId!),
    ),
  );
  assert.equal(delivery.acked, count);
  return { records, delivery, events };
}
