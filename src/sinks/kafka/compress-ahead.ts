/**
 * Record batches compressed ahead of their send.
 *
 * Why: kafkajs compresses a partition's records inside its produce call, and its idempotent
 * producer holds a lock on the broker from before the compression until the broker answers. So
 * per broker, compressing the next request waits for the previous answer, and the compression
 * (most of the sink's CPU with gzip) never overlaps the network. librdkafka compresses while
 * earlier requests are in flight. This does the same: the transport encodes and compresses a
 * partition's records as soon as the sink has cut them, and the codec kafkajs calls at send time
 * finds the finished result by the bytes it is asked to compress.
 *
 * Found by content, never by position: an entry serves only a request whose record bytes are
 * identical to what was compressed, so a request this did not prepare (or prepared differently)
 * is compressed on the spot as before, and a retry reuses the same result.
 */

/** The shape kafkajs expects from a codec: whole record-batch payloads in and out. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

interface Entry {
  readonly records: Buffer;
  readonly compressed: Promise<Buffer>;
}

/** Process-wide, as kafkajs's table of codecs is. */
const byLength = new Map<number, Entry[]>();

function remove(entry: Entry): void {
  const list = byLength.get(entry.records.length);
  if (list === undefined) return;
  const i = list.indexOf(entry);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) byLength.delete(entry.records.length);
}

/**
 * Starts compressing `records` with `codec` and keeps the result for the send; returns the
 * function that drops it, to call once the send settled. A failed compression is dropped at
 * once, so the send compresses again itself and reports any error then.
 */
export function compressAhead(codec: KafkaCodec, records: Buffer): () => void {
  const entry: Entry = { records, compressed: codec.compress({ buffer: records }) };
  entry.compressed.catch(() => remove(entry));
  const list = byLength.get(records.length);
  if (list === undefined) byLength.set(records.length, [entry]);
  else list.push(entry);
  return () => remove(entry);
}

function compressedAhead(records: Buffer): Promise<Buffer> | undefined {
  const list = byLength.get(records.length);
  if (list === undefined) return undefined;
  for (const entry of list) if (entry.records.equals(records)) return entry.compressed;
  return undefined;
}

/** Batches compressed ahead and not yet released (for tests and leak checks). */
export function pendingAhead(): number {
  let n = 0;
  for (const list of byLength.values()) n += list.length;
  return n;
}

/** `codec`, answering from the batches compressed ahead when the bytes match one. */
export function withCompressAhead(codec: KafkaCodec): KafkaCodec {
  return {
    compress: (encoder) => compressedAhead(encoder.buffer) ?? codec.compress(encoder),
    decompress: (buffer) => codec.decompress(buffer),
  };
}
