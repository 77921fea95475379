/**
 * The Compliance Logs Platform simulator: a faithful, deterministic, fast stand-in for OpenAI's
 * API that the demo, the tests and the benchmarks run against (`compliance-forwarder simulate`).
 * See README.md in this folder for the routes, the control endpoint and the data it serves.
 */
export {
  ALL_EVENT_TYPES,
  type EventType,
  ORGANIZATION_EVENT_TYPES,
  WORKSPACE_EVENT_TYPES,
} from './event-types.js';
export { DEFAULT_FAULTS, type Faults, type FaultsInput, faultsSchema } from './faults.js';
export type { FileFacts } from './file-store.js';
export type { ListPage, LogFileItem } from './http/list-route.js';
export {
  DEFAULT_PROFILES,
  type ExtraFile,
  type SimulatorOptions,
  simulatorOptionsSchema,
  type VolumeProfile,
} from './options.js';
export { type SimulatedFile, Simulator, type SimulatorInfo } from './simulator.js';
export type { SimulatorStats } from './stats.js';
export type { SimAuditEvent } from './templates/audit-log-events.js';
export type { ConversationVersion } from './templates/legacy-conversations.js';
