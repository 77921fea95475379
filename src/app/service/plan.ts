import { hostname } from 'node:os';
import type { Config } from '../../config/schema.js';
import { parseTime } from '../../config/time.js';
import { CfError } from '../../core/errors/index.js';
import type { Secret } from '../../core/secret.js';
import { resolveSecret } from '../../core/secret-ref.js';
import type { AuditLogsSourceConfig } from '../../sources/audit-logs/config.js';
import { auditLogsStreamKey } from '../../sources/audit-logs/stream-source.js';
import { complianceStreamKey } from '../../sources/compliance-logs/index.js';
import type { ConversationsSourceConfig } from '../../sources/conversations/config.js';
import { conversationsStreamKey } from '../../sources/conversations/stream-source.js';
import type { FilesSourceConfig } from '../../sources/files/config.js';
import { filesStreamKey, STDIN_PATH } from '../../sources/files/stream-source.js';
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

/**
 * One stream of a source in `sources` (audit-logs, conversations, files), with its key resolved.
 * Its key is the one `export --source` uses, so both share the checkpoint.
 */
export type PlannedSourceStream =
  | {
      readonly type: 'audit-logs';
      readonly key: string;
      readonly config: AuditLogsSourceConfig;
      readonly adminKey: Secret;
    }
  | {
      readonly type: 'conversations';
      readonly key: string;
      readonly config: ConversationsSourceConfig;
      readonly apiKey: Secret;
    }
  | {
      readonly type: 'files';
      readonly key: string;
      /** The files source with only this stream's path or pattern. */
      readonly config: FilesSourceConfig;
    };

/** What the service will do, decided from the config before anything starts. */
export interface ServicePlan {
  readonly shard: Shard;
  readonly stateDir: string;
  /** ISO-8601: where a stream without a checkpoint starts (`service.lookback`, resolved once). */
  readonly startAfter: string;
  /** Every principal of the config (all their keys: own audit events are recognised by any). */
  readonly principals: readonly KeyedPrincipal[];
  /** The Compliance Logs Platform streams of this shard, each once, in config order. */
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
  const sourceStreams = planSourceStreams(config, options.env).filter((s) => ownsStream(shard, s.key));
  return {
    shard,
    stateDir,
    startAfter: parseTime(config.service.lookback, options.now).toISOString(),
    principals: principals.map((p) => ({ id: p.id, apiKey: p.apiKey })),
    streams: [...streams.values()],
    sourceStreams,
  };
}

/**
 * Every stream of `sources`, keys resolved (all of them, whichever shard owns the stream: a
 * replica with a missing secret stops as its siblings would). Two entries that come to the same
 * stream key would share one checkpoint with different settings, so that is refused.
 */
function planSourceStreams(config: Config, env: NodeJS.ProcessEnv | undefined): PlannedSourceStream[] {
  const out: PlannedSourceStream[] = [];
  const owner = new Map<string, number>();
  const claim = (key: string, index: number) => {
    const first = owner.get(key);
    if (first !== undefined) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `sources[${index}] is the same stream as sources[${first}] (${key}): list it once, or tell them apart (another organization, filters, path or perMessage).`,
      );
    }
    owner.set(key, index);
    return key;
  };
  config.sources.forEach((source, index) => {
    switch (source.type) {
      case 'audit-logs':
        out.push({
          type: 'audit-logs',
          key: claim(auditLogsStreamKey(source.organizationId, source), index),
          config: source,
          adminKey: resolveSecret(
            source.adminKey,
            `The OpenAI admin key of ${source.organizationId} (sources[${index}])`,
            env,
          ),
        });
        break;
      case 'conversations':
        out.push({
          type: 'conversations',
          key: claim(conversationsStreamKey(source.workspaceId, source.perMessage), index),
          config: source,
          apiKey: resolveSecret(
            source.apiKey,
            `The Compliance API key of workspace ${source.workspaceId} (sources[${index}])`,
            env,
          ),
        });
        break;
      case 'files':
        for (const path of source.paths) {
          if (path === STDIN_PATH) {
            throw new CfError(
              'CF_ERR_CONFIG',
              `sources[${index}].paths names stdin (-): \`run\` polls files on a schedule, and stdin can be read only once; use \`export --source files --path -\` for it.`,
            );
          }
          out.push({
            type: 'files',
            key: claim(filesStreamKey(path), index),
            config: { ...source, paths: [path] },
          });
        }
        break;
    }
  });
  return out;
}
