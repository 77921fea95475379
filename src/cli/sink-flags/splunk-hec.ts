import { CfError } from '../../core/errors/index.js';
import { secretFromEnv } from '../../core/secret-ref.js';
import { opt, type SinkFlags, str } from './types.js';

export const splunkHecFlags: SinkFlags = {
  kind: 'splunk-hec',
  selector: 'hec-url',
  options: {
    'hec-url': { type: 'string' },
    'hec-token-file': { type: 'string' },
    'hec-index': { type: 'string' },
    'hec-ack': { type: 'boolean' },
    'hec-no-gzip': { type: 'boolean' },
    'hec-ca': { type: 'string' },
    'hec-insecure': { type: 'boolean' },
  },
  usage: `  --hec-url URL           splunk-hec: https://splunk:8088 (token: HEC_TOKEN or HEC_TOKEN_FILE)
  --hec-token-file PATH   splunk-hec: read the token from a file
  --hec-index NAME        splunk-hec: index (default: the token's)
  --hec-ack               splunk-hec: wait for indexer acknowledgement
  --hec-no-gzip           splunk-hec: send uncompressed
  --hec-ca PATH           splunk-hec: CA certificate (PEM) for TLS
  --hec-insecure          splunk-hec: do not verify TLS certificates (logs a warning)`,
  build(flags, env) {
    const url = str(flags, 'hec-url');
    if (url === undefined) throw new CfError('CF_ERR_USAGE', '--sink splunk-hec needs --hec-url URL.');
    const tokenFile = str(flags, 'hec-token-file');
    const tls = {
      ...opt('ca', str(flags, 'hec-ca')),
      ...(flags['hec-insecure'] ? { rejectUnauthorized: false } : {}),
    };
    return {
      type: 'splunk-hec',
      url,
      ...opt('token', tokenFile !== undefined ? { file: tokenFile } : secretFromEnv('HEC_TOKEN', env)),
      ...opt('index', str(flags, 'hec-index')),
      ...(flags['hec-ack'] ? { useAck: true } : {}),
      ...(flags['hec-no-gzip'] ? { gzip: false } : {}),
      ...(Object.keys(tls).length === 0 ? {} : { tls }),
    };
  },
};
