import { BlockList, isIP } from 'node:net';
import type { ProxyAgent } from 'undici';
import { CfError } from '../core/errors/index.js';
import { Secret } from '../core/secret.js';
import { undici } from './undici.js';

/**
 * The one decision point for egress: for each target URL, direct or through which forward proxy.
 *
 * Where the proxy comes from, first match wins:
 *   1. the config (`http.proxy.url`, credentials from `http.proxy.username` + `password` secret);
 *   2. the environment: `https_proxy`/`HTTPS_PROXY` for https targets, `http_proxy`/`HTTP_PROXY`
 *      for http targets (lower case first, as curl does), unless `http.proxy.env: false`.
 * Which targets bypass it: `http.proxy.noProxy` when set, else `no_proxy`/`NO_PROXY`.
 *
 * NO_PROXY entries (comma or space separated, case-insensitive), the rules of curl, Go and undici:
 *   `*`              every target goes direct;
 *   `example.com`    that host and every subdomain (`api.example.com`);
 *   `.example.com`   the same (a leading dot or `*.` is dropped);
 *   `host:8443`      that host (and subdomains) on that port only;
 *   `10.1.2.3`, `::1`, `[::1]:443`   an IP literal, exactly;
 *   `10.0.0.0/8`     an IPv4 or IPv6 range (CIDR), for IP-literal targets.
 * A target is matched by its host name as written in the URL: no DNS lookups.
 *
 * https targets go through a CONNECT tunnel (undici's ProxyAgent): the proxy sees `host:port` and
 * nothing of the request (path, query, headers, keys). http targets are tunnelled too.
 */

/** A forward proxy, with its credentials kept apart from the URL. */
export interface ProxyEndpoint {
  /** The proxy URL without credentials, e.g. http://proxy.corp:3128. */
  readonly uri: string;
  /** `Proxy-Authorization` value (Basic), when the proxy needs credentials. */
  readonly authorization?: Secret;
}

/** The `http.proxy` settings as parsed (see http/config.ts), the password already resolved. */
export interface ProxySettings {
  readonly url?: string;
  readonly noProxy?: readonly string[];
  readonly username?: string;
  readonly password?: Secret;
  /** Read the proxy environment variables (default true). */
  readonly env?: boolean;
}

/** Which proxy, if any, each target URL goes through. Build once per process; immutable. */
export class HttpEgress {
  readonly #https: ProxyEndpoint | undefined;
  readonly #http: ProxyEndpoint | undefined;
  readonly #noProxy: NoProxy;

  private constructor(https: ProxyEndpoint | undefined, http: ProxyEndpoint | undefined, noProxy: NoProxy) {
    this.#https = https;
    this.#http = http;
    this.#noProxy = noProxy;
  }

  /** Direct to everything. */
  static direct(): HttpEgress {
    return new HttpEgress(undefined, undefined, new NoProxy([]));
  }

  /** From the config's `http.proxy` (if any) and the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). */
  static create(settings: ProxySettings = {}, env: NodeJS.ProcessEnv = process.env): HttpEgress {
    const useEnv = settings.env ?? true;
    const noProxy = new NoProxy(settings.noProxy ?? (useEnv ? splitList(envOf(env, 'no_proxy') ?? '') : []));
    if (settings.url !== undefined && settings.url !== '') {
      const endpoint = proxyEndpoint(settings.url, 'http.proxy.url', settings);
      return new HttpEgress(endpoint, endpoint, noProxy);
    }
    if (!useEnv) return new HttpEgress(undefined, undefined, noProxy);
    const https = envOf(env, 'https_proxy');
    const http = envOf(env, 'http_proxy');
    return new HttpEgress(
      https ? proxyEndpoint(https, 'HTTPS_PROXY', settings) : undefined,
      http ? proxyEndpoint(http, 'HTTP_PROXY', settings) : undefined,
      noProxy,
    );
  }

