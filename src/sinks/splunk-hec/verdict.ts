import { CfError } from '../../core/errors/index.js';
import { describeReply, type HecReply, replyDetails } from './reply.js';

/**
 * What the sink does with a reply to POST /services/collector/event. The whole HEC retry policy
 * is this table (test/unit/sinks/splunk-hec/verdict.test.ts):
 *
 *   2xx                          accepted (with its ackId when acknowledgement is on)
 *   413                          too-large: split the request, or dead-letter a lone event
 *   400 code 6, 12, 13           invalid-event: resend the events before it, dead-letter it,
 *                                continue after it (no usable index: bisect)
 *   401, 403, codes 1-4          fatal CF_ERR_SINK_AUTH: the token is wrong or disabled
 *   400 code 7                   fatal: an index the token may not write to (a config error,
 *                                so it stops instead of dead-lettering a whole event type)
 *   400 code 14, 2xx w/o ackId   fatal CF_ERR_CONFIG: useAck on, acknowledgement off in Splunk
 *   408, 429, 5xx but 501        retry with capped backoff, honouring Retry-After
 *   anything else                fatal CF_ERR_SINK_FATAL with the reply
 */
export type EventVerdict =
  | { readonly kind: 'accepted'; readonly ackId: number | undefined }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'invalid-event'; readonly index: number | undefined }
  | { readonly kind: 'retry'; readonly error: CfError }
  | { readonly kind: 'fatal'; readonly error: CfError };

/** HEC codes for one bad event in a request; the reply names it with invalid-event-number. */
const EVENT_REJECTION_CODES = new Set([6, 12, 13]);
/** HEC codes meaning the token is missing, malformed, invalid or disabled. */
const AUTH_CODES = new Set([1, 2, 3, 4]);

export function eventVerdict(reply: HecReply, expectAck: boolean): EventVerdict {
  const { status, code } = reply;
  if (status >= 200 && status < 300) {
    if (expectAck && reply.ackId === undefined) return { kind: 'fatal', error: ackDisabledError(reply) };
    return { kind: 'accepted', ackId: expectAck ? reply.ackId : undefined };
  }
  if (status === 413) return { kind: 'too-large' };
  const common = commonVerdict(reply);
  if (common !== undefined) return common;
  if (status === 400 && code !== undefined && EVENT_REJECTION_CODES.has(code)) {
    return { kind: 'invalid-event', index: reply.invalidEventNumber };
  }
  if (status === 400 && code === 7) {
    return {
      kind: 'fatal',
      error: new CfError(
        'CF_ERR_SINK_FATAL',
        `Splunk HEC rejected an index (${describeReply(reply)}): the index does not exist or the token may not write to it; check index and indexByEventType.`,
        { details: replyDetails(reply) },
      ),
    };
  }
  return { kind: 'fatal', error: unexpectedReplyError(reply) };
}

/** Verdict on a reply of the ack endpoint: the acks, or retry/fatal like any request. */
export type AckPollVerdict =
  | { readonly kind: 'acks'; readonly acks: Readonly<Record<string, boolean>> }
  | { readonly kind: 'retry'; readonly error: CfError }
  | { readonly kind: 'fatal'; readonly error: CfError };

export function ackPollVerdict(reply: HecReply): AckPollVerdict {
  if (reply.status >= 200 && reply.status < 300) {
    if (reply.acks !== undefined) return { kind: 'acks', acks: reply.acks };
    return {
      kind: 'retry',
      error: new CfError(
        'CF_ERR_BAD_RESPONSE',
        `Splunk HEC ack poll answered without acks (${describeReply(reply)}).`,
      ),
    };
  }
  return commonVerdict(reply) ?? { kind: 'fatal', error: unexpectedReplyError(reply) };
}

/**
 * Verdict on the start-up token probe (an empty event request, or an empty ack poll with
 * useAck): "No data" (code 5) or an ack answer means the token was accepted.
 */
