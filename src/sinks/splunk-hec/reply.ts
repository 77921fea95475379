/** What a HEC endpoint answered, reduced to the parts the sink decides on. Secret-free. */
export interface HecReply {
  readonly status: number;
  /** HEC status code from the JSON body (0 success, 6 invalid data format, 9 busy...). */
  readonly code: number | undefined;
  /** HEC's text, cut to a short length (it may be an HTML page from a proxy). */
  readonly text: string | undefined;
  readonly ackId: number | undefined;
  /** 0-based index of the first event HEC rejected in the request. */
  readonly invalidEventNumber: number | undefined;
  /** The ack endpoint's answer: ack id -> indexed. */
  readonly acks: Readonly<Record<string, boolean>> | undefined;
  readonly retryAfterMs: number | undefined;
}

const TEXT_MAX_CHARS = 300;

/** Parses a HEC reply body; tolerant of non-JSON bodies (proxies, load balancers). */
export function parseHecReply(status: number, body: string, retryAfterMs: number | undefined): HecReply {
  let parsed: Record<string, unknown> | undefined;
  try {
    const v: unknown = JSON.parse(body);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) parsed = v as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  const text = typeof parsed?.text === 'string' ? parsed.text : body.trim() === '' ? undefined : body.trim();
  const acks = parsed?.acks;
  return {
    status,
    code: integerOrUndefined(parsed?.code),
    text: text === undefined ? undefined : text.slice(0, TEXT_MAX_CHARS),
    ackId: integerOrUndefined(parsed?.ackId),
    invalidEventNumber: integerOrUndefined(parsed?.['invalid-event-number']),
    acks: typeof acks === 'object' && acks !== null && !Array.isArray(acks) ? readAcks(acks) : undefined,
    retryAfterMs,
  };
}

/** "HTTP 503, code 9 "Server is busy"": how a reply is described in messages and logs. */
export function describeReply(reply: HecReply): string {
  const parts = [`HTTP ${reply.status}`];
  if (reply.code !== undefined) parts.push(`code ${reply.code}`);
  if (reply.text !== undefined) parts.push(JSON.stringify(reply.text));
  return parts.join(', ');
}

/** The reply as secret-free structured details (dead-letter records, error details). */
export function replyDetails(reply: HecReply): Record<string, unknown> {
  const out: Record<string, unknown> = { status: reply.status };
  if (reply.code !== undefined) out.hecCode = reply.code;
  if (reply.text !== undefined) out.hecText = reply.text;
  if (reply.invalidEventNumber !== undefined) out.invalidEventNumber = reply.invalidEventNumber;
  return out;
}

function integerOrUndefined(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function readAcks(acks: object): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [id, indexed] of Object.entries(acks)) out[id] = indexed === true;
  return out;
}
