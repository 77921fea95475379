import type { Readable } from 'node:stream';
import { CfError } from '../../core/errors/index.js';
import {
  type HttpClient,
  type HttpResponse,
  httpStatusError,
  limitedRequest,
  type RateLimiter,
  readErrorMessage,
} from '../../http/index.js';
import { complianceApiError, fileExpiredError } from './api-errors.js';
import type { FileDescriptor } from './list-page.js';

/** Which upstream endpoint a transfer is at (metrics label, and which limiter a 429 pauses). */
export type Endpoint = 'list' | 'download' | 'signed';

export interface TransferDeps {
  /** Bound to the API origin; carries the bearer token. */
  api: HttpClient;
  /** No credentials at all; follows the redirect to the signed host. */
  signed: HttpClient;
  downloadLimiter: RateLimiter;
  /** `…/workspaces/{id}/logs` */
  logsUrl: string;
  principalId: string;
}

/** Hops allowed on the signed-URL side (a CDN may redirect once more), never back with the token. */
const MAX_SIGNED_REDIRECTS = 3;
const BYTES_HEADERS = { accept: '*/*', 'accept-encoding': 'identity' };

/**
 * One transfer of a whole file: Download on the API host (download limiter), then its redirect on
 * the credential-free client, whatever host the Location names. Resolves with the body from byte
 * 0. `phase.endpoint` tracks where it is, for the caller's retry bookkeeping.
 * 404 is CF_ERR_FILE_EXPIRED; a signed host refusing the URL is CF_ERR_REDIRECT (retriable: a
 * fresh Download brings a fresh URL).
 */
export async function openTransfer(
  deps: TransferDeps,
  file: FileDescriptor,
  signal: AbortSignal,
  phase: { endpoint: Endpoint },
  highWaterMark: number | undefined,
): Promise<Readable> {
  phase.endpoint = 'download';
  const hwm = highWaterMark === undefined ? {} : { highWaterMark };
  const url = new URL(`${deps.logsUrl}/${encodeURIComponent(file.id)}`);
  const res = await limitedRequest(deps.api, deps.downloadLimiter, url, {
    endpoint: 'download',
    signal,
    headers: BYTES_HEADERS,
    ...hwm,
  });
  const what = `Download of ${file.id}`;
  if (res.statusCode >= 200 && res.statusCode <= 299) return res.body; // served by the API host itself
  if (isRedirect(res.statusCode)) {
    const location = await redirectTarget(res, url, what);
    phase.endpoint = 'signed';
    return fetchSigned(deps.signed, location, file, signal, hwm, 0);
  }
  if (res.statusCode === 404) throw await fileExpiredError(file, res);
  throw await complianceApiError(what, res, [file.event_type], deps.principalId);
}

async function fetchSigned(
  signed: HttpClient,
  url: URL,
  file: FileDescriptor,
  signal: AbortSignal,
  hwm: { highWaterMark?: number },
  hops: number,
): Promise<Readable> {
  // Only host names reach messages: the path and query of a signed URL are a credential.
  const what = `The signed URL host ${url.host} for ${file.id}`;
  const res = await signed.request(url, { endpoint: 'signed', signal, headers: BYTES_HEADERS, ...hwm });
  if (res.statusCode >= 200 && res.statusCode <= 299) return res.body;
  if (isRedirect(res.statusCode) && hops < MAX_SIGNED_REDIRECTS) {
    const next = await redirectTarget(res, url, what);
    return fetchSigned(signed, next, file, signal, hwm, hops + 1);
  }
  const { statusCode } = res;
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) throw await httpStatusError(what, res);
  // An expired or refused signature: a fresh Download gives a fresh URL.
  const said = await readErrorMessage(res.body);
  throw new CfError(
    'CF_ERR_REDIRECT',
    `${what} answered HTTP ${statusCode}${said ? `: ${said}` : ''}; downloading again for a fresh URL.`,
    { details: { fileId: file.id, status: statusCode } },
  );
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The Location of a redirect, resolved against the request URL; the redirect's body is discarded. */
async function redirectTarget(res: HttpResponse, from: URL, what: string): Promise<URL> {
  // dump() reads the small body so the connection can be reused; failing to, it destroys it.
  await res.body.dump().catch(() => undefined);
  const raw = res.headers.location;
  const location = Array.isArray(raw) ? raw[0] : raw;
  let target: URL | undefined;
  try {
    target = location ? new URL(location, from) : undefined;
  } catch {
    target = undefined;
  }
  if (!target || (target.protocol !== 'https:' && target.protocol !== 'http:')) {
    throw new CfError(
      'CF_ERR_REDIRECT',
      `${what} answered HTTP ${res.statusCode} without a usable http(s) Location.`,
      {
        details: { status: res.statusCode },
      },
    );
  }
  return target;
}
