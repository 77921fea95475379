import { join } from 'node:path';
import { CfError } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { Sink, SinkContext } from '../shared/contract.js';
import { JsonLinesEncoder } from '../shared/json-lines.js';
import type { FileSinkConfig } from './config.js';
import { recoverPartialFiles } from './recover.js';
import { RotatingFile } from './rotating-file.js';

export { type FileSinkConfig, fileSinkConfigSchema } from './config.js';
export { recoverPartialFiles } from './recover.js';

/**
 * JSON Lines files under a directory, rotated by size and age. A record is acknowledged once its
 * line is written and fsynced (unless `fsync: false`). Files carry a temporary name until they
 * are complete; `start()` finishes any a crashed run left behind.
 */
class FileSink extends BatchingSink {
  private readonly writers = new Map<string, RotatingFile>();
  private seq = 0;
  private readonly encoder = new JsonLinesEncoder();
  private readonly runId = `${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid}`;

  constructor(
    private readonly config: FileSinkConfig,
    ctx: SinkContext,
  ) {
    super(
      config.name ?? 'file',
      {
        batchMaxCount: 50_000,
        batchMaxBytes: config.batchMaxBytes,
        lingerMs: config.lingerMs,
        maxInFlight: 1,
      },
      ctx,
    );
  }

  override async start(): Promise<void> {
    try {
      const dirs = [this.config.directory];
      if (this.config.perEventType) {
        const { readdir } = await import('node:fs/promises');
        const entries = await readdir(this.config.directory, { withFileTypes: true }).catch(() => []);
        for (const e of entries) if (e.isDirectory()) dirs.push(join(this.config.directory, e.name));
      }
      for (const d of dirs) {
        const done = await recoverPartialFiles(d);
        if (done.length > 0)
          this.ctx.logger.info({ files: done }, 'Finished files left by an interrupted run.');
      }
    } catch (err) {
      throw new CfError('CF_ERR_SINK_IO', `Cannot prepare the output directory ${this.config.directory}.`, {
        cause: err,
      });
    }
  }

  protected async sendBatch(batch: Batch): Promise<void> {
    const groups = new Map<string, readonly PipelineRecord[]>();
    if (this.config.perEventType) {
      for (const r of batch.records) {
        const key = dirSafe(r.source.eventType);
        const list = groups.get(key) as PipelineRecord[] | undefined;
        if (list === undefined) groups.set(key, [r]);
        else list.push(r);
      }
    } else {
      groups.set('', batch.records);
    }
    try {
      for (const [key, records] of groups) {
        const writer = await this.writerFor(key);
        // Encoded just before its write: the encoder's buffer is reused by the next group.
        await writer.append(this.encoder.encode(records), this.config.fsync);
        if (writer.bytes >= this.config.rotateMaxBytes) await this.rotate(key);
      }
    } catch (err) {
      if (err instanceof CfError) throw err;
      this.connected = false;
      throw new CfError(
        'CF_ERR_SINK_IO',
        `Cannot write to ${this.config.directory}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  protected override async disposeSink(): Promise<void> {
    for (const key of [...this.writers.keys()]) {
      if (this.destroyed) {
        // Torn down on an error: leave the temporary name; the next start() finishes it.
        await this.writers.get(key)?.abandon();
        this.writers.delete(key);
      } else {
        await this.rotate(key);
      }
    }
  }

  private async writerFor(key: string): Promise<RotatingFile> {
    let w = this.writers.get(key);
    if (w !== undefined && Date.now() - w.createdAt >= this.config.rotateMaxAgeMs) {
      await this.rotate(key);
      w = undefined;
    }
    if (w === undefined) {
      const dir = key === '' ? this.config.directory : join(this.config.directory, key);
      const name = `${this.config.filePrefix}-${this.runId}-${String(this.seq++).padStart(5, '0')}.jsonl${
        this.config.gzip ? '.gz' : ''
      }`;
      w = await RotatingFile.create(dir, name, this.config.gzip);
      this.writers.set(key, w);
    }
    return w;
  }

  private async rotate(key: string): Promise<void> {
    const w = this.writers.get(key);
    if (w === undefined) return;
    this.writers.delete(key);
    await w.finish();
  }
}

/** Event types come from upstream: never let one name a path outside the directory. */
function dirSafe(eventType: string): string {
  const s = eventType.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return s === '' ? '_' : s;
}

export function createFileSink(config: FileSinkConfig, ctx: SinkContext): Sink {
  return new FileSink(config, ctx);
}
