// Type declarations for the two untyped codec packages the Kafka sink uses.

declare module 'lz4js' {
  /** Compresses to one LZ4 frame (the format Kafka uses for lz4 record batches). */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Decompresses one LZ4 frame. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}

declare module 'kafkajs-snappy' {
  /** A kafkajs codec factory for Kafka's (xerial-framed) snappy. */
  const createSnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export default createSnappyCodec;
}
