/**
 * compliance-forwarder as a library: what a Node program embeds to run the forwarder's pipeline
 * in its own process. The CLI (`compliance-forwarder export|run|...`) is built on the same API.
 *
 *   const config = validateConfig({ principals: [...], sinks: [{ type: 'kafka', ... }] });
 *   const summary = await runExportJob(config, { principalId, eventTypes, after }, { logger, metrics, signal });
 *   const service = await startService(config, { logger, metrics, signal });   // or run as a service
 *
 * Everything exported here is typed; what is not exported is internal and may change.
 */

// Running: one export window, or the service.
export { type ExportJobDeps, type ExportSummary, type ExportWindow, runExportJob } from './app/export-job.js';
export { Runtime, type RuntimeDeps, type RuntimeOptions } from './app/runtime.js';
export {
  type RunningService,
  type ServiceDeps,
  type ServiceResult,
  startService,
} from './app/service/index.js';
// Configuration: one schema gives the types, the validation and the reference.
export { readConfigFile, validateConfig } from './config/load.js';
export { type Config, type ConfigInput, configSchema } from './config/schema.js';
// Contracts.
export type { DeadLetter, DeadLetterEntry } from './core/dead-letter.js';
export { CfError, ERROR_CODES, type ErrorCode, isCfError } from './core/errors/index.js';
export type { Delivery, PipelineRecord, SourceRef } from './core/record.js';
export { Secret } from './core/secret.js';
export type { Sink, SinkHealth } from './core/sink.js';
export type { CheckpointPosition, ListedFile, StreamSource } from './core/stream-source.js';
export { VERSION } from './core/version.js';
export type { WatermarkPosition } from './core/watermark-position.js';
export { DeadLetterFile, MemoryDeadLetter } from './engine/dead-letter-file.js';
export { Router } from './engine/router.js';
// The engine, for programs that bring their own streams.
export {
  type PipelineOptions,
  type PipelineResult,
  type ProgressEvent,
  runPipeline,
} from './engine/run-pipeline.js';
// The local simulator of the API, for trying things without a key.
export { Simulator, type SimulatorInfo } from './simulator/index.js';
// Sinks: build any configured sink, or extend the batching base for a new destination.
export {
  type Batch,
  BatchingSink,
  createSink,
  type SinkConfig,
  type SinkContext,
  sinkConfigSchema,
} from './sinks/index.js';
// The Compliance Logs Platform client and its paging stream.
export {
  ComplianceLogsClient,
  complianceLogsStream,
  complianceStreamKey,
} from './sources/compliance-logs/index.js';
// Checkpoints, logs and metrics.
export { CheckpointStore } from './state/index.js';
export { createLogger, type Logger, silentLogger } from './telemetry/logger.js';
export { Metrics } from './telemetry/metrics.js';
