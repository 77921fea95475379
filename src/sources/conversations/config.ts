import { z } from 'zod';
import { WORKSPACE_ID_PATTERN } from '../../core/principal.js';
import { secretRefSchema } from '../../core/secret-ref.js';
import { eventTimeConfigSchema } from '../shared/event-time.js';
import { upstreamHttpShape } from '../shared/http-settings.js';

/**
 * The legacy Compliance API conversations of one workspace
 * (`GET /v1/compliance/workspaces/{id}/conversations`), for the tenants that still have it.
 */
export const conversationsSourceConfigSchema = z
  .strictObject({
    type: z.literal('conversations').meta({ description: 'The source kind.' }),
    workspaceId: z
      .string()
      .regex(WORKSPACE_ID_PATTERN, 'must be a workspace id (UUID)')
      .meta({ description: 'The ChatGPT workspace.' }),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .default('https://api.chatgpt.com/v1/compliance')
      .meta({
        description: 'Compliance API base URL, as for compliance-logs (env COMPLIANCE_API_BASE overrides).',
      }),
    apiKey: secretRefSchema.default({ env: 'COMPLIANCE_API_KEY' }).meta({
      description: 'The Compliance API key (default: env COMPLIANCE_API_KEY or COMPLIANCE_API_KEY_FILE).',
    }),
    pageSize: z.number().int().min(1).max(500).default(100).meta({
      description:
        'Conversations per page (1..500). Pages are parsed as a stream, so large pages cost no memory.',
    }),
    perMessage: z.boolean().default(false).meta({
      description:
        'Emit one event per message (the conversation with its messages narrowed to that one, as Google SecOps maps them) instead of one per conversation.',
    }),
    overlapMs: z.number().int().min(0).max(86_400_000).default(120_000).meta({
      description:
        'How far before the checkpoint a resumed run re-reads (since_timestamp); versions already delivered there are skipped by id and last_active_at.',
    }),
    maxConversationBytes: z
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024)
      .meta({
        description:
          'Largest conversation held to read its id; a larger one is streamed through as one line, unread (the JSONL splitter then dead-letters it if it exceeds its line limit).',
      }),
    recentKeysMax: z.number().int().min(1).max(100_000).default(10_000).meta({
      description: 'Most conversation versions of the overlap window kept in the checkpoint.',
    }),
    eventTime: eventTimeConfigSchema,
    ...upstreamHttpShape(50),
  })
  .meta({ description: 'Legacy Compliance API conversations of one workspace.' });

export type ConversationsSourceConfig = z.infer<typeof conversationsSourceConfigSchema>;
export type ConversationsSourceConfigInput = z.input<typeof conversationsSourceConfigSchema>;
