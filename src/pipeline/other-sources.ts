import type { Readable } from 'node:stream';
import { resolveSecret } from '../config/secret-ref.js';
import type { RateLimiterRegistry } from '../http/index.js';
import {
  type AuditLogsSourceConfig,
  auditLogsStreamKey,
  createAuditLogsClient,
  createAuditLogsStream,
} from '../sources/audit-logs/index.js';
import {
  type ConversationsSourceConfig,
  conversationsStreamKey,
  createConversationsClient,
  createConversationsStream,
} from '../sources/conversations/index.js';
import { createFilesStreams, type FilesSourceConfig } from '../sources/files/index.js';
import type { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { VERSION } from '../version.js';
import type { StreamSource } from './stream-source.js';

/** A source other than the Compliance Logs Platform, as `export --source` names it. */
export type OtherSource =
  | { readonly type: 'audit-logs'; readonly config: AuditLogsSourceConfig }
  | { readonly type: 'conversations'; readonly config: ConversationsSourceConfig }
  | { readonly type: 'files'; readonly config: FilesSourceConfig };

export interface OtherSourceDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly limiters: RateLimiterRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly checkpoints: CheckpointStore | undefined;
  readonly stdin?: Readable;
}

/** The streams of one export window of another source, and what to close after the run. */
export async function otherSourceStreams(
  source: OtherSource,
  window: { after: string; before?: string },
  deps: OtherSourceDeps,
): Promise<{ streams: StreamSource[]; close(): Promise<void> }> {
  const common = {
    limiters: deps.limiters,
    metrics: deps.metrics,
    logger: deps.logger,
    userAgent: `compliance-forwarder/${VERSION}`,
  };
  switch (source.type) {
    case 'audit-logs': {
      const adminKey = resolveSecret(source.config.adminKey, 'The OpenAI admin key', deps.env);
      const client = createAuditLogsClient(source.config, { adminKey, ...common });
      const resume = await deps.checkpoints?.load(
        auditLogsStreamKey(source.config.organizationId, source.config),
      );
      return {
        streams: [createAuditLogsStream(client, source.config, window, resume)],
        close: () => client.close(),
      };
    }
    case 'conversations': {
      const apiKey = resolveSecret(source.config.apiKey, 'The Compliance API key', deps.env);
      const client = createConversationsClient(source.config, { apiKey, ...common });
      const key = conversationsStreamKey(source.config.workspaceId, source.config.perMessage);
      const resume = await deps.checkpoints?.load(key);
      return {
        streams: [createConversationsStream(client, source.config, window, resume)],
        close: () => client.close(),
      };
    }
    case 'files': {
      const checkpoints = deps.checkpoints;
      const streams = await createFilesStreams(source.config, {
        ...(checkpoints === undefined ? {} : { resumeOf: (k: string) => checkpoints.load(k) }),
        ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
      });
      return { streams, close: async () => {} };
    }
  }
}
