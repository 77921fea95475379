import { resolveSecret } from '../../core/secret-ref.js';
import { readCaFile } from '../../http/index.js';
import type { Sink, SinkContext } from '../shared/contract.js';
import type { ElasticsearchSinkConfig } from './config.js';
import { type ElasticsearchAuth, ElasticsearchSink } from './sink.js';

export { type ElasticsearchSinkConfig, elasticsearchSinkConfigSchema } from './config.js';

/**
 * Builds an Elasticsearch sink from its parsed config. Resolves the API key or user/password
 * (env or file) and reads tls.ca now, so a missing secret or CA file fails before anything
 * starts. See ElasticsearchSink (sink.ts) and docs/sinks/elasticsearch.md for the guarantees.
 */
export function createElasticsearchSink(config: ElasticsearchSinkConfig, ctx: SinkContext): Sink {
  const ca =
    config.tls.ca === undefined ? undefined : readCaFile(config.tls.ca, 'tls.ca of the elasticsearch sink');
  return new ElasticsearchSink(config, ctx, { auth: resolveAuth(config), ca });
}

function resolveAuth(config: ElasticsearchSinkConfig): ElasticsearchAuth {
  if (config.apiKey !== undefined) {
    return { kind: 'api-key', apiKey: resolveSecret(config.apiKey, 'The Elasticsearch API key') };
  }
  if (config.username !== undefined && config.password !== undefined) {
    return {
      kind: 'basic',
      username: resolveSecret(config.username, 'The Elasticsearch user name'),
      password: resolveSecret(config.password, 'The Elasticsearch password'),
    };
  }
  return { kind: 'none' };
}
