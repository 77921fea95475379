/** Where syslog goes, parsed from `udp://host:port`, `tcp://host:port` or `tcp+tls://host:port`. */
export interface SyslogTarget {
  readonly transport: 'udp' | 'tcp' | 'tls';
  /** Host name or IP address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
}

const SCHEMES: Record<string, SyslogTarget['transport']> = {
  'udp:': 'udp',
  'tcp:': 'tcp',
  'tcp+tls:': 'tls',
  'tls:': 'tls',
};

/** Well-known ports: 514 for UDP and TCP (RFC 5426, RFC 6587 practice), 6514 for TLS (RFC 5425). */
const DEFAULT_PORTS: Record<SyslogTarget['transport'], number> = { udp: 514, tcp: 514, tls: 6514 };

/**
 * Parses a syslog URL. Returns a sentence naming the problem instead of throwing, so the config
 * schema can report it next to every other problem.
 */
export function parseSyslogUrl(text: string): SyslogTarget | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL; expected udp://host:port, tcp://host:port or tcp+tls://host:port.`;
  }
  const transport = SCHEMES[url.protocol];
  if (transport === undefined) {
    return `Unsupported scheme "${url.protocol}"; use udp://, tcp:// or tcp+tls:// (tls:// also works).`;
  }
  if (url.username !== '' || url.password !== '') return 'A syslog URL takes no user name or password.';
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    return 'A syslog URL takes no path, query or fragment: only scheme, host and port.';
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return 'The syslog URL has no host.';
  const port = url.port === '' ? DEFAULT_PORTS[transport] : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `Port ${url.port} is out of range.`;
  return { transport, host, port };
}
