import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { EventTimeSpec } from '../../core/event-time.js';
import type { Secret } from '../../core/secret.js';
import { secretFromEnv } from '../../core/secret-ref.js';
import type { StreamSource } from '../../core/stream-source.js';
import { VERSION } from '../../core/version.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { HttpEgress, RateLimiterRegistry } from '../../http/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';

/**
 * Everything the application knows about one kind of source, in one value that the source's
 * folder exports from its index.ts and src/sources/index.ts lists: the config schema, the event
 * types, the `export --source` flags, the environment overlay, the secrets, the stream keys and
 * how the streams open (once for `export`, per poll for `run`). The CLI, the config schema, the
 * export job and the service iterate over the registry and never name a source type.
 *
 * It lives in sources/shared (not core/) because it speaks of what only sources may use: the
 * rate limiters of http/, the logger and metrics of telemetry/, and zod schemas; core/ stays the
 * dependency-free contracts that the engine also sees.
 */

/** The time window of one run: `after` exclusive, `before` exclusive (default: now or open). */
export interface SourceWindow {
  readonly after: string;
  readonly before?: string;
}

/** What the API sources' clients share with the rest of the process. */
export interface SourceDeps {
  /** One limiter per key and endpoint for the whole process (export's run, or the service). */
  readonly limiters: RateLimiterRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Which requests go through which forward proxy (the `http` section); default the environment's. */
  readonly egress?: HttpEgress;
}

/** What one `export` run gives a source. */
export interface ExportDeps extends SourceDeps {
  /** Where the secrets named by environment variable are read. */
  readonly env: NodeJS.ProcessEnv;
  /** The checkpoint of a stream key, if any (checkpoints are kept only with a state dir). */
  readonly resumeOf?: (streamKey: string) => Promise<WatermarkPosition | undefined>;
  /** Standard input (`--source files --path -`). */
  readonly stdin?: Readable;
}

/** The streams of one run, and what to release after it. */
export interface OpenedStreams {
  readonly streams: StreamSource[];
  close(): Promise<void>;
}

/** One stream of the service: its key, and how to make the StreamSource of one poll. */
export interface PolledStream {
  /** The stream key: its checkpoint, shard and metrics label (the same one `export` uses). */
  readonly key: string;
  /** The StreamSource of one poll, from the stream's checkpoint (undefined: it has none yet). */
  open(position: WatermarkPosition | undefined): StreamSource | Promise<StreamSource>;
}

/** What the service gives a source's planned streams. */
export interface PollDeps extends SourceDeps {
  /** ISO-8601: where a stream without a checkpoint starts (`service.lookback`). */
  readonly startAfter: string;
}

/** The service's streams of one source instance, with the clients they poll through. */
export interface PolledStreams {
  readonly streams: PolledStream[];
  close(): Promise<void>;
}

/** A principal with its key resolved. */
export interface KeyedPrincipal {
  readonly id: string;
  readonly apiKey: Secret;
}

/** One stream a source instance contributes to the service, with its secrets resolved. */
export interface PlannedStreamBase<T extends string = string> {
  readonly type: T;
  /** The stream key (and checkpoint identity), the same for export and the service. */
  readonly key: string;
}

/** The streams of one source instance, secrets resolved once. */
export interface SourcePlan<P> {
  readonly streams: readonly P[];
  /** Principals whose keys this forwarder calls with (their own audit events are recognised). */
  readonly principals?: readonly KeyedPrincipal[];
}

/** A flag of its own a source adds to `export` (node:util parseArgs option). */
export interface SourceFlag {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Its line in the usage text, after the flag name. */
  readonly usage: string;
}

/** The `export --source` flags a source reads: export's own, and the values of its flags. */
export interface ExportFlags {
  readonly principal?: string;
  readonly eventTypes: readonly string[];
  /** The values of the sources' own flags (SourceCli.flags), by name. */
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
}

/** A source's part in `export --source <type>`. */
export interface SourceCli {
  /** Sentences of the usage text, saying what the source needs (flags, environment). */
  readonly usage: string;
  /** Flags of its own (their names must not clash with another source's). */
  readonly flags?: Readonly<Record<string, SourceFlag>>;
  /** Which of export's flags must be given, and which of its own (by name). */
  readonly requires: {
    readonly principal: boolean;
    readonly eventType: boolean;
    readonly after: boolean;
    readonly flags?: readonly string[];
  };
  /**
   * The config entry the flags make (before the environment overlay and the schema), or
   * undefined for a source whose instance is the config's `source` + `principals` sections.
   */
  entry?(flags: ExportFlags): Record<string, unknown>;
  /** The `principals` the flags make, for a source read from the `source` section. */
  principals?(flags: ExportFlags): unknown[];
}

/** The environment's part in a config entry: it overrides the base URL and supplies a missing key. */
export interface SourceEnv {
  /** Overrides the entry's `baseUrl` when set and not empty. */
  readonly baseUrl?: string;
  /** Supplies the entry's `field` when it names none: `variable`, or a file named by `variable_FILE`. */
  readonly key?: { readonly field: string; readonly variable: string };
}

/** The sections of a validated config that hold source instances. */
export interface ConfigSections {
  readonly source: unknown;
  readonly principals: readonly unknown[];
  readonly sources: readonly { readonly type: string }[];
}

/** One configured instance of a source, and where the config has it (for messages). */
export interface SourceInstance<C> {
  readonly config: C;
  /** `sources[2]`, or `principals`. */
  readonly where: string;
}

/**
 * One kind of source. `T` its type, `S` the schema of its config (a `sources` entry, or the
 * `source` section), `P` one planned stream of the service, `C` one instance's config.
 */
