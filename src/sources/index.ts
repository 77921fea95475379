/**
 * The registry of sources: one line per source. The config schema, the CLI, the export job and
 * the service know the sources only through this list; each source's folder holds the rest (its
 * config, event types, flags, environment, secrets, stream keys and streams: see
 * shared/descriptor.ts). A new source is a new folder that exports its descriptor, and a line here.
 */
import { z } from 'zod';
import { auditLogsSource } from './audit-logs/index.js';
import { complianceLogsSource } from './compliance-logs/index.js';
import { conversationsSource } from './conversations/index.js';
import { filesSource } from './files/index.js';
import type { AnySourceDescriptor, SourceDescriptor } from './shared/descriptor.js';

/** The sources configured as entries of `sources`, in the order docs and usage list them. */
const ENTRY_SOURCES = [auditLogsSource, conversationsSource, filesSource] as const;

/** The sources configured by the `source` section and `principals` (as configs always had it). */
const SECTION_SOURCES = [complianceLogsSource] as const;

/** Every source, the default (`export` without `--source`) first. */
export const SOURCES = [...SECTION_SOURCES, ...ENTRY_SOURCES] as const;

export type {
  AnySourceDescriptor,
  ConfigSections,
  ExportDeps,
  ExportFlags,
  KeyedPrincipal,
  OpenedStreams,
  PlannedStreamBase,
  PollDeps,
  PolledStream,
  PolledStreams,
  SourceDeps,
  SourceDescriptor,
  SourceInstance,
  SourceWindow,
} from './shared/descriptor.js';
export { pollWindow, withEnvironment } from './shared/descriptor.js';

type PlannedOf<D> = D extends SourceDescriptor<string, z.ZodType, infer P, unknown> ? P : never;
type SchemaOf<D> = D extends { readonly configSchema: infer S } ? S : never;
type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: SchemaOf<T[K]> };
type EntrySchemas = SchemasOf<typeof ENTRY_SOURCES>;

/** The type names of every source (`export --source`). */
export const SOURCE_TYPES: readonly string[] = SOURCES.map((s) => s.type);

/** The default source of `export`. */
export const DEFAULT_SOURCE: AnySourceDescriptor = SOURCES[0];
/** The source the `source` section configures (with `principals`). */
export const SECTION_SOURCE: AnySourceDescriptor = SECTION_SOURCES[0];

/** One entry of `sources`: any source configured there, told apart by `type`. */
export const sourceEntrySchema = z.discriminatedUnion(
  'type',
  ENTRY_SOURCES.map((s) => s.configSchema) as unknown as EntrySchemas,
);
export type SourceEntry = z.infer<typeof sourceEntrySchema>;

/** A planned stream of the service, of any source. */
export type PlannedSourceStream = PlannedOf<(typeof SOURCES)[number]>;
/** A planned stream of a source configured by the `source` section and `principals`. */
export type PlannedSectionStream = PlannedOf<(typeof SECTION_SOURCES)[number]>;
/** A planned stream of an entry of `sources`. */
export type PlannedEntryStream = PlannedOf<(typeof ENTRY_SOURCES)[number]>;

/** The source of a type, or undefined. */
export function sourceOf(type: string): AnySourceDescriptor | undefined {
  return (SOURCES as readonly AnySourceDescriptor[]).find((s) => s.type === type);
}

/** Every event type some source may produce, before entries add their own. */
export const PRODUCED_EVENT_TYPES: readonly string[] = [...new Set(SOURCES.flatMap((s) => s.eventTypes))];
