import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';
import { CfError } from '../../core/errors/index.js';
import { type KafkaCodec, withCompressAhead } from './compress-ahead.js';
import { ZSTD_MIN_NODE, zstdAvailable, zstdCompress, zstdDecompress } from './zstd.js';

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * LZ4 with lz4js (pure JS, no build step). Kafka's v2 record batches carry a standard LZ4 frame
 * (magic 0x184D2204, descriptor checksum), which is what lz4js writes and reads.
 */
export function createLz4Codec(): KafkaCodec {
  return {
    async compress(encoder) {
      return toBuffer(lz4.compress(encoder.buffer));
    },
    async decompress(buffer) {
      return toBuffer(lz4.decompress(buffer));
    },
  };
}

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

/**
 * gzip as kafkajs's built-in codec does it (zlib's default level, as librdkafka's), but with the
 * output chunk as large as the input: zlib's default 16 KiB chunks make a several-hundred-KiB
 * record batch a dozen round trips between the libuv pool and the main thread, each with its
 * callback and buffer, where one does.
 */
export function createGzipCodec(): KafkaCodec {
  return {
    compress: (encoder) => gzip(encoder.buffer, { chunkSize: chunkFor(encoder.buffer.length) }),
    decompress: (buffer) => unzip(buffer, { chunkSize: chunkFor(buffer.length * 4) }),
  };
}

/** zlib's chunkSize for `bytes` of output at most: its default at least, 8 MiB at most. */
function chunkFor(bytes: number): number {
  return Math.min(Math.max(bytes + 1024, zlib.constants.Z_DEFAULT_CHUNK), 8 * 1024 * 1024);
}

export function createZstdCodec(): KafkaCodec {
  return {
    compress: (encoder) => zstdCompress(encoder.buffer),
    decompress: (buffer) => zstdDecompress(buffer),
  };
}

/** A compression's kafkajs type and the codec that does it (none for no compression). */
export interface CompressionChoice {
  readonly type: number;
  readonly codec: KafkaCodec | undefined;
}

function codecFor(compression: Exclude<KafkaCompression, 'none'>): KafkaCodec {
  switch (compression) {
    case 'gzip':
      return createGzipCodec();
    case 'snappy':
      return createSnappyCodec();
    case 'lz4':
      return createLz4Codec();
    case 'zstd':
      if (!zstdAvailable()) {
        throw new CfError(
          'CF_ERR_CONFIG',
          `Kafka sink: zstd compression needs Node.js >= ${ZSTD_MIN_NODE} (this is ${process.version}); choose gzip, snappy or lz4.`,
        );
      }
      return createZstdCodec();
  }
}

/**
 * Registers the codec for `compression` with kafkajs (for gzip in place of kafkajs's own), able
 * to answer from batches compressed ahead, and returns it with the kafkajs compression type to
 * send with. Only the chosen codec is registered: kafkajs keeps one process-wide table, and a
 * codec nobody chose has no business in it.
 */
export function useCompression(compression: KafkaCompression): CompressionChoice {
  const { CompressionTypes, CompressionCodecs } = kafkajs;
  if (compression === 'none') return { type: CompressionTypes.None, codec: undefined };
  const codec = codecFor(compression);
  const type = {
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  }[compression];
  (CompressionCodecs as Record<number, () => KafkaCodec>)[type] = () => withCompressAhead(codec);
  return { type, codec };
}
