import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Secret } from '../config/secret.js';
import { resolveSecret } from '../config/secret-ref.js';
import { parseTime } from '../config/time.js';
import { CfError } from '../errors/index.js';
import { complianceStreamKey } from '../sources/compliance-logs/index.js';
import { ownsStream, parseShard, type Shard, WHOLE } from './shard.js';

/** A principal with its key resolved. */
export interface KeyedPrincipal {
  readonly id: string;
  readonly apiKey: Secret;
}

/** One stream this replica polls. */
export interface PlannedStream {
  readonly key: string;
  readonly principal: KeyedPrincipal;
  readonly eventType: string;
}

/** What the service will do, decided from the config before anything starts. */
export interface ServicePlan {
  readonly shard: Shard;
  readonly stateDir: string;
  /** ISO-8601: where a stream without a checkpoint starts (`service.lookback`, resolved once). */
  readonly startAfter: string;
  /** Every principal of the config (all their keys: own audit events are recognised by any). */
  readonly principals: readonly KeyedPrincipal[];
  /** The streams of this shard, each once, in config order. */
  readonly streams: readonly PlannedStream[];
}

export interface PlanOptions {
  readonly shard?: Shard;
  readonly hostname?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
}

/**
 * Checks what `run` needs beyond the schema (principals, state.dir, a shard that fits) and
 * resolves every key, so a missing secret or a bad setting stops the start before anything
 * connects. Throws CF_ERR_CONFIG or CF_ERR_SECRET_MISSING saying what is wrong.
 */
export function planService(config: Config, options: PlanOptions = {}): ServicePlan {
  if (config.principals.length === 0) {
    throw new CfError(
      'CF_ERR_CONFIG',
      'principals is empty: `run` needs at least one principal and its event types.',
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
  const principals = config.principals.map((p) => ({
    id: p.id,
    eventTypes: p.eventTypes,
    apiKey: resolveSecret(p.apiKey ?? config.source.apiKey, `The Compliance API key of ${p.id}`, options.env),
  }));
  const streams = new Map<string, PlannedStream>();
  for (const principal of principals) {
    for (const eventType of principal.eventTypes) {
      const key = complianceStreamKey(principal.id, eventType);
      // A principal listed twice must not get two pollers on one checkpoint.
      if (ownsStream(shard, key) && !streams.has(key)) {
        streams.set(key, { key, principal: { id: principal.id, apiKey: principal.apiKey }, eventType });
      }
    }
  }
  return {
    shard,
    stateDir,
    startAfter: parseTime(config.service.lookback, options.now).toISOString(),
    principals: principals.map((p) => ({ id: p.id, apiKey: p.apiKey })),
    streams: [...streams.values()],
  };
}
