import { hexString, type Prng } from '../random.js';
import { hole, numericHole } from './compile.js';
import { envelope, type TemplateContext, userActor } from './envelope.js';
import { alnum, paragraphOfBytes, title } from './text.js';

/**
 * CONVERSATION_MESSAGE: the bulk of the volume. Sizes are skewed like real chats (many short
 * user turns, fewer long assistant answers) and average about 2 KB per record. Message,
 * previous-message and conversation ids are holes, so consecutive records chain into
 * conversations and an edit repeats a message id under a new event_id (see renderer).
 */
export function conversationMessage(rng: Prng, ctx: TemplateContext): object {
  const who = rng.pick(ctx.people);
  const fromUser = rng.chance(0.45);
  const contentBytes = fromUser ? rng.int(60, 900) : rng.int(300, 3000);
  const author = fromUser
    ? { type: 'user', user_id: who.userId, user_email: who.email, name: who.name }
    : { type: 'assistant', name: null, model: rng.pick(['gpt-5', 'gpt-5-thinking', 'gpt-4o', 'o3']) };
  const files = rng.chance(0.15)
    ? [
        {
          id: `file-${alnum(rng, 22)}`,
          name: rng.pick([
            'Résumé 2026.pdf',
            '議事録.docx',
            'budget_Q3.xlsx',
            'diagram (1).png',
            'notes 📝.md',
          ]),
          mime_type: rng.pick(['application/pdf', 'image/png', 'text/markdown']),
          size_bytes: rng.int(2_000, 9_000_000),
        },
      ]
    : [];
  const inGpt = rng.chance(0.2);
  return {
    ...envelope(ctx, userActor(rng, who)),
    previous_message_id: hole('PREV_MESSAGE_ID'),
    message: {
      id: hole('MESSAGE_ID'),
      created_at: numericHole('EPOCH'),
      author,
      content: {
        type: 'text',
        // The FAULT hole sits between two whole sentences, never inside a character.
        value: `${paragraphOfBytes(rng, contentBytes >> 1)}${hole('FAULT')} ${paragraphOfBytes(rng, contentBytes >> 1)}`,
        annotations: rng.chance(0.1)
          ? [{ type: 'url_citation', url: 'https://example.com/docs/über-uns', title: 'Über uns' }]
          : [],
      },
      files,
    },
    conversation: {
      id: hole('CONVERSATION_ID'),
      title: title(rng),
      gpt_id: inGpt ? `g-${alnum(rng, 9)}` : null,
      project_id: rng.chance(0.15) ? `g-p-${hexString(rng, 16)}` : null,
      created_at: 1_750_000_000 + rng.int(0, 5_000_000),
      is_temporary_chat: rng.chance(0.05),
      user_id: who.userId,
    },
  };
}
