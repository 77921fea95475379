import type { PresetSecrets } from './types.js';

/** Authorization for a plain webhook: bearer token or basic auth, revealed per request. */
export function plainAuthHeaders(secrets: PresetSecrets): Record<string, string> {
  if (secrets.bearer !== undefined) return { authorization: `Bearer ${secrets.bearer.reveal()}` };
  if (secrets.basic !== undefined) {
    const pair = `${secrets.basic.username}:${secrets.basic.password.reveal()}`;
    return { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
  }
  return {};
}
