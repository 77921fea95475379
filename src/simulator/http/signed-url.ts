import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SignedFile {
  readonly principalId: string;
  readonly fileId: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly file: SignedFile }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' | 'expired' };

/**
 * Short-lived capability URLs for the download origin, like a cloud store's pre-signed URLs:
 * the token names the file and its expiry and is HMAC-signed with a per-instance secret, so the
 * URL alone authorises the download and no bearer token is needed (or accepted) there.
 * Expiry uses real time: it is about how long a client sits on the URL.
 */
export class UrlSigner {
  private readonly secret = randomBytes(32);
  constructor(
    private readonly ttlMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  sign(file: SignedFile): string {
    const payload = Buffer.from(
      JSON.stringify({ p: file.principalId, f: file.fileId, x: this.now() + this.ttlMs() }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  verify(token: string): VerifyResult {
    const [payload, mac, extra] = token.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined)
      return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'bad_signature' };
    }
    let body: { p?: unknown; f?: unknown; x?: unknown };
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof body.p !== 'string' || typeof body.f !== 'string' || typeof body.x !== 'number') {
      return { ok: false, reason: 'malformed' };
    }
    if (this.now() >= body.x) return { ok: false, reason: 'expired' };
    return { ok: true, file: { principalId: body.p, fileId: body.f } };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
