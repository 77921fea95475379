import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { CfError, classifyStatus } from '../core/errors/index.js';
import { redactSecrets } from '../core/secret.js';
import { parseRetryAfterMs } from '../lib/retry.js';

/** Error bodies are read up to this size only; the rest is discarded. */
const ERROR_BODY_MAX_BYTES = 16 * 1024;
/** The longest server message quoted in an error. */
const QUOTED_MESSAGE_MAX_CHARS = 300;

/**
 * Reads a whole body as UTF-8, refusing more than `maxBytes` (CF_ERR_BAD_RESPONSE, retriable:
 * a JSON answer that large is not the documented shape). The body is always consumed or destroyed.
 */
export async function readBodyText(body: Readable, maxBytes: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new CfError('CF_ERR_BAD_RESPONSE', `${what} answered more than ${maxBytes} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The server's own words from an error body, or undefined. Error bodies are undocumented, so it
 * probes `error.message`, then `detail` (a string, or FastAPI's list of `{msg}`), then `message`,
 * then falls back to short plain text. Known secrets are redacted and the text is shortened.
 * The body is always consumed or destroyed, and reading it never throws.
 */
export async function readErrorMessage(body: Readable): Promise<string | undefined> {
  let text = '';
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_MAX_BYTES) break; // leaving the loop destroys the body
    }
    text = Buffer.concat(chunks).subarray(0, ERROR_BODY_MAX_BYTES).toString('utf8');
  } catch {
    body.destroy();
    return undefined;
  }
  const message = probeErrorMessage(text);
  if (message === undefined) return undefined;
  const clean = redactSecrets(message).replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return clean.length > QUOTED_MESSAGE_MAX_CHARS ? `${clean.slice(0, QUOTED_MESSAGE_MAX_CHARS)}…` : clean;
}

/** See readErrorMessage: the probing order for an undocumented error body. */
export function probeErrorMessage(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Plain text is quoted only when it looks like a sentence, not an HTML error page.
    const trimmed = text.trim();
    return trimmed !== '' && !trimmed.startsWith('<') ? trimmed : undefined;
  }
  if (typeof json !== 'object' || json === null) return typeof json === 'string' ? json : undefined;
  const obj = json as Record<string, unknown>;
  const error = obj.error;
  if (typeof error === 'object' && error !== null) {
    const m = (error as Record<string, unknown>).message;
    if (typeof m === 'string' && m !== '') return m;
  }
  const detail = detailText(obj.detail);
  if (detail !== undefined) return detail;
  if (typeof obj.message === 'string' && obj.message !== '') return obj.message;
  if (typeof error === 'string' && error !== '') return error;
  return undefined;
}

function detailText(detail: unknown): string | undefined {
  if (typeof detail === 'string' && detail !== '') return detail;
  if (Array.isArray(detail)) {
    const parts = detail
      .map((d) => (typeof d === 'string' ? d : (d as { msg?: unknown } | null)?.msg))
      .filter((m): m is string => typeof m === 'string' && m !== '');
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
  if (typeof detail === 'object' && detail !== null) {
    const m = (detail as Record<string, unknown>).message;
    if (typeof m === 'string' && m !== '') return m;
  }
  return undefined;
}

/**
 * A CfError for an unsuccessful HTTP status: the code and retriability from classifyStatus, the
 * server's message when it gave one, and Retry-After as `retryAfterMs`. `what` names the call
 * ("List for AUTH_LOG"); it must not contain secrets or signed URLs. Consumes the body.
 */
export async function httpStatusError(
  what: string,
  response: { statusCode: number; headers: IncomingHttpHeaders; body: Readable },
): Promise<CfError> {
  const { statusCode, headers } = response;
  const { code, retriable } = classifyStatus(statusCode);
  const said = await readErrorMessage(response.body);
  const retryAfterMs = parseRetryAfterMs(headers['retry-after']);
  return new CfError(code, `${what} answered HTTP ${statusCode}${said ? `: ${said}` : '.'}`, {
    retriable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    details: { status: statusCode, ...(said ? { serverMessage: said } : {}) },
  });
}

/** Prometheus-friendly status class: '2xx' … '5xx'. */
export function statusClass(statusCode: number): string {
  return `${Math.floor(statusCode / 100)}xx`;
}
