import * as zlib from 'node:zlib';

/**
 * Zstandard through Node's own zlib binding (added in Node 22.15 / 23.8). There is no pure-JS
 * zstd worth using and the native npm bindings build from source for a minute, so on an older
 * Node the `zstd` compression is refused when the configuration is validated.
 */
type Callback = (err: Error | null, result: Buffer) => void;
interface ZstdZlib {
  zstdCompress?: (buf: Buffer, cb: Callback) => void;
  zstdDecompress?: (buf: Buffer, cb: Callback) => void;
}

const native = zlib as unknown as ZstdZlib;

/** The Node version that brought zstd to node:zlib (on the 22 line). */
export const ZSTD_MIN_NODE = '22.15';

export function zstdAvailable(): boolean {
  return typeof native.zstdCompress === 'function' && typeof native.zstdDecompress === 'function';
}

function call(fn: ((buf: Buffer, cb: Callback) => void) | undefined, buf: Buffer): Promise<Buffer> {
  if (fn === undefined) {
    return Promise.reject(new Error(`zstd needs Node.js >= ${ZSTD_MIN_NODE} (this is ${process.version}).`));
  }
  return new Promise((resolve, reject) => fn(buf, (err, out) => (err ? reject(err) : resolve(out))));
}

/** Compresses one buffer to a zstd frame, off the main thread (libuv pool) like gzip. */
export function zstdCompress(buf: Buffer): Promise<Buffer> {
  return call(native.zstdCompress, buf);
}

export function zstdDecompress(buf: Buffer): Promise<Buffer> {
  return call(native.zstdDecompress, buf);
}