  /** The proxy for this target, or undefined to go direct. */
  proxyFor(target: URL): ProxyEndpoint | undefined {
    const proxy =
      target.protocol === 'https:' ? this.#https : target.protocol === 'http:' ? this.#http : undefined;
    if (proxy === undefined || this.#noProxy.bypasses(target)) return undefined;
    return proxy;
  }

  /** For logs: the proxies in use, without credentials. */
  describe(): { https?: string; http?: string } {
    return {
      ...(this.#https ? { https: this.#https.uri } : {}),
      ...(this.#http ? { http: this.#http.uri } : {}),
    };
  }
}

/** The environment variable in lower case, else upper case; empty counts as unset. */
function envOf(env: NodeJS.ProcessEnv, lower: string): string | undefined {
  const v = env[lower] || env[lower.toUpperCase()];
  return v ? v.trim() : undefined;
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A proxy URL's endpoint: scheme http or https (a bare host:port is taken as http://), credentials
 * moved out of the URL into a Proxy-Authorization secret (the config's username/password win).
 * Error messages name the setting, never the URL (it may hold a password).
 */
export function proxyEndpoint(raw: string, where: string, settings: ProxySettings = {}): ProxyEndpoint {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new CfError('CF_ERR_CONFIG', `The proxy URL in ${where} is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CfError(
      'CF_ERR_CONFIG',
      `The proxy URL in ${where} must be http:// or https://, not ${url.protocol}//.`,
    );
  }
  const user = settings.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password =
    settings.password?.reveal() ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const uri = `${url.protocol}//${url.host}`;
  if (user === undefined || user === '') return { uri };
  // A Secret registers its value with redactSecrets, the last line of defence for logs and errors.
  if (password) new Secret(password);
  return {
    uri,
    authorization: new Secret(`Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`),
  };
}

interface NoProxyEntry {
  /** Lower-case host name or IP (IPv6 without brackets); '' for `*`. */
  readonly host: string;
  readonly port: number | undefined;
}

/** NO_PROXY matching; see the module comment for the rules. */
export class NoProxy {
  readonly #all: boolean;
  readonly #entries: NoProxyEntry[] = [];
  readonly #ranges = new BlockList();
  #hasRanges = false;

  constructor(entries: readonly string[]) {
    let all = false;
    for (const raw of entries.flatMap((e) => splitList(e))) {
      const entry = raw.toLowerCase();
      if (entry === '*') {
        all = true;
        continue;
      }
      const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(entry);
      if (cidr) {
        const type = isIP(cidr[1]!) === 6 ? 'ipv6' : isIP(cidr[1]!) === 4 ? 'ipv4' : undefined;
        if (type !== undefined) {
          this.#ranges.addSubnet(cidr[1]!, Number(cidr[2]), type);
          this.#hasRanges = true;
        }
        continue;
      }
      this.#entries.push(parseEntry(entry));
    }
    this.#all = all;
  }

  /** True when `target` goes direct. */
  bypasses(target: URL): boolean {
    if (this.#all) return true;
    const host = target.hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    const port = target.port === '' ? (target.protocol === 'https:' ? 443 : 80) : Number(target.port);
    const ipVersion = isIP(host);
    if (ipVersion !== 0 && this.#hasRanges && this.#ranges.check(host, ipVersion === 6 ? 'ipv6' : 'ipv4')) {
      return true;
    }
    for (const e of this.#entries) {
      if (e.port !== undefined && e.port !== port) continue;
      if (host === e.host) return true;
      if (ipVersion === 0 && isIP(e.host) === 0 && host.endsWith(`.${e.host}`)) return true;
    }
    return false;
  }
}

function parseEntry(entry: string): NoProxyEntry {
  let host = entry;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if (isIP(host) !== 6) {
    const withPort = /^(.*):(\d+)$/.exec(host);
    if (withPort) {
      host = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  host = host.replace(/^\*?\./, '').replace(/\.$/, '');
  return { host, port };
}

/** What a dispatcher to the targets needs besides the proxy. */
export interface ProxyDispatcherOptions {
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** TLS options for the target (CA, verification), applied inside the tunnel. */
  readonly targetTls?: Record<string, unknown>;
}

/** undici's ProxyAgent for one proxy: CONNECT tunnels, TLS to the target inside them. */
export function createProxyAgent(proxy: ProxyEndpoint, options: ProxyDispatcherOptions): ProxyAgent {
  return new (undici().ProxyAgent)({
    uri: proxy.uri,
    ...(proxy.authorization ? { token: proxy.authorization.reveal() } : {}),
    connections: options.connections,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    proxyTls: { timeout: options.connectTimeoutMs },
    requestTls: { timeout: options.connectTimeoutMs, ...options.targetTls },
  });
}
