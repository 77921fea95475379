/**
 * What the simulator saw, for tests to assert on (`sim.stats()`, `GET /__control/stats`).
 * Counters only grow; take two snapshots and subtract to measure one step.
 */
export interface SimulatorStats {
  /** Requests that reached the list route (any outcome). */
  listRequests: number;
  /** Requests that reached the download route on the API origin (any outcome). */
  downloadRequests: number;
  maxEventTimeRequests: number;
  /** Requests to the signed-URL origin (any outcome). */
  signedRequests: number;
  /** 307 redirects handed out. */
  redirects: number;
  /** 401 and 403 answers on the API origin. */
  authFailures: number;
  /** 429 answers, in all and per endpoint. */
  rateLimited: number;
  rateLimitedList: number;
  rateLimitedDownload: number;
  /** Injected 5xx answers. */
  serverErrors: number;
  /** Requests to the signed origin that carried an Authorization header (each refused). */
  authHeadersOnSigned: number;
  /** Signed URLs refused as expired or tampered with. */
  signedUrlsRefused: number;
  /** Downloads answered 404 because the file is expired (fault or retention). */
  expiredFiles: number;
  resets: number;
  truncations: number;
  stalls: number;
  /** Bodies served completely by the signed origin. */
  filesServed: number;
  /** Body bytes written by the signed origin. */
  bytesServed: number;
  /** Requests that reached the audit log route (any outcome). */
  auditLogRequests: number;
  /** Requests that reached the conversations route (any outcome), pages answered, body bytes. */
  conversationRequests: number;
  conversationPages: number;
  conversationBytes: number;
}

export function emptyStats(): SimulatorStats {
  return {
    listRequests: 0,
    downloadRequests: 0,
    maxEventTimeRequests: 0,
    signedRequests: 0,
    redirects: 0,
    authFailures: 0,
    rateLimited: 0,
    rateLimitedList: 0,
    rateLimitedDownload: 0,
    serverErrors: 0,
    authHeadersOnSigned: 0,
    signedUrlsRefused: 0,
    expiredFiles: 0,
    resets: 0,
    truncations: 0,
    stalls: 0,
    filesServed: 0,
    bytesServed: 0,
    auditLogRequests: 0,
    conversationRequests: 0,
    conversationPages: 0,
    conversationBytes: 0,
  };
}
