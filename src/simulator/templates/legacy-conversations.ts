import { combine, hashString, Prng, uuidString } from '../random.js';
import { paragraphOfBytes, person, title } from './text.js';

/**
 * The legacy Compliance API's conversations of a workspace, as a pure function of (seed,
 * workspace, conversation index) and the time: conversation i is created at a point of the span
 * and gains a new exchange (a user message and an answer) at a fixed pace, a few times; the API
 * shows each conversation's latest version, so an updated conversation moves to the end of the
 * `last_active_at` order and re-appears to a client that already read it. Updates may lie past
 * the start time: a live or injected clock brings them in.
 *
 * `conversationBytes` pads the answers so each conversation is about that size (2 MB, and 500 of
 * them make the "1 GB page"); the padding is JSON-encoded once and spliced in as bytes, so a page
 * is generated at memcpy speed.
 */

export interface ConversationOptions {
  readonly count: number;
  readonly maxUpdates: number;
  readonly conversationBytes?: number | undefined;
}

export interface ConversationVersion {
  readonly id: string;
  readonly index: number;
  /** Which update is visible: 0 is the first exchange. */
  readonly version: number;
  /** Unix seconds with microseconds, as the API gives it. */
  readonly lastActiveAt: number;
}

interface Shape {
  readonly id: string;
  readonly createdMs: number;
  readonly gapMs: number;
  readonly updates: number;
  readonly micros: number;
}

/** Padding is cut in steps of this many bytes so a handful of encoded pieces serve every size. */
const PAD_STEP_BYTES = 4096;
const PAD_MARK = '\u0000PAD';
/** How the mark reads inside the serialised JSON. */
const PAD_MARK_JSON = JSON.stringify(PAD_MARK).slice(1, -1);

export class LegacyConversations {
  readonly #seed: number;
  readonly #opts: ConversationOptions;
  readonly #anchorMs: number;
  readonly #spanMs: number;
  readonly #shapes = new Map<string, readonly Shape[]>();
  readonly #padCache = new Map<number, Buffer>();
  #padSource: string | undefined;

  /** @param anchorMs the start of the span: conversations are created from here to `anchorMs + spanMs`. */
  constructor(seedHash: number, opts: ConversationOptions, anchorMs: number, spanMs: number) {
    this.#seed = combine(seedHash, hashString('legacy-conversations'));
    this.#opts = opts;
    this.#anchorMs = anchorMs;
    this.#spanMs = spanMs;
  }

