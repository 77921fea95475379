import type { EventType } from '../event-types.js';
import { principalKindOf } from '../event-types.js';
import { combine, hashString, Prng } from '../random.js';
import { type CompiledTemplate, compileTemplate } from './compile.js';
import { conversationMessage } from './conversation.js';
import { makePeople, type TemplateContext } from './envelope.js';
import { appAuthLog, appLog, auditLog, authLog, costs, subtypedLog } from './event-records.js';

export { type CompiledTemplate, HOLE, HOLE_WIDTH, type HoleKind, INVALID_UTF8 } from './compile.js';

type Builder = (rng: Prng, ctx: TemplateContext) => object;

const BUILDERS: Record<EventType, Builder> = {
  CONVERSATION_MESSAGE: conversationMessage,
  AUDIT_LOG: auditLog,
  AUTH_LOG: authLog,
  APP_LOG: appLog,
  APP_AUTH_LOG: appAuthLog,
  CODEX_LOG: subtypedLog,
  CODEX_SECURITY_LOG: subtypedLog,
  CUSTOM_AGENTS_LOG: subtypedLog,
  CHATGPT_PLUGIN_SPREADSHEET: subtypedLog,
  COSTS: costs,
};

/** Enough variety that neighbouring records differ; few enough to build in a millisecond or two. */
const TEMPLATES_PER_TYPE = 64;
const CACHE_LIMIT = 256;

/**
 * The templates of one (principal, event type), built from the seed on first use and kept in a
 * small LRU: a benchmark with many principals rebuilds them instead of growing without bound.
 */
export class TemplateStore {
  private readonly cache = new Map<string, readonly CompiledTemplate[]>();
  constructor(
    private readonly seedHash: number,
    private readonly selfKeyRedactedId: string,
  ) {}

  get(principalId: string, eventType: EventType): readonly CompiledTemplate[] {
    const key = `${principalId}|${eventType}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const built = this.build(principalId, eventType);
    this.cache.set(key, built);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    return built;
  }

  private build(principalId: string, eventType: EventType): CompiledTemplate[] {
    const principalHash = hashString(principalId);
    const peopleRng = new Prng(combine(this.seedHash, principalHash, 0x9e0915));
    const ctx: TemplateContext = {
      principalId,
      principalKind: principalKindOf(principalId) ?? 'workspace',
      eventType,
      selfKeyRedactedId: this.selfKeyRedactedId,
      people: makePeople(peopleRng, 40),
    };
    const rng = new Prng(combine(this.seedHash, principalHash, hashString(eventType)));
    const builder = BUILDERS[eventType];
    return Array.from({ length: TEMPLATES_PER_TYPE }, () => compileTemplate(builder(rng, ctx)));
  }
}
