/**
 * Transforms: the verbs between the downloaded bytes and the sinks. Plain classes, no streams inside,
 * so the pipeline can run them once per chunk and tests can drive them directly:
 *
 *   Buffer chunks ──> JsonlSplitter ──> SplitLine ──> RecordEnricher.forFile(file).enrich() ──> PipelineRecord
 *                          │                             (own audit events, filters, dedupe,
 *                          └──> BadLine ──> dead-letter    redaction, static fields, metadata)
 */
export {
  DEDUPE_MAX_ID_LENGTH,
  type DedupeConfig,
  dedupeConfigSchema,
} from './dedupe/dedupe-window.js';
export {
  type EnrichConfig,
  type EnrichConfigInput,
  enrichConfigSchema,
} from './enrich/config.js';
export {
  type DropReason,
  type EnricherDeps,
  type FileContext,
  type FileEnricher,
  RecordEnricher,
} from './enrich/enricher.js';
export type { MetadataFields } from './enrich/metadata.js';
export { type FilterRule, filterRuleSchema } from './filter/config.js';
export { OWN_AUDIT_ACTIONS } from './filter/own-audit-events.js';
export { type RedactRule, redactRuleSchema } from './redact/config.js';
export { HASH_PREFIX } from './redact/redactor.js';
export { DEFAULT_MAX_LINE_BYTES, type SplitterConfig, splitterConfigSchema } from './split-jsonl/config.js';
export { badLineDeadLetter } from './split-jsonl/dead-letter-entry.js';
export { JsonlSplitter } from './split-jsonl/splitter.js';
export {
  BAD_LINE_TEXT_MAX_BYTES,
  type BadLine,
  isBadLine,
  type SplitLine,
  type SplitterOptions,
} from './split-jsonl/types.js';
