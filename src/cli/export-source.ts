import type { z } from 'zod';
import type { OtherSource } from '../app/other-sources.js';
import { formatIssues } from '../config/load.js';
import { CfError } from '../core/errors/index.js';
import { secretFromEnv } from '../core/secret-ref.js';
import { auditLogsSourceConfigSchema } from '../sources/audit-logs/index.js';
import { conversationsSourceConfigSchema } from '../sources/conversations/index.js';
import { filesSourceConfigSchema } from '../sources/files/index.js';

export const SOURCE_KINDS = ['compliance-logs', 'audit-logs', 'conversations', 'files'] as const;

export const SOURCE_FLAGS_USAGE = `  --source KIND           compliance-logs (default), audit-logs, conversations, files
  --path P                files: a file, a glob ('archive/**/*.jsonl.gz') or - for stdin (repeatable)
  --per-message           conversations: one event per message
Sources other than compliance-logs: audit-logs needs OPENAI_ADMIN_KEY[_FILE] (base
OPENAI_API_BASE, default https://api.openai.com/v1) and --principal org-...; --event-type
filters its event types. conversations uses the Compliance API key and base and --principal
<workspace>. files needs no key; --event-type names the records' type (default ARCHIVE).`;

export interface SourceFlags {
  readonly source?: string;
  readonly path?: string[];
  readonly 'per-message'?: boolean;
  readonly principal?: string;
}

/**
 * The source `export --source` selects, built and validated from flags and environment;
 * undefined for the Compliance Logs Platform (the config's `source`). Problems are usage errors.
 */
export function otherSourceFromFlags(
  flags: SourceFlags,
  eventTypes: readonly string[],
  env: NodeJS.ProcessEnv,
): OtherSource | undefined {
  const kind = flags.source ?? 'compliance-logs';
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new CfError(
      'CF_ERR_USAGE',
      `Unknown source "${kind}"; expected one of ${SOURCE_KINDS.join(', ')}.`,
    );
  }
  switch (kind) {
    case 'audit-logs':
      return {
        type: 'audit-logs',
        config: parse(auditLogsSourceConfigSchema, {
          type: 'audit-logs',
          organizationId: flags.principal,
          ...(env.OPENAI_API_BASE ? { baseUrl: env.OPENAI_API_BASE } : {}),
          ...withKey('adminKey', secretFromEnv('OPENAI_ADMIN_KEY', env)),
          ...(eventTypes.length > 0 ? { eventTypes } : {}),
        }),
      };
    case 'conversations':
      return {
        type: 'conversations',
        config: parse(conversationsSourceConfigSchema, {
          type: 'conversations',
          workspaceId: flags.principal,
          ...(env.COMPLIANCE_API_BASE ? { baseUrl: env.COMPLIANCE_API_BASE } : {}),
          ...withKey('apiKey', secretFromEnv('COMPLIANCE_API_KEY', env)),
          ...(flags['per-message'] ? { perMessage: true } : {}),
        }),
      };
    case 'files':
      return {
        type: 'files',
        config: parse(filesSourceConfigSchema, {
          type: 'files',
          paths: flags.path ?? [],
          ...(eventTypes[0] === undefined ? {} : { eventType: eventTypes[0] }),
          ...(flags.principal === undefined ? {} : { principalId: flags.principal }),
        }),
      };
    default:
      return undefined;
  }
}

function withKey(name: string, ref: unknown): Record<string, unknown> {
  return ref === undefined ? {} : { [name]: ref };
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CfError('CF_ERR_USAGE', `The source options are invalid:\n${formatIssues(r.error.issues)}`);
  return r.data;
}
