import type { CfError, ErrorCode } from '../../core/errors/index.js';

/**
 * Errors that end a stream's poll but may heal by themselves: the upstream is down, slow,
 * rate limiting, or served a bad transfer, and the HTTP layer's retries ran out. The stream backs
 * off and polls again; the others go on.
 */
const STREAM_HEALABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CF_ERR_RETRIES_EXHAUSTED',
  'CF_ERR_HTTP_SERVER',
  'CF_ERR_HTTP_RATE_LIMITED',
  'CF_ERR_SOCKET',
  'CF_ERR_TIMEOUT',
  'CF_ERR_BAD_RESPONSE',
  'CF_ERR_INTEGRITY',
  'CF_ERR_REDIRECT',
]);

/**
 * What a failed poll means for the service:
 *   - 'back-off': retry this stream later, keep the others running (shows in /readyz and
 *     compliance_forwarder_stream_failing once it lasts);
 *   - 'fatal': it will not heal by waiting (bad or revoked key, bad config, a missing secret, a
 *     sink rejecting its credentials or failing for good, state not writable, an expired file
 *     that is not to be skipped, a bug): stop the process with the error and a non-zero exit, so
 *     Kubernetes shows it.
 * Sink errors are always fatal here: a sink that failed is destroyed, and its records can never
 * be acknowledged.
 */
export function failureVerdict(error: CfError): 'back-off' | 'fatal' {
  return STREAM_HEALABLE.has(error.code) ? 'back-off' : 'fatal';
}
