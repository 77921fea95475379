import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, createGzip, type Gzip } from 'node:zlib';

export const PARTIAL_SUFFIX = '.partial';

/**
 * One output file being written: `<dir>/.<name>.partial` until `finish()` renames it to
 * `<dir>/<name>`. With gzip, each `append` ends on a sync flush, so the partial file always
 * holds whole, decodable deflate blocks for everything appended (recovery relies on it).
 */
export class RotatingFile {
  readonly createdAt = Date.now();
  bytes = 0;
  private gzip: Gzip | undefined;

  private constructor(
    private readonly handle: FileHandle,
    readonly partialPath: string,
    readonly finalPath: string,
    useGzip: boolean,
  ) {
    if (useGzip) {
      this.gzip = createGzip({ level: 6 });
    }
  }

  static async create(dir: string, name: string, gzip: boolean): Promise<RotatingFile> {
    await mkdir(dir, { recursive: true });
    const partialPath = join(dir, `.${name}${PARTIAL_SUFFIX}`);
    const handle = await open(partialPath, 'wx', 0o640);
    return new RotatingFile(handle, partialPath, join(dir, name), gzip);
  }

  async append(text: string | Buffer, fsync: boolean): Promise<void> {
    const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    this.bytes += raw.length;
    const data = this.gzip === undefined ? raw : await this.deflate(raw, constants.Z_SYNC_FLUSH);
    await this.writeAll(data);
    if (fsync) await this.handle.datasync();
    // A removed directory leaves this file unlinked: writes still succeed, into nothing anyone
    // can read. Fail before the caller acknowledges, so the records are sent again.
    if ((await this.handle.stat()).nlink === 0) {
      throw new Error(`${this.partialPath} was removed while being written`);
    }
  }

  /** write(2) may write only part of a buffer (a disk filling up): loop until all of it is written or it fails. */
  private async writeAll(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }

  /** Completes the file (gzip trailer), makes it durable and gives it its final name. */
  async finish(): Promise<void> {
    if (this.gzip !== undefined) {
      const tail = await this.deflate(Buffer.alloc(0), constants.Z_FINISH);
      await this.writeAll(tail);
    }
    await this.handle.sync();
    await this.handle.close();
    await rename(this.partialPath, this.finalPath);
  }

  async abandon(): Promise<void> {
    await this.handle.close().catch(() => {});
  }

  private deflate(input: Buffer, flush: number): Promise<Buffer> {
    const gz = this.gzip!;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (c: Buffer) => chunks.push(c);
      gz.on('data', onData);
      const done = (err?: Error | null) => {
        gz.off('data', onData);
        if (err) reject(err);
        else resolve(Buffer.concat(chunks));
      };
      if (flush === constants.Z_FINISH) {
        gz.once('end', () => done());
        gz.once('error', done);
        gz.end(input);
      } else {
        gz.write(input);
        gz.flush(flush, () => done());
      }
    });
  }
}
