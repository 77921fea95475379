/**
 * The shared upstream HTTP layer: an undici client that never follows redirects and keeps
 * credentials on one origin, the retry wrapper (capped exponential backoff with full jitter,
 * Retry-After honoured), a sliding-window rate limiter, and helpers for error bodies.
 */
export {
  type BackoffPolicy,
  backoffDelayMs,
  DEFAULT_BACKOFF,
  parseRetryAfterMs,
  sleep,
} from '../lib/retry.js';
export { type HttpConfig, httpConfigSchema, httpEgressOf } from './config.js';
export {
  DEFAULT_HTTP_TIMEOUTS,
  defaultEgress,
  HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  type HttpTimeouts,
  transportError,
} from './http-client.js';
export { limitedRequest } from './limited-request.js';
export {
  createProxyAgent,
  HttpEgress,
  NoProxy,
  type ProxyDispatcherOptions,
  type ProxyEndpoint,
  type ProxySettings,
  proxyEndpoint,
} from './proxy.js';
export {
  RateLimiter,
  RateLimiterRegistry,
  type RateLimitHold,
  type RateLimitSlot,
} from './rate-limiter.js';
export {
  httpStatusError,
  probeErrorMessage,
  readBodyText,
  readErrorMessage,
  statusClass,
} from './response.js';
export { type RetryEvent, type RetryOptions, sourceExhaustion, withRetry } from './retry.js';
export { readCaFile, tlsTrust } from './tls.js';
export { undici } from './undici.js';
