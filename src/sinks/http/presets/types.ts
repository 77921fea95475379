import type { PipelineRecord } from '../../../core/record.js';
import type { Secret } from '../../../core/secret.js';

/** The presets, in the order the docs list them. */
export const PRESET_NAMES = ['ndjson', 'json-array', 'sumo', 'datadog', 'secops'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What an HTTP answer means for the records of the request. */
export type AnswerClass =
  /** Accepted: acknowledge the records. */
  | 'accepted'
  /** Throttled or failing for now (408, 429, 5xx but 501): retry the same request later. */
  | 'retry'
  /** The request is too large (413): split it; a lone record is dead-lettered. */
  | 'too-large'
  /** The receiver refused the content (400): isolate the record it refuses, dead-letter it. */
  | 'rejected'
  /** Credentials, URL or receiver set-up are wrong (401, 403, 404...): stop, records stay unacked. */
  | 'fatal';

/** Documented limits of the receiver, and the defaults the sink uses under them. */
export interface PresetLimits {
  /** Default request body bytes (uncompressed) per batch. */
  readonly batchBytes: number;
  /** Default records per request. */
  readonly batchCount: number;
  /** The receiver's documented ceiling for a request body (uncompressed); the config may not exceed it. */
  readonly maxBatchBytes?: number;
  /** The receiver's documented ceiling for entries per request. */
  readonly maxBatchCount?: number;
  /** Largest entry (as encoded) sent; a larger record is dead-lettered before sending. */
  readonly maxRecordBytes?: number;
}

/** Secrets and settings a preset needs, resolved when the sink is built. */
export interface PresetSecrets {
  readonly apiKey?: Secret;
  readonly webhookSecret?: Secret;
  readonly bearer?: Secret;
  readonly basic?: { readonly username: string; readonly password: Secret };
}

/** One preset made ready for a sink instance (templates parsed, secrets resolved). */
export interface PreparedPreset {
  /** Each entry is the record's line unchanged (the wire can copy the bytes without re-encoding). */
  readonly rawLines?: boolean;
  /** The record as one entry of the body (an NDJSON line or an array element), without separator. */
  entry(record: PipelineRecord): string;
  /** UTF-8 bytes of entry(record), without encoding it when the preset sends the line unchanged. */
  entryBytes(record: PipelineRecord): number;
  /**
   * Records with the same key get the same per-record headers (e.g. X-Sumo-Category per event
   * type): a request carries records of one key only. Undefined when every record shares them.
   */
  groupKey(record: PipelineRecord): string | undefined;
  /**
   * Headers of a request whose records share groupKey(record), secrets revealed: call per
   * request. Undefined for a request without records (a probe): the credentials only.
   */
  headers(record: PipelineRecord | undefined): Record<string, string>;
}

/** A receiver's wire format, headers, limits and answers: data, looked up by name. */
export interface HttpPreset {
  readonly name: PresetName;
  /** The receiver's name in messages: "Sumo Logic HTTP Source". */
  readonly title: string;
  /** The vendor documentation the preset follows. */
  readonly docs: readonly string[];
  readonly body: 'ndjson' | 'json-array';
  readonly contentType: string;
  readonly gzipByDefault: boolean;
  /** The URL carries a token (Sumo): it is a secret, and messages show only its origin. */
  readonly urlIsSecret: boolean;
  readonly limits: PresetLimits;
  /** Lower-case header names the preset sets itself (config `headers` may not override them). */
  readonly reservedHeaders: readonly string[];
  /** What an answer means (its status, and its body where the vendor needs it); `describe` names it. */
  classify(status: number, text: string): AnswerClass;
  describe(status: number): string;
  prepare(settings: PresetSettings): PreparedPreset;
}

/** The resolved settings `prepare` reads. */
export interface PresetSettings {
  readonly secrets: PresetSecrets;
  readonly hostname: string;
  readonly sumo: { readonly category: string; readonly name: string; readonly host?: string | undefined };
  readonly datadog: {
    readonly source: string;
    readonly service: string;
    readonly tags: string;
    readonly hostname?: string | undefined;
  };
}
