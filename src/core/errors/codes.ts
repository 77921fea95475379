/**
 * The one table of error codes. Every failure the forwarder reports carries one of these codes,
 * and the code decides the outcome (see docs/errors.md, generated from this table):
 *   - retriable: retried in place by the layer that knows idempotency (capped backoff with jitter);
 *   - not retriable: dropped-and-dead-lettered where the caller says so, otherwise fatal.
 * Add a code here (never an ad-hoc string) and describe what the user should do about it.
 */
export interface ErrorCodeInfo {
  readonly retriable: boolean;
  /** One sentence for docs/errors.md: what happened and what to do. */
  readonly doc: string;
}

export const ERROR_CODES = {
  // configuration and usage
  CF_ERR_USAGE: {
    retriable: false,
    doc: 'Bad command-line arguments; the usage text says what is expected (exit 2).',
  },
  CF_ERR_CONFIG: { retriable: false, doc: 'The configuration is invalid; every problem is listed at once.' },
  CF_ERR_SECRET_MISSING: {
    retriable: false,
    doc: 'A required key or token is neither in its environment variable nor in its file.',
  },
  CF_ERR_BAD_TIME: {
    retriable: false,
    doc: 'A time is neither ISO-8601 nor a relative time such as -7d, -90m or -1d@d.',
  },
  // upstream HTTP
  CF_ERR_HTTP_AUTH: {
    retriable: false,
    doc: 'The API answered 401 or 403: the key is wrong, revoked, or lacks the scope for this event type.',
  },
  CF_ERR_HTTP_CLIENT: {
    retriable: false,
    doc: 'The API rejected the request (4xx other than 408/429); the message carries its reply.',
  },
  CF_ERR_HTTP_RATE_LIMITED: { retriable: true, doc: 'The API answered 429; retried after Retry-After.' },
  CF_ERR_HTTP_SERVER: {
    retriable: true,
    doc: 'The API answered 408 or 5xx (not 501); retried with capped exponential backoff.',
  },
  CF_ERR_HTTP_NOT_IMPLEMENTED: { retriable: false, doc: 'The API answered 501; not retried.' },
  CF_ERR_SOCKET: {
    retriable: true,
    doc: 'A connection failed, was reset or timed out; retried with capped exponential backoff.',
  },
  CF_ERR_TIMEOUT: {
    retriable: true,
    doc: 'Headers or body did not arrive within the configured timeout; retried.',
  },
  CF_ERR_PROXY_AUTH: {
    retriable: false,
    doc: 'The forward proxy answered 407 (or 401) to CONNECT: give http.proxy.username and password (or user:password in the proxy URL); not retried.',
  },
  CF_ERR_PROXY_CONNECT: {
    retriable: false,
    doc: 'The forward proxy refused the CONNECT tunnel (e.g. 403: the target host or port is not allowed); not retried. 502/503/504 from the proxy are retried as CF_ERR_HTTP_SERVER.',
  },
  CF_ERR_TLS_VERIFY: {
    retriable: false,
    doc: 'The certificate of an HTTPS peer did not verify; the message names the host and the problem. Trust its CA (tls.ca, or NODE_EXTRA_CA_CERTS), e.g. a TLS-inspecting proxy’s; not retried.',
  },
  CF_ERR_RETRIES_EXHAUSTED: {
    retriable: false,
    doc: 'A retriable failure persisted past the configured number of attempts.',
  },
  CF_ERR_BAD_RESPONSE: {
    retriable: true,
    doc: 'The API answered with a body that is not the documented shape; retried, then fatal.',
  },
  CF_ERR_LIST_TIE_OVERFLOW: {
    retriable: false,
    doc: 'More than 100 log files share one end_time, so List cannot page past them without skipping some; report it to OpenAI.',
  },
  // downloads
  CF_ERR_FILE_EXPIRED: {
    retriable: false,
    doc: 'Download answered 404: the file expired (30-day retention) or is gone. Fatal unless skipping expired files is enabled, which dead-letters it.',
  },
  CF_ERR_INTEGRITY: {
    retriable: true,
    doc: 'A downloaded file did not match its listed file_size or file_sha256; downloaded again, then fatal.',
  },
  CF_ERR_REDIRECT: {
    retriable: true,
    doc: 'Download did not answer with a usable redirect to the signed URL.',
  },
  // local archives and stdin (the files source)
  CF_ERR_ARCHIVE_READ: {
    retriable: false,
    doc: 'A local archive file or stdin could not be read (missing, a directory, no permission, a pattern matching nothing); the message names the path.',
  },
  CF_ERR_ARCHIVE_FORMAT: {
    retriable: false,
    doc: 'A local archive is neither JSON Lines nor one JSON array, is a corrupt gzip, or ends inside its array; the message names the file and byte offset.',
  },
  CF_ERR_SPILL_IO: {
    retriable: false,
    doc: 'The temporary file that puts newest-first audit log pages in oldest-first order could not be written or read (disk full, temp directory not writable); set spillDirectory.',
  },
  // records
  CF_ERR_LINE_TOO_LONG: {
    retriable: false,
    doc: 'A line exceeded the maximum line size; dead-lettered with file id and line number.',
  },
  CF_ERR_BAD_JSON: { retriable: false, doc: 'A line is not a JSON object; dead-lettered.' },
  CF_ERR_BAD_UTF8: { retriable: false, doc: 'A line is not valid UTF-8; dead-lettered.' },
  CF_ERR_RECORD_TOO_LARGE: {
    retriable: false,
    doc: 'A record is larger than the sink accepts; dead-lettered (or fatal/truncated by the sink policy).',
  },
  CF_ERR_RECORD_REJECTED: {
    retriable: false,
    doc: 'A sink rejected one record as invalid; dead-lettered with the reply.',
  },
  CF_ERR_RECORD_UNDELIVERABLE: {
    retriable: false,
    doc: 'A record could not be sent on its own: the connection was reset (or timed out) every time while the destination accepted other requests, e.g. a proxy that drops bodies over its limit instead of answering 413; dead-lettered with its size and the error.',
  },
  // sinks
  CF_ERR_SINK_CONNECT: {
    retriable: true,
    doc: 'A sink could not connect; retried with backoff, readiness turns false.',
  },
  CF_ERR_SINK_AUTH: {
    retriable: false,
    doc: 'A sink rejected the credentials (token wrong or disabled, SASL failure); fatal.',
  },
  CF_ERR_SINK_FATAL: {
    retriable: false,
    doc: 'A sink reported a non-retriable error; fatal, the checkpoint does not advance.',
  },
  CF_ERR_SINK_RETRIABLE: {
    retriable: true,
    doc: 'A sink reported a transient error; retried with capped backoff.',
  },
  CF_ERR_SINK_ACK_TIMEOUT: {
    retriable: true,
    doc: 'Splunk did not confirm indexing within the ack polling budget; the batch is sent again.',
  },
  CF_ERR_SINK_TOPIC: { retriable: false, doc: 'A Kafka topic does not exist and cannot be auto-created.' },
  CF_ERR_SINK_TLS: {
    retriable: false,
    doc: 'A sink TLS handshake failed (receiver certificate not trusted or not for this host, client key or certificate rejected); fatal, fix the TLS settings.',
  },
  CF_ERR_SINK_IO: {
    retriable: false,
    doc: 'A file sink could not write (disk full, directory removed, permissions); fatal.',
  },
  // state
  CF_ERR_STATE_CORRUPT: {
    retriable: false,
    doc: 'A checkpoint file is unreadable or of an unknown version; fix or reset it with `state reset`.',
  },
  CF_ERR_STATE_IO: { retriable: false, doc: 'The state directory is not writable.' },
  // pipeline
  CF_ERR_ABORTED: {
    retriable: false,
    doc: 'The run was stopped by a signal or by another component failing.',
  },
  CF_ERR_INTERNAL: { retriable: false, doc: 'A programming error; please report it with the log.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
