/**
 * The API Platform audit log source: `GET /v1/organization/audit_logs` with an Admin API key.
 *
 *   slices of the window, oldest first ─> pages newest first (cursor after=last_id, ≤100 each)
 *        ─> ReorderBuffer (memory, spill file past memoryMaxBytes) ─> events oldest first
 *        ─> overlap ids skipped ─> batches = the "files" the pipeline delivers and checkpoints
 *
 * Checkpoint: latest effective_at delivered + the ids delivered in the overlap before it; a
 * resumed run re-reads the overlap (default 2 minutes) for late events and skips those ids.
 * Records gain `event_id` = `id`. See docs/sources.md.
 */
export {
  type AuditLogFilters,
  type AuditLogQuery,
  AuditLogsClient,
  type AuditLogsClientOptions,
} from './client.js';
export {
  type AuditLogsSourceConfig,
  type AuditLogsSourceConfigInput,
  auditLogsSourceConfigSchema,
} from './config.js';
export {
  type AuditLogsClientDeps,
  type AuditLogsWindow,
  auditLogsSource,
  createAuditLogsClient,
  createAuditLogsStream,
  type PlannedAuditLogsStream,
} from './factory.js';
export type { AuditLogEvent, AuditLogPage } from './page.js';
export {
  AUDIT_LOGS_EVENT_TYPE,
  type AuditLogsStreamOptions,
  auditLogsStream,
  auditLogsStreamKey,
} from './stream-source.js';