export function tokenProbeVerdict(
  reply: HecReply,
): { readonly kind: 'ok' } | { readonly kind: 'retry' | 'fatal'; readonly error: CfError } {
  if ((reply.status >= 200 && reply.status < 300) || (reply.status === 400 && reply.code === 5)) {
    return { kind: 'ok' };
  }
  return commonVerdict(reply) ?? { kind: 'fatal', error: unexpectedReplyError(reply) };
}

/** Auth, ack-disabled, channel and transient answers, shared by every endpoint. */
function commonVerdict(
  reply: HecReply,
): { readonly kind: 'retry' | 'fatal'; readonly error: CfError } | undefined {
  const { status, code } = reply;
  if (status === 401 || status === 403 || (code !== undefined && AUTH_CODES.has(code))) {
    return { kind: 'fatal', error: authError(reply) };
  }
  if (status === 400 && code === 14) return { kind: 'fatal', error: ackDisabledError(reply) };
  if (status === 400 && (code === 10 || code === 11)) {
    return {
      kind: 'fatal',
      error: new CfError(
        'CF_ERR_SINK_FATAL',
        `Splunk HEC rejected the request channel (${describeReply(reply)}).`,
        {
          details: replyDetails(reply),
        },
      ),
    };
  }
  if (status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501)) {
    return {
      kind: 'retry',
      error: new CfError(
        'CF_ERR_SINK_RETRIABLE',
        `Splunk HEC is unavailable or busy (${describeReply(reply)}).`,
        {
          ...(reply.retryAfterMs === undefined ? {} : { retryAfterMs: reply.retryAfterMs }),
          details: replyDetails(reply),
        },
      ),
    };
  }
  return undefined;
}

/** The token was refused; the message says so without the token. */
export function authError(reply: HecReply): CfError {
  const why =
    reply.code === 1
      ? 'the token is disabled'
      : reply.code === 2
        ? 'no token was sent'
        : reply.code === 3
          ? 'the Authorization header was refused'
          : 'the token is wrong or disabled';
  return new CfError(
    'CF_ERR_SINK_AUTH',
    `Splunk HEC refused the token (${describeReply(reply)}): ${why}. Check the HEC token (token in the config, HEC_TOKEN or HEC_TOKEN_FILE) and that it is enabled in Splunk.`,
    { details: replyDetails(reply) },
  );
}

function ackDisabledError(reply: HecReply): CfError {
  return new CfError(
    'CF_ERR_CONFIG',
    `useAck is on but indexer acknowledgement is disabled for this HEC token (${describeReply(reply)}): enable it on the token in Splunk, or set useAck: false.`,
    { details: replyDetails(reply) },
  );
}

function unexpectedReplyError(reply: HecReply): CfError {
  const hint =
    reply.status === 404 ? ': is the URL the HEC (usually https://<host>:8088) and HEC enabled?' : '.';
  return new CfError('CF_ERR_SINK_FATAL', `Splunk HEC answered ${describeReply(reply)}${hint}`, {
    details: replyDetails(reply),
  });
}

/** Verdict on GET /services/collector/health: healthy, busy (retry), or not a HEC (fatal). */
export function healthVerdict(
  reply: HecReply,
): { readonly kind: 'ok' } | { readonly kind: 'retry' | 'fatal'; readonly error: CfError } {
  if (reply.status >= 200 && reply.status < 300) return { kind: 'ok' };
  if (reply.status === 429 || (reply.status >= 500 && reply.status <= 599 && reply.status !== 501)) {
    return {
      kind: 'retry',
      error: new CfError(
        'CF_ERR_SINK_CONNECT',
        `Splunk HEC reports it is unhealthy (${describeReply(reply)}).`,
        {
          ...(reply.retryAfterMs === undefined ? {} : { retryAfterMs: reply.retryAfterMs }),
          details: replyDetails(reply),
        },
      ),
    };
  }
  return { kind: 'fatal', error: unexpectedReplyError(reply) };
}
