import { createRequire } from 'node:module';

/**
 * A faster encoder for kafkajs's v2 records, put in place of kafkajs's own.
 *
 * Why: kafkajs 2.2.4 (its last release; the project is no longer maintained) encodes each record
 * through six zero-filled 512-byte Encoders (the record and one per header), a `Buffer.from`
 * per varint and a 64-bit Long per timestamp delta, then copies each into the batch. For the
 * ~2 KB records this tool forwards that was the largest share of the Kafka sink's CPU after
 * compression. This encoder measures the record once and writes it into one buffer of exactly
 * its size. The bytes are the same: a property test holds it to kafkajs's encoder on random
 * keys, values, headers and deltas, and anything outside the shapes it knows (a number as a
 * value, a timestamp delta beyond 2^31) is handed to kafkajs's own encoder.
 *
 * How: kafkajs's produce request (protocol/requests/produce/v3/request.js, which v4 to v7 reuse)
 * takes `Record` from its module when it is first required, and kafkajs requires it lazily on
 * its first produce. Replacing that module's exports in the CommonJS cache before then is all
 * it takes. It is done only for the kafkajs version this was checked against; any other
 * version keeps its own encoder.
 */

/** What kafkajs's produce request passes its Record function. */
interface RecordInput {
  readonly offsetDelta?: number;
  readonly timestampDelta?: number;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** The part of kafkajs's Encoder that the record batch reads from a record (`writeEncoderArray`). */
interface EncodedRecord {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

type RecordFunction = (input: RecordInput) => EncodedRecord;

export const CHECKED_KAFKAJS_VERSION = '2.2.4';
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';

const require = createRequire(import.meta.url);

/** Bytes of a zig-zag varint of a 32-bit signed value. */
function varIntSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

function writeVarInt(buf: Buffer, offset: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

/** One record field: a key, value or header value (string or bytes) or null. */
interface Field {
  bytes: number;
  text: string | null;
  raw: Uint8Array | null;
}

/** The field's UTF-8 size, or undefined when it is a shape this encoder leaves to kafkajs. */
function fieldOf(value: unknown): Field | undefined {
  if (value === null || value === undefined) return { bytes: -1, text: null, raw: null };
  if (typeof value === 'string') return { bytes: Buffer.byteLength(value, 'utf8'), text: value, raw: null };
  if (Buffer.isBuffer(value)) return { bytes: value.length, text: null, raw: value };
  return undefined;
}

function fieldSize(field: Field): number {
  return field.bytes < 0 ? varIntSize(-1) : varIntSize(field.bytes) + field.bytes;
}

function writeField(buf: Buffer, offset: number, field: Field): number {
  let at = writeVarInt(buf, offset, field.bytes);
  if (field.text !== null) at += buf.write(field.text, at, 'utf8');
  else if (field.raw !== null) {
    buf.set(field.raw, at);
    at += field.raw.length;
  }
  return at;
}

/**
 * The encoded headers of the frozen header objects seen so far: the Kafka sink shares one frozen
 * object among all the records of a file, so their headers are encoded once. An object that is
 * not frozen could change between records and is encoded each time.
 */
const encodedHeaders = new WeakMap<object, Buffer>();

/** The headers part of a record (count, then each name and value), or undefined if not ours to encode. */
function headersPart(headers: Readonly<Record<string, unknown>>): Buffer | undefined {
  const frozen = Object.isFrozen(headers);
  if (frozen) {
    const known = encodedHeaders.get(headers);
    if (known !== undefined) return known;
  }
  const entries: Array<{ name: string; nameBytes: number; value: Field }> = [];
  let size = 0;
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    for (const one of Array.isArray(v) ? v : [v]) {
      // kafkajs measures a header value with Buffer.byteLength, which throws on null: not ours to change.
      if (one === null || one === undefined) return undefined;
      const value = fieldOf(one);
      if (value === undefined) return undefined;
      const nameBytes = Buffer.byteLength(name, 'utf8');
      entries.push({ name, nameBytes, value });
      size += varIntSize(nameBytes) + nameBytes + fieldSize(value);
    }
  }
  const part = Buffer.allocUnsafe(varIntSize(entries.length) + size);
  let at = writeVarInt(part, 0, entries.length);
  for (const e of entries) {
    at = writeVarInt(part, at, e.nameBytes);
    at += part.write(e.name, at, 'utf8');
    at = writeField(part, at, e.value);
  }
  if (frozen) encodedHeaders.set(headers, part);
  return part;
}

const NO_HEADERS: Readonly<Record<string, unknown>> = Object.freeze({});

/** One record measured: its fields, its encoded headers and its size. */
interface RecordPlan {
  readonly offsetDelta: number;
  readonly timestampDelta: number;
  readonly key: Field;
  readonly value: Field;
  readonly headers: Buffer;
  /** The record after its length varint. */
  readonly body: number;
  /** The whole record. */
  readonly size: number;
}

function planRecord(input: RecordInput): RecordPlan | undefined {
  const offsetDelta = input.offsetDelta ?? 0;
  const timestampDelta = input.timestampDelta ?? 0;
  // kafkajs writes the delta as a 64-bit varlong; within 30 bits the bytes are the varint's.
  if (!Number.isInteger(timestampDelta) || timestampDelta < -0x40000000 || timestampDelta >= 0x40000000)
    return undefined;
  if (!Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta >= 0x40000000) return undefined;
  const key = fieldOf(input.key);
  const value = fieldOf(input.value);
  if (key === undefined || value === undefined) return undefined;
  const headers = headersPart(input.headers ?? NO_HEADERS);
  if (headers === undefined) return undefined;
  const body =
    1 +
    varIntSize(timestampDelta) +
    varIntSize(offsetDelta) +
    fieldSize(key) +
    fieldSize(value) +
    headers.length;
  return { offsetDelta, timestampDelta, key, value, headers, body, size: varIntSize(body) + body };
}

function writeRecord(plan: RecordPlan, buf: Buffer, offset: number): number {
  let at = writeVarInt(buf, offset, plan.body);
  buf[at++] = 0; // attributes: none used on records
  at = writeVarInt(buf, at, plan.timestampDelta);
  at = writeVarInt(buf, at, plan.offsetDelta);
  at = writeField(buf, at, plan.key);
  at = writeField(buf, at, plan.value);
  buf.set(plan.headers, at);
  return at + plan.headers.length;
}

/**
 * Encodes one record exactly as kafkajs's `recordBatch/record/v0` does, or returns undefined
 * for inputs it leaves to kafkajs.
 */
export function encodeRecord(input: RecordInput): Buffer | undefined {
  const plan = planRecord(input);
  if (plan === undefined) return undefined;
  const buf = Buffer.allocUnsafe(plan.size);
  writeRecord(plan, buf, 0);
  return buf;
}

/**
 * Set on a kafkajs message whose record was encoded ahead of its send (`encodeRecordsAhead`): the
 * installed Record function hands these bytes over instead of encoding the record again.
 */
export const ENCODED_AHEAD = Symbol('compliance-forwarder.encodedAhead');

interface EncodedAhead {
  readonly bytes: Buffer;
  readonly offsetDelta: number;
  readonly timestampDelta: number;
}

/** A kafkajs message as the transport builds it; the record encoded ahead rides along. */
export interface AheadMessage {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers: Readonly<Record<string, string | Buffer>>;
  /** Epoch milliseconds as digits (kafkajs's form); the record batch's deltas are taken from them. */
  readonly timestamp?: string;
  [ENCODED_AHEAD]?: EncodedAhead;
}

/**
 * Encodes `messages` as the records of one partition's produce request, the way kafkajs will
 * when it sends them in this order in one request without timestamps (offset deltas 0..n-1,
 * timestamp deltas 0), into one buffer: the bytes kafkajs compresses. Each message keeps its
 * slice. Returns undefined when the encoder is not installed or a message is not of the shapes
 * it encodes (kafkajs then encodes them itself, as usual).
 */
export function encodeRecordsAhead(messages: readonly AheadMessage[]): Buffer | undefined {
  if (installed !== true) return undefined;
  const plans: RecordPlan[] = [];
  const deltas = timestampDeltas(messages);
  if (deltas === undefined) return undefined;
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const plan = planRecord({
      offsetDelta: i,
      timestampDelta: deltas[i]!,
      key: m.key,
      value: m.value,
      headers: m.headers,
    });
    if (plan === undefined) return undefined;
    plans.push(plan);
    total += plan.size;
  }
  const body = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < plans.length; i++) {
    const end = writeRecord(plans[i]!, body, at);
    messages[i]![ENCODED_AHEAD] = {
      bytes: body.subarray(at, end),
      offsetDelta: i,
      timestampDelta: deltas[i]!,
    };
    at = end;
  }
  return body;
}