  /** Every conversation's version visible at `nowMs`, in the API's order: (last_active_at, id). */
  visible(workspaceId: string, nowMs: number): ConversationVersion[] {
    const out: ConversationVersion[] = [];
    for (const [index, s] of this.#shapesOf(workspaceId).entries()) {
      if (s.createdMs > nowMs) continue;
      const version = Math.min(s.updates, Math.floor((nowMs - s.createdMs) / s.gapMs));
      const activeMs = s.createdMs + version * s.gapMs;
      out.push({ id: s.id, index, version, lastActiveAt: Math.floor(activeMs / 1000) + s.micros / 1e6 });
    }
    return out.sort((a, b) => a.lastActiveAt - b.lastActiveAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The JSON of one conversation version, exactly as the API serves it inside a page. */
  render(workspaceId: string, v: ConversationVersion): Buffer {
    const s = this.#shapesOf(workspaceId)[v.index]!;
    const rng = new Prng(combine(this.#seed, hashString(workspaceId), v.index));
    const who = person(rng);
    const createdAt = Math.floor(s.createdMs / 1000) + s.micros / 1e6 - 1;
    const msgId = (n: number) => uuidString(new Prng(combine(this.#seed, hashString(s.id), n)));
    const messages: object[] = [message(msgId(0), null, 'system', null, null)];
    let parent = msgId(0);
    const answers: number[] = [];
    for (let e = 0; e <= v.version; e++) {
      const at = Math.floor((s.createdMs + e * s.gapMs) / 1000) + s.micros / 1e6;
      const q = msgId(2 * e + 1);
      const a = msgId(2 * e + 2);
      messages.push(message(q, parent, 'user', paragraphOfBytes(rng, rng.int(40, 300)), at - 2));
      answers.push(messages.length);
      messages.push(
        message(a, q, 'assistant', `${paragraphOfBytes(rng, rng.int(200, 1500))}${PAD_MARK}`, at),
      );
      parent = a;
    }
    const conversation = {
      created_at: createdAt,
      id: s.id,
      last_active_at: v.lastActiveAt,
      messages: { data: messages, has_more: false, last_id: null, object: 'list' },
      object: 'compliance.workspace.conversation',
      title: title(rng),
      user_email: who.email,
      user_id: who.userId,
      workspace_id: workspaceId,
    };
    const json = JSON.stringify(conversation);
    const parts = json.split(PAD_MARK_JSON);
    const target = this.#opts.conversationBytes;
    const base = Buffer.byteLength(json) - (parts.length - 1) * PAD_MARK_JSON.length;
    const perAnswer =
      target === undefined
        ? 0
        : Math.max(0, Math.round((target - base) / answers.length / PAD_STEP_BYTES)) * PAD_STEP_BYTES;
    const pad = this.#pad(perAnswer);
    const out: Buffer[] = [];
    parts.forEach((part, i) => {
      out.push(Buffer.from(part, 'utf8'));
      if (i < parts.length - 1 && pad.length > 0) out.push(pad);
    });
    return Buffer.concat(out);
  }

  #shapesOf(workspaceId: string): readonly Shape[] {
    const hit = this.#shapes.get(workspaceId);
    if (hit !== undefined) return hit;
    const { count, maxUpdates } = this.#opts;
    const shapes = Array.from({ length: count }, (_, i) => {
      const rng = new Prng(combine(this.#seed, hashString(workspaceId), i));
      return {
        id: uuidString(rng),
        createdMs: this.#anchorMs + Math.floor(((i + rng.next()) * this.#spanMs) / Math.max(1, count)),
        gapMs: rng.int(10 * 60_000, 2 * 86_400_000),
        updates: rng.int(0, maxUpdates),
        micros: rng.int(0, 999_999),
      };
    });
    if (this.#shapes.size > 64) this.#shapes.clear();
    this.#shapes.set(workspaceId, shapes);
    return shapes;
  }

  /** About `bytes` of JSON-encoded text (the inside of a string literal), cached per size. */
  #pad(bytes: number): Buffer {
    if (bytes === 0) return Buffer.alloc(0);
    const hit = this.#padCache.get(bytes);
    if (hit !== undefined) return hit;
    this.#padSource ??= ` ${paragraphOfBytes(new Prng(this.#seed), 256 * 1024)}`;
    let text = '';
    while (Buffer.byteLength(text) < bytes) text += this.#padSource;
    const encoded = Buffer.from(JSON.stringify(text).slice(1, -1), 'utf8');
    // Cut at a byte that starts neither a UTF-8 continuation nor splits an escape (cut before a space).
    let end = Math.min(encoded.length, bytes);
    while (end > 0 && encoded[end] !== 0x20) end--;
    const pad = encoded.subarray(0, end);
    if (this.#padCache.size > 32) this.#padCache.clear();
    this.#padCache.set(bytes, pad);
    return pad;
  }
}

function message(
  id: string,
  parent: string | null,
  role: string,
  text: string | null,
  createdAt: number | null,
): object {
  return {
    author: { object: 'compliance.workspace.conversation.message.author', role, tool_name: null },
    content: text === null ? null : { annotations: [], type: 'text', value: text },
    created_at: createdAt,
    files: { data: [], has_more: false, last_id: null, object: 'list' },
    gpt_id: null,
    id,
    object: 'compliance.workspace.conversation.message',
    parent_id: parent,
  };
}
