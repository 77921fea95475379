import { combine, hashString, hexString, Prng } from '../random.js';
import { person } from './text.js';

/**
 * The API Platform audit log of one organization, as a pure function of (seed, org, minute): each
 * minute of the span holds a few events at random seconds (so some share one `effective_at`),
 * ordered inside the minute by (second, rank). An event's id encodes its minute and rank, so a
 * cursor (`after=<id>`) is decoded, not looked up, and any window is enumerated newest first by
 * walking minutes downwards. A few events become visible only a while after they took effect.
 */

export interface AuditLogEventOptions {
  readonly eventsPerMinute: { readonly min: number; readonly max: number };
  /** The share of minutes with any events; 1 (every minute) draws nothing for it. */
  readonly activeMinuteRatio?: number;
  readonly lateRatio: number;
  readonly maxLateMs: number;
}

export interface SimAuditEvent {
  readonly id: string;
  readonly type: string;
  /** Unix seconds. */
  readonly effectiveAt: number;
  /** Epoch ms from which the API lists it. */
  readonly visibleAtMs: number;
  readonly minute: number;
  readonly rank: number;
  readonly actorId: string;
  readonly actorEmail: string | undefined;
  readonly projectId: string | undefined;
  readonly resourceId: string | undefined;
  readonly record: Record<string, unknown>;
}

const TYPES = [
  'api_key.created',
  'api_key.updated',
  'api_key.deleted',
  'login.succeeded',
  'login.failed',
  'logout.succeeded',
  'invite.sent',
  'invite.accepted',
  'project.created',
  'project.updated',
  'project.archived',
  'service_account.created',
  'user.added',
  'user.updated',
  'user.deleted',
  'organization.updated',
  'rate_limit.updated',
  'certificate.created',
] as const;

/** `audit_log-<minute: 8 hex><rank: 2 hex><6 random hex>`. */
export function auditEventId(minute: number, rank: number, rng: Prng): string {
  return `audit_log-${minute.toString(16).padStart(8, '0')}${rank.toString(16).padStart(2, '0')}${hexString(rng, 3)}`;
}

/** The (minute, rank) an id names, or undefined for an id this simulator did not hand out. */
export function decodeAuditEventId(id: string): { minute: number; rank: number } | undefined {
  const m = /^audit_log-([0-9a-f]{8})([0-9a-f]{2})[0-9a-f]{6}$/.exec(id);
  if (m === null) return undefined;
  return { minute: Number.parseInt(m[1]!, 16), rank: Number.parseInt(m[2]!, 16) };
}

export class AuditLogEvents {
  readonly #seed: number;
  readonly #opts: AuditLogEventOptions;
  readonly #cache = new Map<number, readonly SimAuditEvent[]>();

  constructor(seedHash: number, orgId: string, opts: AuditLogEventOptions) {
    this.#seed = combine(seedHash, hashString(orgId), hashString('audit-logs'));
    this.#opts = opts;
  }

  /** Every event of one minute (visible or not), oldest first. */
  minute(minute: number): readonly SimAuditEvent[] {
    const hit = this.#cache.get(minute);
    if (hit !== undefined) return hit;
    const rng = new Prng(combine(this.#seed, minute));
    const { min, max } = this.#opts.eventsPerMinute;
    const ratio = this.#opts.activeMinuteRatio ?? 1;
    const n = ratio >= 1 || rng.chance(ratio) ? rng.int(min, max) : 0;
    const seconds = Array.from({ length: n }, () => rng.int(0, 59)).sort((a, b) => a - b);
    const events = seconds.map((second, rank) => this.#event(minute, rank, minute * 60 + second, rng));
    if (this.#cache.size > 4096) this.#cache.clear();
    this.#cache.set(minute, events);
    return events;
  }

  #event(minute: number, rank: number, effectiveAt: number, rng: Prng): SimAuditEvent {
    const id = auditEventId(minute, rank, rng);
    const type = rng.pick(TYPES);
    const late = rng.chance(this.#opts.lateRatio);
    const delayMs = late ? rng.int(Math.min(10_000, this.#opts.maxLateMs), this.#opts.maxLateMs) : 0;
    const who = person(rng);
    const bySession = !type.startsWith('api_key') || rng.chance(0.5);
    const projectId = rng.chance(0.6) ? `proj_${hexString(rng, 8)}` : undefined;
    const resourceId = `${type.split('.')[0]}_${hexString(rng, 6)}`;
    const ip = `203.0.113.${rng.int(1, 254)}`;
    const actor = bySession
      ? {
          type: 'session',
          session: {
            user: { id: who.userId, email: who.email },
            ip_address: ip,
            user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
            ja3: hexString(rng, 16),
            ja4: `t13d1516h2_${hexString(rng, 6)}_${hexString(rng, 6)}`,
            ip_address_details: {
              country: rng.pick(['DE', 'FR', 'JP', 'BR', 'US', 'IN']),
              city: rng.pick(['Zürich', 'São Paulo', 'Kraków', '東京', 'Montréal']),
              region: 'Region',
              region_code: 'RG',
              asn: String(rng.int(1000, 65000)),
              latitude: String(rng.int(-80, 80)),
              longitude: String(rng.int(-170, 170)),
            },
          },
        }
      : {
          type: 'api_key',
          api_key: {
            id: `key_${hexString(rng, 8)}`,
            type: 'user',
            user: { id: who.userId, email: who.email },
          },
        };
    const record: Record<string, unknown> = {
      id,
      type,
      effective_at: effectiveAt,
      actor,
      ...(projectId === undefined
        ? {}
        : { project: { id: projectId, name: `Project ${projectId.slice(-4)}` } }),
      [type]: { id: resourceId, data: { note: 'Résumé — 設定を更新しました 🔐' } },
    };
    return {
      id,
      type,
      effectiveAt,
      visibleAtMs: effectiveAt * 1000 + delayMs,
      minute,
      rank,
      actorId: bySession ? who.userId : (actor as { api_key: { id: string } }).api_key.id,
      actorEmail: who.email,
      projectId,
      resourceId,
      record,
    };
  }
}
