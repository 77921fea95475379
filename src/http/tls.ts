import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { CfError } from '../core/errors/index.js';

/**
 * Per-target TLS trust: a CA bundle (PEM) trusted for one target in addition to the public roots
 * and NODE_EXTRA_CA_CERTS, e.g. the CA of a TLS-inspecting proxy or of a private API gateway.
 * Node's `ca` option replaces the default roots, so the bundle is added to them here, once, into
 * a SecureContext every connection to that target shares.
 */

/** Reads a CA file (PEM) named by a config setting; CF_ERR_CONFIG when unreadable or not PEM. */
export function readCaFile(path: string, setting: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CfError('CF_ERR_CONFIG', `Cannot read the CA file ${setting} (${path}).`, { cause: err });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CfError('CF_ERR_CONFIG', `The CA file ${setting} (${path}) holds no PEM certificate.`);
  }
  return text;
}

/** The default trust store: Node's roots plus NODE_EXTRA_CA_CERTS (and the system's with --use-system-ca). */
function defaultCas(): string[] {
  const get = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof get === 'function') return get('default');
  // Node 20: the bundled roots, and NODE_EXTRA_CA_CERTS read the way Node reads it.
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const cas = [...tls.rootCertificates];
  if (extra) {
    try {
      cas.push(readFileSync(extra, 'utf8'));
    } catch {
      // Node itself warns about an unreadable NODE_EXTRA_CA_CERTS at start-up.
    }
  }
  return cas;
}

/** TLS connect options trusting `caPem` besides the defaults; empty when there is no bundle. */
export function tlsTrust(caPem: string | undefined): { secureContext?: tls.SecureContext } {
  if (caPem === undefined) return {};
  return { secureContext: tls.createSecureContext({ ca: [...defaultCas(), caPem] }) };
}
