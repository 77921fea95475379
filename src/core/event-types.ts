/** Event types and principals of the Compliance Logs Platform (reference, section 1). */

import type { PrincipalKind } from './principal.js';

export { type PrincipalKind, principalKindOf } from './principal.js';

export const WORKSPACE_EVENT_TYPES = [
  'CONVERSATION_MESSAGE',
  'APP_LOG',
  'APP_AUTH_LOG',
  'AUDIT_LOG',
  'AUTH_LOG',
  'CODEX_LOG',
  'CODEX_SECURITY_LOG',
  'CHATGPT_PLUGIN_SPREADSHEET',
  'CUSTOM_AGENTS_LOG',
] as const;

/** COSTS exists only on the organization route. */
export const ORGANIZATION_EVENT_TYPES = ['APP_LOG', 'APP_AUTH_LOG', 'COSTS'] as const;

export const ALL_EVENT_TYPES = [...WORKSPACE_EVENT_TYPES, 'COSTS'] as const;

export type EventType = (typeof ALL_EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (ALL_EVENT_TYPES as readonly string[]).includes(value);
}

export function eventTypesFor(kind: PrincipalKind): readonly EventType[] {
  return kind === 'workspace' ? WORKSPACE_EVENT_TYPES : ORGANIZATION_EVENT_TYPES;
}

/** The `principal.type` written into records. */
export function principalTypeOf(kind: PrincipalKind): 'CHATGPT_WORKSPACE' | 'API_PLATFORM_ORG' {
  return kind === 'workspace' ? 'CHATGPT_WORKSPACE' : 'API_PLATFORM_ORG';
}

/** The stable index of an event type, used inside file ids. */
export function eventTypeIndex(type: EventType): number {
  return ALL_EVENT_TYPES.indexOf(type);
}

export function eventTypeAt(index: number): EventType | undefined {
  return ALL_EVENT_TYPES[index];
}
