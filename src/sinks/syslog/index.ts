/**
 * The syslog sink: RFC 5424 (default) or RFC 3164 messages over UDP, TCP or TLS (RFC 5425), MSG
 * being the record's JSON line. The only export surface of this folder.
 */
export { type SyslogSinkConfig, syslogSinkConfigSchema } from './config.js';
export { createSyslogSink } from './sink.js';
