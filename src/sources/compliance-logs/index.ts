/**
 * The Compliance Logs Platform source: list pages → file descriptors → verified byte streams.
 *
 *   listFiles(client, {eventType, after, seenAtAfter})      lazy, one List page at a time
 *        │  FileDescriptor {id, end_time, file_size, file_sha256, …}   once each, ascending end_time
 *        ▼
 *   client.openFile(file)   Download → 307 → signed URL (no token) → bytes, size + sha256 verified,
 *                           failed transfers resumed with a fresh Download
 *
 * Concurrency (how many files at once) and checkpointing belong to the caller.
 */

export { type PrincipalRoute, routePrincipal } from '../../core/principal.js';
export {
  type ComplianceClientOptions,
  ComplianceLogsClient,
  DEFAULT_DOWNLOADS_PER_MINUTE,
  DEFAULT_LIST_PER_MINUTE,
  type ListQuery,
  type OpenFileOptions,
} from './client.js';
export {
  type ComplianceLogsInstance,
  type ComplianceLogsSourceConfig,
  type ComplianceLogsSourceConfigInput,
  complianceLogsSourceConfigSchema,
  EVENT_TYPE_PATTERN,
  eventTypeSchema,
  type PrincipalConfig,
  principalConfigSchema,
  principalIdSchema,
  unknownEventTypes,
} from './config.js';
export {
  type ComplianceClientDeps,
  complianceLogsSource,
  createComplianceClient,
  createComplianceStream,
  type PlannedComplianceStream,
} from './factory.js';
export { type FileDescriptor, type ListPage, parseListPage } from './list-page.js';
export { listFiles, type PagerOptions } from './pager.js';
export {
  type ComplianceStreamOptions,
  complianceLogsStream,
  complianceStreamKey,
  principalTypeOf,
} from './stream-source.js';
