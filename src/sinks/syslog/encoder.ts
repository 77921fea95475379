import type { PipelineRecord } from '../../core/record.js';
import type { Formatter } from './format.js';

export type OversizePolicy = 'dead-letter' | 'truncate' | 'fail';

/** Ends a truncated MSG, so a reader can tell it from a complete record. */
export const TRUNCATION_MARKER = '...[truncated]';

export type Encoded =
  /** The syslog message (no framing) is `head` then `body`; `bytes` is its UTF-8 size. */
  | {
      readonly fits: true;
      readonly head: string;
      readonly body: string;
      readonly bytes: number;
      readonly truncatedFrom?: number;
    }
  /** Over the limit and the policy does not truncate (or the header alone is too big). */
  | { readonly fits: false; readonly bytes: number };

export interface EncoderOptions {
  /** Largest message in bytes, framing excluded. */
  readonly maxBytes: number;
  readonly policy: OversizePolicy;
  /** Newline framing: an LF inside a message would end it early, so it is written as `\n`. */
  readonly escapeNewlines: boolean;
}

/** Turns a record into one syslog message and applies the size limit. */
export class MessageEncoder {
  private readonly markerBytes = Buffer.byteLength(TRUNCATION_MARKER, 'utf8');

  constructor(
    private readonly format: Formatter,
    private readonly options: EncoderOptions,
  ) {}

  /** Largest message in bytes, framing excluded. */
  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /**
   * The head of the record's message, when MSG is the record's line unchanged (so its bytes can be
   * copied without reading it as text); undefined when the formatter rewrites MSG. The caller still
   * applies the size limit (`encode` when over it) and, with newline framing, must not copy a line
   * holding an LF byte (`encode` escapes it).
   */
  headOf(record: PipelineRecord): string | undefined {
    const headOf = this.format.headOf;
    if (headOf === undefined) return undefined;
    const head = headOf(record);
    return this.options.escapeNewlines && head.includes('\n') ? head.replaceAll('\n', '\\n') : head;
  }

  /** `lineBytes`, when known, is the UTF-8 size of `record.line` (saves a pass over big records). */
  encode(record: PipelineRecord, lineBytes?: number): Encoded {
    let { head, body } = this.format(record);
    let bodyBytes = body === record.line ? lineBytes : undefined;
    if (this.options.escapeNewlines) {
      if (head.includes('\n')) head = head.replaceAll('\n', '\\n');
      if (body.includes('\n')) {
        body = body.replaceAll('\n', '\\n');
        bodyBytes = undefined;
      }
    }
    const headBytes = Buffer.byteLength(head, 'utf8');
    const bytes = headBytes + (bodyBytes ?? Buffer.byteLength(body, 'utf8'));
    if (bytes <= this.options.maxBytes) return { fits: true, head, body, bytes };
    if (this.options.policy !== 'truncate') return { fits: false, bytes };
    const room = this.options.maxBytes - headBytes - this.markerBytes;
    if (room < 0) return { fits: false, bytes };
    const cut = cutUtf8(body, room);
    return {
      fits: true,
      head,
      body: cut + TRUNCATION_MARKER,
      bytes: headBytes + Buffer.byteLength(cut, 'utf8') + this.markerBytes,
      truncatedFrom: bytes,
    };
  }
}

/** The longest prefix of `text` that is at most `maxBytes` of UTF-8, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // A continuation byte (10xxxxxx) at the cut means the character started before it.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}
