import type { EventType, PrincipalKind } from '../event-types.js';
import { principalTypeOf } from '../event-types.js';
import { hexString, type Prng } from '../random.js';
import { hole } from './compile.js';
import { alnum, CITIES, type Person, person, USER_AGENTS } from './text.js';

/** What every template of one (principal, event type) shares. */
export interface TemplateContext {
  readonly principalId: string;
  readonly principalKind: PrincipalKind;
  readonly eventType: EventType;
  /** The simulator key's `redacted_id`, used by the self-generated AUDIT_LOG events. */
  readonly selfKeyRedactedId: string;
  /** A small stable population, so the same users recur across records. */
  readonly people: readonly Person[];
}

export function makePeople(rng: Prng, count: number): Person[] {
  return Array.from({ length: count }, () => person(rng));
}

export type Actor =
  | { type: 'ACCOUNT_USER'; user_id: string; user_email: string; credential_id?: string }
  | { type: 'API_KEY'; redacted_id: string }
  | { type: 'AGENT'; agent_id: string; agent_name: string; on_behalf_of_user_id: string }
  | { type: 'SYSTEM'; id: string };

export function userActor(rng: Prng, who: Person): Actor {
  const actor: Actor = { type: 'ACCOUNT_USER', user_id: who.userId, user_email: who.email };
  if (rng.chance(0.3)) actor.credential_id = `cred_${alnum(rng, 20)}`;
  return actor;
}

/** Mostly users; some API keys, agents and system actions. */
export function anyActor(rng: Prng, ctx: TemplateContext): Actor {
  const roll = rng.next();
  if (roll < 0.75) return userActor(rng, rng.pick(ctx.people));
  if (roll < 0.87) return { type: 'API_KEY', redacted_id: `sk-...${alnum(rng, 4)}` };
  if (roll < 0.95) {
    return {
      type: 'AGENT',
      agent_id: `agent_${alnum(rng, 16)}`,
      agent_name: rng.pick(['Codex', 'Research agent', 'Agent de facturation', 'レポート作成']),
      on_behalf_of_user_id: rng.pick(ctx.people).userId,
    };
  }
  return { type: 'SYSTEM', id: rng.pick(['system', 'scim-provisioner', 'retention-job']) };
}

/** The common fields, in the order the API writes them; event_id first (templates rely on it). */
export function envelope(ctx: TemplateContext, actor: Actor): Record<string, unknown> {
  return {
    event_id: hole('EVENT_ID'),
    type: ctx.eventType,
    timestamp: hole('TIMESTAMP'),
    principal: { id: ctx.principalId, type: principalTypeOf(ctx.principalKind) },
    actor,
  };
}

function ipv4(rng: Prng): string {
  return `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

function ipv6(rng: Prng): string {
  return `2001:db8:${hexString(rng, 2)}:${hexString(rng, 2)}::${hexString(rng, 2)}`;
}

/**
 * request_metadata as AUDIT_LOG and AUTH_LOG carry it. `withFault` puts the FAULT hole in the
 * user agent string, the natural place for odd bytes.
 */
export function requestMetadata(rng: Prng, withFault: boolean): Record<string, unknown> {
  const place = rng.pick(CITIES);
  return {
    client_ip: rng.chance(0.8) ? ipv4(rng) : ipv6(rng),
    client_ip_details: {
      country: place.country,
      city: place.city,
      region: place.region,
      region_code: place.region_code,
      asn: rng.pick([13335, 15169, 16509, 8075, 3320, 7922, 2516]),
      latitude: place.latitude,
      longitude: place.longitude,
    },
    client_user_agent: rng.pick(USER_AGENTS) + (withFault ? hole('FAULT') : ''),
    client_ja3: hexString(rng, 16),
    client_ja4: `t13d${rng.int(10, 19)}${rng.int(10, 19)}h2_${hexString(rng, 6)}_${hexString(rng, 6)}`,
  };
}