/**
 * The timestamp deltas kafkajs's produce request gives these messages (produce/v3/request.js:
 * the first of the timestamps sorted as kafkajs sorts them, as strings, is the batch's first
 * timestamp): all zero when none has a timestamp; undefined when only some have one (kafkajs
 * then stamps the others with its own clock, which cannot be known ahead).
 */
function timestampDeltas(messages: readonly AheadMessage[]): number[] | undefined {
  const stamps: string[] = [];
  for (const m of messages) if (m.timestamp != null) stamps.push(m.timestamp);
  if (stamps.length === 0) return messages.map(() => 0);
  if (stamps.length !== messages.length) return undefined;
  const first = Number(stamps.sort()[0]);
  return messages.map((m) => Number(m.timestamp) - first);
}

let installed: boolean | undefined;
/** kafkajs's own encoder, kept when it is replaced. */
let kafkajsRecord: RecordFunction | undefined;

/**
 * Puts `encodeRecord` in place of kafkajs's record encoder, once per process. Returns whether it
 * is in place; false when kafkajs is another version or its produce request was loaded first.
 */
export function installRecordEncoder(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== CHECKED_KAFKAJS_VERSION) return false;
  const produceRequestPath = require.resolve(PRODUCE_REQUEST_MODULE);
  // Loaded already: it holds kafkajs's Record, and a second copy of the module would be worse.
  if (require.cache[produceRequestPath] !== undefined) return false;
  const recordPath = require.resolve(RECORD_MODULE);
  const original = require(RECORD_MODULE) as RecordFunction;
  const cached = require.cache[recordPath];
  if (cached === undefined) return false;
  kafkajsRecord = original;
  cached.exports = ((input: RecordInput & { [ENCODED_AHEAD]?: EncodedAhead }): EncodedRecord => {
    // kafkajs spreads the message into the input, so a record encoded ahead arrives with it.
    const ahead = input[ENCODED_AHEAD];
    if (
      ahead !== undefined &&
      ahead.offsetDelta === input.offsetDelta &&
      ahead.timestampDelta === input.timestampDelta
    )
      return { buf: ahead.bytes, buffer: ahead.bytes };
    const buf = encodeRecord(input);
    return buf === undefined ? original(input) : { buf, buffer: buf };
  }) satisfies RecordFunction;
  installed = true;
  return true;
}

/** kafkajs's own record encoder, for the tests that hold `encodeRecord` to it. */
export function kafkajsRecordEncoder(): (input: RecordInput) => Buffer {
  const original = kafkajsRecord ?? (require(RECORD_MODULE) as RecordFunction);
  return (input) => original(input).buffer;
}
