import { createHash } from 'node:crypto';
import { SHARD_SPEC } from '../../config/schema.js';
import { CfError } from '../../core/errors/index.js';

/**
 * This replica's share of the streams: the streams whose key hashes to `index` modulo `count`.
 * Replicas with the same count and different indexes own disjoint sets whose union is every
 * stream, so no two replicas ever work on one stream (or write one checkpoint).
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = Object.freeze({ index: 0, count: 1 });

/**
 * Parses `INDEX/COUNT` (0-based index) or `ordinal/COUNT`, where the index is the ordinal a
 * StatefulSet puts at the end of its pod names (`compliance-forwarder-2` → 2), read from
 * `hostname` (a pod's host name is its name). Throws CF_ERR_CONFIG saying what is wrong.
 */
export function parseShard(spec: string, hostname: string): Shard {
  const m = SHARD_SPEC.exec(spec.trim());
  if (m === null) {
    throw new CfError('CF_ERR_CONFIG', `The shard "${spec}" is not INDEX/COUNT (e.g. 0/3) or ordinal/COUNT.`);
  }
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new CfError('CF_ERR_CONFIG', `The shard count in "${spec}" must be at least 1.`);
  }
  let index: number;
  if (m[1] === 'ordinal') {
    const ordinal = /-(\d+)$/.exec(hostname);
    if (ordinal === null) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `The shard "${spec}" takes its index from the StatefulSet pod ordinal, but the host name "${hostname}" does not end in -N.`,
      );
    }
    index = Number(ordinal[1]);
  } else {
    index = Number(m[1]);
  }
  if (index >= count) {
    throw new CfError(
      'CF_ERR_CONFIG',
      `The shard index ${index} is outside 0..${count - 1} ("${spec}"): the shard count must equal the number of replicas.`,
    );
  }
  return { index, count };
}

/** The shard a stream belongs to: a stable hash of its key (principal and event type). */
export function shardOf(streamKey: string, count: number): number {
  if (count <= 1) return 0;
  // The first 48 bits of SHA-256: the same on every platform and version, and evenly spread.
  const h = createHash('sha256').update(streamKey).digest();
  return h.readUIntBE(0, 6) % count;
}

export function ownsStream(shard: Shard, streamKey: string): boolean {
  return shardOf(streamKey, shard.count) === shard.index;
}

export function describeShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
