import { timingSafeEqual } from 'node:crypto';
import type { EventType } from '../event-types.js';

export interface ApiKey {
  readonly key: string;
  readonly scopes: '*' | readonly EventType[];
}

export type AuthResult =
  | { readonly ok: true; readonly key: ApiKey }
  | { readonly ok: false; readonly status: 401 | 403; readonly code: string; readonly message: string };

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Bearer keys and their scopes. Missing or malformed Authorization: 401. A well-formed bearer
 * that is not a known key: 403 (as the brief's API does). Scopes are checked per requested
 * event type by the routes, with `isScoped`.
 */
export class KeyRing {
  constructor(private readonly keys: readonly ApiKey[]) {}

  authenticate(header: string | undefined): AuthResult {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      return {
        ok: false,
        status: 401,
        code: 'missing_api_key',
        message: 'Missing bearer authentication: send `Authorization: Bearer <admin key>`.',
      };
    }
    const presented = match[1]!;
    const key = this.keys.find((k) => sameString(k.key, presented));
    if (key === undefined) {
      return { ok: false, status: 403, code: 'invalid_api_key', message: 'The API key is not valid.' };
    }
    return { ok: true, key };
  }

  static isScoped(key: ApiKey, type: EventType): boolean {
    return key.scopes === '*' || key.scopes.includes(type);
  }
}
