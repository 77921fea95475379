import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CfError } from '../../core/errors/index.js';

export interface ReorderBufferOptions {
  /** Bytes of pages held in memory; past this every page goes to a temporary file. */
  readonly memoryMaxBytes: number;
  /** Where the temporary file is created. */
  readonly spillDirectory: string;
}

/**
 * Blocks that arrive newest first, handed back oldest first, in bounded memory. Up to
 * `memoryMaxBytes` they stay in memory; past it they all go to a temporary file, and only an
 * (offset, length) pair per block stays in memory. The file is unlinked as soon as it is opened,
 * so nothing is left behind whatever happens to the process; its space is freed on `close()`.
 *
 * Use: `add()` every block (each is already oldest first inside), then `oldestFirst()` once,
 * then `close()`.
 */
export class ReorderBuffer {
  readonly #opts: ReorderBufferOptions;
  #memory: Buffer[] = [];
  #memoryBytes = 0;
  #file: FileHandle | undefined;
  #fileBytes = 0;
  /** offset, length of each spilled block, in arrival order. */
  #index: number[] = [];

  constructor(opts: ReorderBufferOptions) {
    this.#opts = opts;
  }

  get spilled(): boolean {
    return this.#file !== undefined;
  }

  get blocks(): number {
    return this.#file === undefined ? this.#memory.length : this.#index.length / 2;
  }

  async add(block: Buffer): Promise<void> {
    if (block.length === 0) return;
    if (this.#file === undefined && this.#memoryBytes + block.length <= this.#opts.memoryMaxBytes) {
      this.#memory.push(block);
      this.#memoryBytes += block.length;
      return;
    }
    if (this.#file === undefined) await this.#spill();
    await this.#append(block);
  }

  /** Every block, the last added first. */
  async *oldestFirst(): AsyncGenerator<Buffer> {
    if (this.#file === undefined) {
      while (this.#memory.length > 0) {
        const block = this.#memory.pop()!;
        this.#memoryBytes -= block.length;
        yield block;
      }
      return;
    }
    for (let i = this.#index.length - 2; i >= 0; i -= 2) {
      const offset = this.#index[i]!;
      const length = this.#index[i + 1]!;
      const block = Buffer.allocUnsafe(length);
      try {
        const { bytesRead } = await this.#file.read(block, 0, length, offset);
        if (bytesRead !== length) throw new Error(`read ${bytesRead} of ${length} bytes`);
      } catch (err) {
        throw new CfError('CF_ERR_SPILL_IO', 'Cannot read back the audit log spill file.', { cause: err });
      }
      this.#index.length = i;
      yield block;
    }
  }

  async close(): Promise<void> {
    this.#memory = [];
    this.#memoryBytes = 0;
    this.#index = [];
    const file = this.#file;
    this.#file = undefined;
    await file?.close().catch(() => undefined);
  }

  async #spill(): Promise<void> {
    const path = join(
      this.#opts.spillDirectory,
      `cf-audit-logs-${process.pid}-${randomBytes(6).toString('hex')}.spill`,
    );
    try {
      this.#file = await open(path, 'w+', 0o600);
      await rm(path, { force: true });
    } catch (err) {
      await this.#file?.close().catch(() => undefined);
      this.#file = undefined;
      throw new CfError(
        'CF_ERR_SPILL_IO',
        `Cannot create a spill file in ${this.#opts.spillDirectory} to reorder audit log pages.`,
        { cause: err },
      );
    }
    const held = this.#memory;
    this.#memory = [];
    this.#memoryBytes = 0;
    for (const block of held) await this.#append(block);
  }

  async #append(block: Buffer): Promise<void> {
    try {
      let written = 0;
      while (written < block.length) {
        const r = await this.#file!.write(block, written, block.length - written, this.#fileBytes + written);
        written += r.bytesWritten;
      }
    } catch (err) {
      throw new CfError('CF_ERR_SPILL_IO', 'Cannot write the audit log spill file (disk full?).', {
        cause: err,
      });
    }
    this.#index.push(this.#fileBytes, block.length);
    this.#fileBytes += block.length;
  }
}
