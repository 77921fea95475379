import { CfError } from '../../core/errors/index.js';
import { secretFromEnv } from '../../core/secret-ref.js';
import { opt, type SinkFlags, str } from './types.js';

export const syslogFlags: SinkFlags = {
  kind: 'syslog',
  selector: 'syslog-url',
  options: {
    'syslog-url': { type: 'string' },
    'syslog-format': { type: 'string' },
    'syslog-framing': { type: 'string' },
    'syslog-facility': { type: 'string' },
    'syslog-app-name': { type: 'string' },
    'syslog-ca': { type: 'string' },
    'syslog-cert': { type: 'string' },
    'syslog-key': { type: 'string' },
    'syslog-max-message-bytes': { type: 'string' },
    'syslog-oversize': { type: 'string' },
  },
  usage: `  --syslog-url URL        syslog: udp://host:514, tcp://host:514 or tcp+tls://host:6514
  --syslog-format F       syslog: rfc5424 (default) or rfc3164
  --syslog-framing F      syslog TCP/TLS: octet-counting (default) or newline
  --syslog-facility F     syslog: facility name (default user)
  --syslog-app-name NAME  syslog: APP-NAME (default compliance-forwarder)
  --syslog-ca PATH        syslog TLS: CA certificate (PEM)
  --syslog-cert PATH      syslog TLS: client certificate for mutual TLS
  --syslog-key PATH       syslog TLS: client key (passphrase: SYSLOG_KEY_PASSPHRASE[_FILE])
  --syslog-max-message-bytes N  syslog: largest message (2048 for UDP/3164, 65536 TCP/TLS)
  --syslog-oversize P     syslog: dead-letter (default), truncate or fail`,
  build(flags, env) {
    const url = str(flags, 'syslog-url');
    if (url === undefined) throw new CfError('CF_ERR_USAGE', '--sink syslog needs --syslog-url URL.');
    const max = str(flags, 'syslog-max-message-bytes');
    const key = str(flags, 'syslog-key');
    const tls = {
      ...opt('caFile', str(flags, 'syslog-ca')),
      ...opt('certFile', str(flags, 'syslog-cert')),
      ...opt('key', key === undefined ? undefined : { file: key }),
      ...opt('keyPassphrase', key === undefined ? undefined : secretFromEnv('SYSLOG_KEY_PASSPHRASE', env)),
    };
    return {
      type: 'syslog',
      url,
      ...opt('format', str(flags, 'syslog-format')),
      ...opt('framing', str(flags, 'syslog-framing')),
      ...opt('facility', str(flags, 'syslog-facility')),
      ...opt('appName', str(flags, 'syslog-app-name')),
      ...opt('messageMaxBytes', max === undefined ? undefined : Number(max)),
      ...opt('oversizePolicy', str(flags, 'syslog-oversize')),
      ...(Object.keys(tls).length === 0 ? {} : { tls }),
    };
  },
};
