/**
 * The HTTP batch-delivery core: what every HTTP sink (splunk-hec, elasticsearch, http presets)
 * shares. A sink is its wire format and its receiver's answers; the core does the rest:
 * batching by records and bytes (BatchingSink), gzip, bounded in-flight requests (p-limit),
 * retry with capped backoff and full jitter honouring Retry-After, 413 splitting, isolation of
 * the one bad record (by the receiver's per-item answer, or its index, or bisection), the
 * poison-batch rule (../poison-batch.ts), TLS trust and forward proxy (HttpEndpoint), and
 * acknowledgement to the pipeline only once the receiver accepted (or the record is
 * dead-lettered). Secrets: the core never sees one; the wire builds its auth header per request.
 *
 * How a new HTTP sink plugs in (src/sinks/<kind>/):
 *
 *   1. config.ts: a zod schema with the delivery settings (`HttpDeliverySettings` names:
 *      batchMaxBytes, batchMaxCount, lingerMs, maxInFlightRequests, gzip, gzipLevel,
 *      retryMaxAttempts, retryInitialDelayMs, retryMaxDelayMs) plus url, auth (secretRefSchema),
 *      tls { ca, rejectUnauthorized } and its own wire settings.
 *   2. A wire, `HttpWire<Answer>`:
 *        destination        'Elasticsearch' / 'the Splunk HEC' (messages, dead letters)
 *        sizeOf(record)     upper bound of the record's bytes in a body (before gzip)
 *        encode(records, ingestTimeMs) -> string | Buffer   the body of one request
 *        post(body, gzipped, signal) -> Answer   usually `endpoint.call({ method: 'POST', path,
 *                           headers: { authorization: <revealed now>, 'content-encoding': gzip },
 *                           body, signal })` on an `HttpEndpoint` (rejects only without answer)
 *        judge(answer, records) -> DeliveryVerdict   the receiver's answers (verdict.ts):
 *                           accepted | items (one ItemVerdict per record: accepted / retry /
 *                           rejected) | too-large (413) | rejected (index?) | retry (error with
 *                           retryAfterMs) | fatal (e.g. CF_ERR_SINK_AUTH, message without secret)
 *        answers?(signal)   a small request to the same receiver (poison-batch evidence)
 *        close()            endpoint.close()
 *   3. The sink: `new HttpDeliverySink(name, settings, ctx, wire)`, or a subclass overriding
 *      start() (health/auth check with `this.retry(what, attempt)`), as SplunkHecSink does.
 *   4. index.ts: a create function resolving secrets (resolveSecret) and tls.ca (readCaFile)
 *      first, then one line in src/sinks/index.ts and src/sinks/schema.ts.
 *
 * Judge helpers: `retryableStatus(status)` (408, 429, 5xx but 501) and `answerExcerpt` for
 * messages; HEC's verdict.ts and Elasticsearch's bulk answer are worked examples.
 */

export { type HttpDeliveryFieldOptions, httpDeliveryFields } from './config.js';
export {
  type HttpDeliverySettings,
  HttpDeliverySink,
  type HttpWire,
} from './delivery-sink.js';
export {
  type HttpAnswer,
  type HttpCall,
  HttpEndpoint,
  type HttpEndpointOptions,
  REPLY_MAX_BYTES,
  transportError,
} from './endpoint.js';
export { answerExcerpt, retryableStatus } from './judge.js';
export { type RetryHooks, withRetries } from './retry.js';
export type { DeliveryVerdict, ItemVerdict, Rejection } from './verdict.js';
