import type { CfError, ErrorCode } from '../../../core/errors/index.js';

/** Why a record was refused, as its dead-letter entry and metric say it. Secret-free. */
export interface Rejection {
  /** CF_ERR_RECORD_REJECTED (the receiver refused it) or CF_ERR_RECORD_TOO_LARGE. */
  readonly code: ErrorCode;
  /** One sentence naming the receiver and its answer. */
  readonly reason: string;
  /** The answer as structured, secret-free details (status, the receiver's error type...). */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** The `reason` label of cf_discarded_events_total, e.g. `hec_rejected`, `es_rejected`. */
  readonly metric: string;
}

/** What the receiver said about one record of a request that answered per item. */
export type ItemVerdict =
  | { readonly kind: 'accepted' }
  /** Send this record again (alone with the other retried ones), after a backoff. */
  | { readonly kind: 'retry'; readonly error: CfError }
  /** Dead-letter this record with the reason: the receiver will never take it. */
  | { readonly kind: 'rejected'; readonly rejection: Rejection };

/**
 * What the sink does with the receiver's answer to one request carrying a run of records. A
 * sink's whole answer policy is the function that maps its receiver's answers to this type:
 *
 *   accepted    every record is delivered; `confirmation` (optional) resolves 'unconfirmed'
 *               when the receiver later says it lost them (Splunk indexer ack): sent again
 *   items       one verdict per record, in order (a bulk answer): accepted ones are done,
 *               rejected ones dead-lettered, retry ones sent again together after a backoff
 *   too-large   413: split the run in halves; a lone record is dead-lettered with `rejection`
 *   rejected    the receiver refused the run because of one record: `index` names it (the
 *               records before it are sent again, it is sent alone, then the rest), else
 *               bisect; a lone record is dead-lettered with `rejection`
 *   retry       transient (429, 5xx, busy): retry the same request with capped backoff and
 *               jitter, honouring the error's retryAfterMs (Retry-After)
 *   fatal       auth refused, misconfiguration, an unknown answer: the sink fails, the
 *               records stay unacknowledged
 */
export type DeliveryVerdict =
  | {
      readonly kind: 'accepted';
      readonly confirmation?: Promise<'confirmed' | 'unconfirmed'> | undefined;
    }
  | { readonly kind: 'items'; readonly items: readonly ItemVerdict[] }
  | { readonly kind: 'too-large'; readonly rejection: Rejection }
  | { readonly kind: 'rejected'; readonly index: number | undefined; readonly rejection: Rejection }
  | { readonly kind: 'retry'; readonly error: CfError }
  | { readonly kind: 'fatal'; readonly error: CfError };
