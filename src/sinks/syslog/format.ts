import type { PipelineRecord } from '../../core/record.js';

/** What every header field is made from; resolved once from the config. */
export interface HeaderOptions {
  readonly facility: number;
  readonly severityOf: (record: PipelineRecord) => number;
  /** PRINTUSASCII or '-'. */
  readonly hostname: string;
  readonly appName: string;
  /** PRINTUSASCII or '-'. */
  readonly procId: string;
  /** A fixed MSGID; undefined takes the record's event type. */
  readonly msgId: string | undefined;
  /** SD-ID of the metadata element; undefined sends no structured data. */
  readonly sdId: string | undefined;
  /** Start MSG with a UTF-8 byte order mark (RFC 5424 only). */
  readonly bom: boolean;
}

/**
 * One syslog message before framing: `head` is everything up to and including the separator
 * before MSG (and the BOM), `body` is MSG, the record's JSON line. They stay apart so a size
 * policy can cut the body alone.
 */
export interface FormattedMessage {
  readonly head: string;
  readonly body: string;
}

export type Formatter = ((record: PipelineRecord) => FormattedMessage) & {
  /**
   * The head alone, for a formatter whose MSG is always the record's line unchanged: a caller can
   * then copy the line's bytes (writeRecordUtf8) without reading it as text.
   */
  readonly headOf?: (record: PipelineRecord) => string;
};

/** A formatter whose MSG is the record's line, from the function that builds the head. */
export function lineFormatter(headOf: (record: PipelineRecord) => string): Formatter {
  return Object.assign((record: PipelineRecord) => ({ head: headOf(record), body: record.line }), { headOf });
}

/** Replaces anything outside PRINTUSASCII and cuts to `max` characters; '-' when empty. */
export function printUsAscii(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** MSGID per event type, cleaned once per type (a handful of distinct values). */
export function msgIdResolver(fixed: string | undefined): (record: PipelineRecord) => string {
  if (fixed !== undefined) return () => fixed;
  const cache = new Map<string, string>();
  return (record) => {
    const type = record.source.eventType;
    let id = cache.get(type);
    if (id === undefined) {
      id = printUsAscii(type, 32);
      if (cache.size < 1000) cache.set(type, id);
    }
    return id;
  };
}
