import kafkajs from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';
import { CfError } from '../../errors/index.js';
import { ZSTD_MIN_NODE, zstdAvailable, zstdCompress, zstdDecompress } from './zstd.js';

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The shape kafkajs expects from a codec: whole record-batch payloads in and out. */
interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

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

export function createZstdCodec(): KafkaCodec {
  return {
    compress: (encoder) => zstdCompress(encoder.buffer),
    decompress: (buffer) => zstdDecompress(buffer),
  };
}

/**
 * Registers the codec for `compression` with kafkajs (gzip is built in) and returns the
 * kafkajs compression type to send with. Only the chosen codec is registered: kafkajs keeps
 * one process-wide table, and a codec nobody chose has no business in it.
 */
export function useCompression(compression: KafkaCompression): number {
  const { CompressionTypes, CompressionCodecs } = kafkajs;
  switch (compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      CompressionCodecs[CompressionTypes.Snappy] = createSnappyCodec;
      return CompressionTypes.Snappy;
    case 'lz4':
      CompressionCodecs[CompressionTypes.LZ4] = createLz4Codec;
      return CompressionTypes.LZ4;
    case 'zstd':
      if (!zstdAvailable()) {
        throw new CfError(
          'CF_ERR_CONFIG',
          `Kafka sink: zstd compression needs Node.js >= ${ZSTD_MIN_NODE} (this is ${process.version}); choose gzip, snappy or lz4.`,
        );
      }
      CompressionCodecs[CompressionTypes.ZSTD] = createZstdCodec;
      return CompressionTypes.ZSTD;
  }
}
