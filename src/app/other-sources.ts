import type { Readable } from 'node:stream';
import type { Secret } from '../core/secret.js';
import { resolveSecret } from '../core/secret-ref.js';
import type { StreamSource } from '../core/stream-source.js';
import { VERSION } from '../core/version.js';
import type { WatermarkPosition } from '../core/watermark-position.js';
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

/** A source other than the Compliance Logs Platform, as `export --source` and `sources` name it. */
export type OtherSource =
  | { readonly type: 'audit-logs'; readonly config: AuditLogsSourceConfig }
  | { readonly type: 'conversations'; readonly config: ConversationsSourceConfig }
  | { readonly type: 'files'; readonly config: FilesSourceConfig };

/** The time window of one run: `after` exclusive, `before` exclusive (default: now or open). */
export interface SourceWindow {
  readonly after: string;
  readonly before?: string;
}

/** What the API sources' clients share with the rest of the process. */
export interface SourceClientDeps {
  /** One limiter per key and endpoint for the whole process (export's run, or the service). */
  readonly limiters: RateLimiterRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * One API source's client, made once, and the stream of each run from it: export makes one
 * run, the service one per poll, each resuming from the checkpoint the previous one left.
 */
export interface ApiSourceStreams {
  /** The stream key (and checkpoint identity), the same for export and the service. */
  readonly key: string;
  stream(window: SourceWindow, resume: WatermarkPosition | undefined): StreamSource;
  close(): Promise<void>;
}

/** The client of an audit-logs or conversations source, with its key resolved by the caller. */
export function apiSourceStreams(
  source: Exclude<OtherSource, { type: 'files' }>,
  key: Secret,
  deps: SourceClientDeps,
): ApiSourceStreams {
  const common = {
    limiters: deps.limiters,
    metrics: deps.metrics,
    logger: deps.logger,
    userAgent: `compliance-forwarder/${VERSION}`,
  };
  switch (source.type) {
    case 'audit-logs': {
      const config = source.config;
      const client = createAuditLogsClient(config, { adminKey: key, ...common });
      return {
        key: auditLogsStreamKey(config.organizationId, config),
        stream: (window, resume) => createAuditLogsStream(client, config, window, resume),
        close: () => client.close(),
      };
    }
    case 'conversations': {
      const config = source.config;
      const client = createConversationsClient(config, { apiKey: key, ...common });
      return {
        key: conversationsStreamKey(config.workspaceId, config.perMessage),
        stream: (window, resume) => createConversationsStream(client, config, window, resume),
        close: () => client.close(),
      };
    }
  }
}

export interface OtherSourceDeps extends SourceClientDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly checkpoints: CheckpointStore | undefined;
  readonly stdin?: Readable;
}

/** The streams of one export window of another source, and what to close after the run. */
export async function otherSourceStreams(
  source: OtherSource,
  window: SourceWindow,
  deps: OtherSourceDeps,
): Promise<{ streams: StreamSource[]; close(): Promise<void> }> {
  if (source.type === 'files') {
    const checkpoints = deps.checkpoints;
    const streams = await createFilesStreams(source.config, {
      ...(checkpoints === undefined ? {} : { resumeOf: (k: string) => checkpoints.load(k) }),
      ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
    });
    return { streams, close: async () => {} };
  }
  const key =
    source.type === 'audit-logs'
      ? resolveSecret(source.config.adminKey, 'The OpenAI admin key', deps.env)
      : resolveSecret(source.config.apiKey, 'The Compliance API key', deps.env);
  const api = apiSourceStreams(source, key, deps);
  try {
    const resume = await deps.checkpoints?.load(api.key);
    return { streams: [api.stream(window, resume)], close: () => api.close() };
  } catch (err) {
    await api.close();
    throw err;
  }
}
