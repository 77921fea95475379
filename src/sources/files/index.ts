/**
 * The local archives source: replays JSONL, gzip'd JSONL and JSON-array files (or stdin) that a
 * user already keeps, through the same enrichment, sinks and checkpoints.
 *
 *   paths / globs ─> files in path order ─> FileCursor (gzip by magic bytes; one array → lines)
 *     ─> segments cut at line ends (the delivered, checkpointed unit: `<offset>:<path>`)
 *
 * `progress()` on each stream reports bytes read from disk against the total, for an ETA.
 * See docs/sources.md.
 */
export { type FilesSourceConfig, type FilesSourceConfigInput, filesSourceConfigSchema } from './config.js';
export {
  createFilesStreams,
  type FilesStreamsDeps,
  filesSource,
  type PlannedFilesStream,
} from './factory.js';
export { type ArchiveFormat, FileCursor } from './file-cursor.js';
export { expandPattern, globToRegExp } from './glob.js';
export {
  estimateReplay,
  formatReplayProgress,
  type ReplayEstimate,
  type ReplayProgress,
} from './progress.js';
export { parseResumeToken, resumeToken } from './segment.js';
export {
  type FilesStreamOptions,
  type FilesStreamSource,
  filesStream,
  filesStreamKey,
  STDIN_PATH,
} from './stream-source.js';
