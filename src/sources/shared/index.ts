/**
 * Pieces the sources share: finding the items of a (huge) JSON array in a byte stream, reading a
 * few top-level members of an object without parsing it, and the window of recently delivered
 * record keys that an overlap re-read skips on resume.
 */

export { type ApiClientOptions, BearerApi, type BearerApiOptions, bearerApiOptions } from './bearer-api.js';
export {
  type EventTimeConfig,
  eventTimeConfigSchema,
  eventTimeOf,
  withEventTime,
} from './event-time.js';
export {
  type ApiClientDeps,
  apiClientOptions,
  backoffPolicyOf,
  sourceCa,
  type UpstreamHttpSettings,
  upstreamHttpShape,
} from './http-settings.js';
export { type ItemHandler, JsonItemScanner, type JsonItemScannerOptions } from './json-items.js';
export { RecentKeys } from './recent-keys.js';
export { readTopLevelFields } from './top-level-fields.js';
