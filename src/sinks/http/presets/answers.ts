import type { AnswerClass } from './types.js';

/**
 * The answer classes every preset shares: what the vendors document (Datadog and Sumo Logic
 * list 408, 429 and 5xx as "retry later"; 413 as too large) and what a plain webhook means by
 * the same codes. 501 (Not Implemented) never gets better by retrying.
 */
export function classifyStatus(status: number): AnswerClass {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 413) return 'too-large';
  if (status === 408 || status === 429 || (status >= 500 && status !== 501)) return 'retry';
  if (status === 400 || status === 422) return 'rejected';
  return 'fatal';
}

/** A generic description of a status, for presets without their own wording. */
export function describeStatus(status: number, own: Readonly<Record<number, string>> = {}): string {
  const text =
    own[status] ??
    {
      400: 'bad request: the receiver refused the content',
      401: 'unauthorized: credentials missing or invalid',
      403: 'forbidden: credentials invalid or lacking permission',
      404: 'not found: check the URL',
      408: 'request timeout',
      413: 'payload too large',
      422: 'unprocessable content',
      429: 'too many requests (throttled)',
      500: 'internal server error',
      502: 'bad gateway',
      503: 'service unavailable',
      504: 'gateway timeout',
    }[status] ??
    'unexpected answer';
  return `HTTP ${status} (${text})`;
}
