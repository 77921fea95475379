import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseHecReply } from '../../../../src/sinks/splunk-hec/reply.js';
import {
  ackPollVerdict,
  eventVerdict,
  healthVerdict,
  tokenProbeVerdict,
} from '../../../../src/sinks/splunk-hec/verdict.js';

function reply(status: number, body: unknown = '', retryAfterMs?: number) {
  return parseHecReply(status, typeof body === 'string' ? body : JSON.stringify(body), retryAfterMs);
}

/** status, body -> what the sink does with an event request's answer. */
const EVENT_TABLE: Array<[number, unknown, string]> = [
  [200, { text: 'Success', code: 0 }, 'accepted'],
  [200, 'not json at all', 'accepted'],
  [413, '', 'too-large'],
  [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 3 }, 'invalid-event'],
  [400, { text: 'Event field is required', code: 12, 'invalid-event-number': 0 }, 'invalid-event'],
  [400, { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': 1 }, 'invalid-event'],
  [400, { text: 'Invalid data format', code: 6 }, 'invalid-event'],
  [401, { text: 'Token is required', code: 2 }, 'fatal:CF_ERR_SINK_AUTH'],
  [401, { text: 'Invalid authorization', code: 3 }, 'fatal:CF_ERR_SINK_AUTH'],
  [403, { text: 'Token disabled', code: 1 }, 'fatal:CF_ERR_SINK_AUTH'],
  [403, { text: 'Invalid token', code: 4 }, 'fatal:CF_ERR_SINK_AUTH'],
  [400, { text: 'Incorrect index', code: 7, 'invalid-event-number': 1 }, 'fatal:CF_ERR_SINK_FATAL'],
  [400, { text: 'ACK is disabled', code: 14 }, 'fatal:CF_ERR_CONFIG'],
  [400, { text: 'Data channel is missing', code: 10 }, 'fatal:CF_ERR_SINK_FATAL'],
  [400, { text: 'No data', code: 5 }, 'fatal:CF_ERR_SINK_FATAL'],
  [404, '', 'fatal:CF_ERR_SINK_FATAL'],
  [408, '', 'retry:CF_ERR_SINK_RETRIABLE'],
  [429, '', 'retry:CF_ERR_SINK_RETRIABLE'],
  [500, { text: 'Internal server error', code: 8 }, 'retry:CF_ERR_SINK_RETRIABLE'],
  [501, '', 'fatal:CF_ERR_SINK_FATAL'],
  [502, '<html>bad gateway</html>', 'retry:CF_ERR_SINK_RETRIABLE'],
  [503, { text: 'Server is busy', code: 9 }, 'retry:CF_ERR_SINK_RETRIABLE'],
  [503, { text: 'HEC is unhealthy, queues are full', code: 18 }, 'retry:CF_ERR_SINK_RETRIABLE'],
];

for (const [status, body, expected] of EVENT_TABLE) {
  test(`event reply ${status} ${JSON.stringify(body)} -> ${expected}`, () => {
    const v = eventVerdict(reply(status, body), false);
    const got = v.kind === 'retry' || v.kind === 'fatal' ? `${v.kind}:${v.error.code}` : v.kind;
    assert.equal(got, expected);
  });
}

test('a rejected event is named by its invalid-event-number', () => {
  const v = eventVerdict(
    reply(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 3 }),
    false,
  );
  assert.deepEqual(v, { kind: 'invalid-event', index: 3 });
});

test('with acknowledgement on, 200 carries the ackId, and a 200 without one is a config error', () => {
  assert.deepEqual(eventVerdict(reply(200, { text: 'Success', code: 0, ackId: 42 }), true), {
    kind: 'accepted',
    ackId: 42,
  });
  const v = eventVerdict(reply(200, { text: 'Success', code: 0 }), true);
  assert.equal(v.kind, 'fatal');
  assert.match(v.kind === 'fatal' ? v.error.message : '', /indexer acknowledgement is disabled/);
});

test('Retry-After travels with a retriable verdict', () => {
  const v = eventVerdict(reply(503, { text: 'Server is busy', code: 9 }, 2000), false);
  assert.equal(v.kind === 'retry' ? v.error.retryAfterMs : undefined, 2000);
});

test('a refused token says the token is wrong or disabled, and names where it comes from', () => {
  const v = eventVerdict(reply(403, { text: 'Invalid token', code: 4 }), false);
  assert.equal(v.kind, 'fatal');
  const message = v.kind === 'fatal' ? v.error.message : '';
  assert.match(message, /token is wrong or disabled/);
  assert.match(message, /HEC_TOKEN/);
  const disabled = eventVerdict(reply(403, { text: 'Token disabled', code: 1 }), false);
  assert.match(disabled.kind === 'fatal' ? disabled.error.message : '', /token is disabled/);
});

test('ack poll answers: acks, transient failures, refused token', () => {
  assert.deepEqual(ackPollVerdict(reply(200, { acks: { 0: true, 1: false } })), {
    kind: 'acks',
    acks: { 0: true, 1: false },
  });
  assert.equal(ackPollVerdict(reply(200, { text: 'Success' })).kind, 'retry');
  assert.equal(ackPollVerdict(reply(503, { code: 9 })).kind, 'retry');
  const refused = ackPollVerdict(reply(403, { code: 4, text: 'Invalid token' }));
  assert.equal(refused.kind === 'fatal' ? refused.error.code : refused.kind, 'CF_ERR_SINK_AUTH');
  const disabled = ackPollVerdict(reply(400, { code: 14, text: 'ACK is disabled' }));
  assert.equal(disabled.kind === 'fatal' ? disabled.error.code : disabled.kind, 'CF_ERR_CONFIG');
});

test('start-up checks: healthy, busy, not a HEC; token accepted or refused', () => {
  assert.equal(healthVerdict(reply(200, { text: 'HEC is healthy', code: 17 })).kind, 'ok');
  assert.equal(
    healthVerdict(reply(503, { text: 'HEC is unhealthy, queues are full', code: 18 })).kind,
    'retry',
  );
  const notHec = healthVerdict(reply(404, ''));
  assert.match(notHec.kind === 'fatal' ? notHec.error.message : '', /is the URL the HEC/);
  assert.equal(tokenProbeVerdict(reply(400, { text: 'No data', code: 5 })).kind, 'ok');
  assert.equal(tokenProbeVerdict(reply(200, { acks: {} })).kind, 'ok');
  const refused = tokenProbeVerdict(reply(401, { text: 'Invalid authorization', code: 3 }));
  assert.equal(refused.kind === 'fatal' ? refused.error.code : refused.kind, 'CF_ERR_SINK_AUTH');
});

test('replies that are not JSON keep a short text and no codes', () => {
  const r = reply(502, `<html>${'x'.repeat(5000)}</html>`);
  assert.equal(r.code, undefined);
  assert.ok(r.text !== undefined && r.text.length <= 300);
});