export interface SourceDescriptor<
  T extends string = string,
  S extends z.ZodType = z.ZodType,
  P extends PlannedStreamBase<T> = PlannedStreamBase<T>,
  C = z.output<S>,
> {
  readonly type: T;
  /**
   * Where its instances are configured: an entry of `sources` (`{ type: T, ... }`), or the
   * `source` section with `principals` (the Compliance Logs Platform, as configs always had it).
   */
  readonly section: 'sources' | 'source';
  /** The config of one instance (one `sources` entry, or the `source` section). */
  readonly configSchema: S;
  /** The event types its records carry, whatever the config. */
  readonly eventTypes: readonly string[];
  /** Event types one entry adds (the entry as written, maybe invalid: read it defensively). */
  entryEventTypes?(entry: Readonly<Record<string, unknown>>): readonly string[];
  /**
   * Where one instance's records keep their event time: the source's declaration, or the config's
   * `eventTime` override. Its streams carry it (StreamSource.eventTime).
   */
  eventTime(config: C): EventTimeSpec;
  readonly cli: SourceCli;
  readonly env: SourceEnv;
  /** Its instances in a validated config, in config order. */
  instances(config: ConfigSections): SourceInstance<C>[];
  /**
   * The service's streams of one instance, each keyed, secrets resolved (a missing one throws
   * CF_ERR_SECRET_MISSING naming it and `where`), CF_ERR_CONFIG for what the service cannot poll.
   */
  plan(config: C, where: string, env: NodeJS.ProcessEnv | undefined): SourcePlan<P>;
  /** The streams of one `export` window, each resuming from its checkpoint. */
  exportStreams(config: C, window: SourceWindow, deps: ExportDeps): Promise<OpenedStreams>;
  /** The service's streams of what `plan` gave, each poll starting from the stream's last position. */
  pollStreams(planned: readonly P[], deps: PollDeps): PolledStreams;
}

/** Any registered source. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds descriptors of every config type
export type AnySourceDescriptor = SourceDescriptor<string, z.ZodType, any, any>;

/** `instances` of a source configured as entries of `sources` with its type. */
export function entriesOfType<C>(type: string): (config: ConfigSections) => SourceInstance<C>[] {
  return (config) =>
    config.sources.flatMap((entry, index) =>
      entry.type === type ? [{ config: entry as C, where: `sources[${index}]` }] : [],
    );
}

/**
 * The window of a poll of a time-ordered API source. Without a checkpoint the stream starts at the
 * lookback. With one, the checkpoint alone decides, even when it is older than the lookback (a
 * service that was down longer must not skip what it missed): the window then starts at the epoch,
 * and the source starts at its checkpoint minus its overlap, skipping what the checkpoint holds.
 */
export function pollWindow(startAfter: string, position: WatermarkPosition | undefined): SourceWindow {
  return { after: position === undefined ? startAfter : new Date(0).toISOString() };
}

/**
 * A config entry with the environment's part (see SourceEnv): the base URL overrides, the key
 * serves when the entry names none. Not an object: returned as is, for the schema to judge.
 */
export function withEnvironment(env: SourceEnv, entry: unknown, processEnv: NodeJS.ProcessEnv): unknown {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
  const e = entry as Record<string, unknown>;
  const base = env.baseUrl === undefined ? undefined : processEnv[env.baseUrl];
  const key: unknown =
    env.key === undefined ? undefined : (e[env.key.field] ?? secretFromEnv(env.key.variable, processEnv));
  return {
    ...e,
    ...(base ? { baseUrl: base } : {}),
    ...(env.key === undefined || key === undefined ? {} : { [env.key.field]: key }),
  };
}

/**
 * The one stream of an export of an API source (one client), from its checkpoint; the client is
 * closed when loading the checkpoint fails.
 */
export async function exportOneStream(
  key: string,
  stream: (resume: WatermarkPosition | undefined) => StreamSource,
  close: () => Promise<void>,
  resumeOf: ExportDeps['resumeOf'],
): Promise<OpenedStreams> {
  try {
    const resume = await resumeOf?.(key);
    return { streams: [stream(resume)], close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Releases every client, ignoring errors (used when a service or run stops). */
export async function closeAll(clients: Iterable<{ close(): Promise<void> }>): Promise<void> {
  await Promise.all([...clients].map((c) => c.close().catch(() => {})));
}

/**
 * The service's streams of an API source: one client per planned stream, each poll a stream from
 * the stream's last position (or the lookback when it has none); closing releases every client.
 */
export function pollWithClients<P extends PlannedStreamBase, C extends { close(): Promise<void> }>(
  planned: readonly P[],
  deps: PollDeps,
  clientOf: (p: P) => C,
  streamOf: (client: C, p: P, window: SourceWindow, position: WatermarkPosition | undefined) => StreamSource,
): PolledStreams {
  const clients: C[] = [];
  const streams = planned.map((p) => {
    const client = clientOf(p);
    clients.push(client);
    return {
      key: p.key,
      open: (position: WatermarkPosition | undefined) =>
        streamOf(client, p, pollWindow(deps.startAfter, position), position),
    };
  });
  return { streams, close: () => closeAll(clients) };
}

/** How every API source's client names itself upstream. */
export const USER_AGENT = `compliance-forwarder/${VERSION}`;

/** What an API source's client takes from the process: the shared limiters, telemetry, egress. */
export function apiClientDeps(deps: SourceDeps) {
  return {
    limiters: deps.limiters,
    metrics: deps.metrics,
    logger: deps.logger,
    userAgent: USER_AGENT,
    ...(deps.egress ? { egress: deps.egress } : {}),
  };
}
