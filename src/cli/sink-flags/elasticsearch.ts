import { CfError } from '../../core/errors/index.js';
import { secretFromEnv } from '../../core/secret-ref.js';
import { opt, type SinkFlags, str } from './types.js';

export const elasticsearchFlags: SinkFlags = {
  kind: 'elasticsearch',
  selector: 'es-url',
  options: {
    'es-url': { type: 'string' },
    'es-index': { type: 'string' },
    'es-no-gzip': { type: 'boolean' },
    'es-ca': { type: 'string' },
    'es-insecure': { type: 'boolean' },
  },
  usage: `  --es-url URL            elasticsearch: https://es:9200 (ES_API_KEY or ES_API_KEY_FILE, or
                          ES_USERNAME and ES_PASSWORD, each also as *_FILE; none: no auth)
  --es-index TEMPLATE     elasticsearch: index or data stream, {type} = event type in lower case
                          (default logs-openai.compliance.{type}-default)
  --es-no-gzip            elasticsearch: send uncompressed
  --es-ca PATH            elasticsearch: CA certificate (PEM) for TLS
  --es-insecure           elasticsearch: do not verify TLS certificates (logs a warning)`,
  build(flags, env) {
    const url = str(flags, 'es-url');
    if (url === undefined) throw new CfError('CF_ERR_USAGE', '--sink elasticsearch needs --es-url URL.');
    const tls = {
      ...opt('ca', str(flags, 'es-ca')),
      ...(flags['es-insecure'] ? { rejectUnauthorized: false } : {}),
    };
    const apiKey = secretFromEnv('ES_API_KEY', env);
    const auth =
      apiKey !== undefined
        ? { apiKey }
        : {
            ...opt('username', secretFromEnv('ES_USERNAME', env)),
            ...opt('password', secretFromEnv('ES_PASSWORD', env)),
          };
    return {
      type: 'elasticsearch',
      url,
      ...auth,
      ...opt('index', str(flags, 'es-index')),
      ...(flags['es-no-gzip'] ? { gzip: false } : {}),
      ...(Object.keys(tls).length === 0 ? {} : { tls }),
    };
  },
};
