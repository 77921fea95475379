import { hostname } from 'node:os';
import type { Config } from '../../config/schema.js';
import { parseTime } from '../../config/time.js';
import { CfError } from '../../core/errors/index.js';
import {
  type AnySourceDescriptor,
  type KeyedPrincipal,
  type PlannedEntryStream,
  type PlannedSectionStream,
  SOURCES,
} from '../../sources/index.js';
import { ownsStream, parseShard, type Shard, WHOLE } from './shard.js';

export type { KeyedPrincipal };

/** One stream of the `source` section and `principals` (a Compliance Logs Platform principal and event type). */
export type PlannedStream = PlannedSectionStream;

/**
 * One stream of an entry of `sources`, with its secrets resolved. Its key is the one
 * `export --source` uses, so both share the checkpoint.
 */
export type PlannedSourceStream = PlannedEntryStream;

/** What the service will do, decided from the config before anything starts. */
export interface ServicePlan {
  readonly shard: Shard;
  readonly stateDir: string;
  /** ISO-8601: where a stream without a checkpoint starts (`service.lookback`, resolved once). */
  readonly startAfter: string;
  /** Every principal of the config (all their keys: own audit events are recognised by any). */
  readonly principals: readonly KeyedPrincipal[];
  /** The streams of the `source` section and `principals` this shard owns, each once, in config order. */
  readonly streams: readonly PlannedStream[];
  /** The streams of `sources` this shard owns, in config order. */
  readonly sourceStreams: readonly PlannedSourceStream[];
}

export interface PlanOptions {
  readonly shard?: Shard;
  readonly hostname?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
}

/**
 * Checks what `run` needs beyond the schema (principals or sources, state.dir, a shard that fits)
 * and resolves every key, so a missing secret or a bad setting stops the start before anything
 * connects. Throws CF_ERR_CONFIG or CF_ERR_SECRET_MISSING saying what is wrong.
 */
export function planService(config: Config, options: PlanOptions = {}): ServicePlan {
  if (config.principals.length === 0 && config.sources.length === 0) {
    throw new CfError(
      'CF_ERR_CONFIG',
      'principals is empty and there are no sources: `run` needs at least one principal and its event types, or an entry in sources.',
    );
  }
  const stateDir = config.state.dir;
  if (stateDir === undefined) {
    throw new CfError(
      'CF_ERR_CONFIG',
      'state.dir is not set: `run` keeps each stream’s checkpoint there, so a restart continues where it stopped.',
    );
  }
  const spec = config.service.shard;
  const shard =
    options.shard ?? (spec === undefined ? WHOLE : parseShard(spec, options.hostname ?? hostname()));
  const planned = planSources(config, options.env);
  const owned = <P extends { readonly key: string }>(streams: readonly P[]) =>
    streams.filter((s) => ownsStream(shard, s.key));
  return {
    shard,
    stateDir,
    startAfter: parseTime(config.service.lookback, options.now).toISOString(),
    principals: planned.principals,
    streams: owned(planned.section as PlannedStream[]),
    sourceStreams: owned(planned.entries as PlannedSourceStream[]),
  };
}

/**
 * Every stream of every source instance, secrets resolved (all of them, whichever shard owns the
 * stream: a replica with a missing secret stops as its siblings would). Two instances that come
 * to the same stream key would share one checkpoint with different settings, so that is refused.
 */
function planSources(config: Config, env: NodeJS.ProcessEnv | undefined) {
  const section: { key: string }[] = [];
  const entries: { key: string }[] = [];
  const principals: KeyedPrincipal[] = [];
  const owner = new Map<string, string>();
  for (const source of SOURCES as readonly AnySourceDescriptor[]) {
    for (const { config: instance, where } of source.instances(config)) {
      const plan = source.plan(instance, where, env);
      for (const stream of plan.streams as readonly { key: string }[]) {
        const first = owner.get(stream.key);
        if (first !== undefined) {
          throw new CfError(
            'CF_ERR_CONFIG',
            `${where} is the same stream as ${first} (${stream.key}): list it once, or tell them apart (another organization, filters, path or perMessage).`,
          );
        }
        owner.set(stream.key, where);
        (source.section === 'source' ? section : entries).push(stream);
      }
      principals.push(...(plan.principals ?? []));
    }
  }
  return { section, entries, principals };
}
