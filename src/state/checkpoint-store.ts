import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CfError } from '../core/errors/index.js';

export const CHECKPOINT_VERSION = 1;

/**
 * A stream's checkpoint: every file listed up to and including `endTime` has been delivered,
 * except that at exactly `endTime` only the files in `idsAtEndTime` are known delivered (files
 * can share an end_time). A restart lists from just before `endTime` and drops those ids.
 */
export interface Checkpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  readonly stream: string;
  readonly endTime: string;
  readonly idsAtEndTime: readonly string[];
  /** Files delivered by this stream since the checkpoint was created (informational). */
  readonly filesDelivered: number;
  readonly updatedAt: string;
}

/**
 * Checkpoints on disk, one JSON file per stream under `<stateDir>/checkpoints/`. Every write is
 * crash-safe: a temporary file is written and fsynced, renamed over the old one, and the
 * directory fsynced; a reader sees the old checkpoint or the new one, never a torn file.
 */
export class CheckpointStore {
  private readonly dir: string;
  private ready: Promise<void> | undefined;

  constructor(readonly stateDir: string) {
    this.dir = join(stateDir, 'checkpoints');
  }

  /** Creates the directory and proves it is writable (readiness checks call this too). */
  async ensureWritable(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        const probe = join(this.dir, `.probe-${process.pid}`);
        const fh = await open(probe, 'w');
        await fh.close();
        await rm(probe, { force: true });
      } catch (err) {
        this.ready = undefined;
        throw new CfError('CF_ERR_STATE_IO', `The state directory ${this.stateDir} is not writable.`, {
          cause: err,
        });
      }
    })();
    return this.ready;
  }

  async load(stream: string): Promise<Checkpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathFor(stream), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CfError('CF_ERR_STATE_IO', `Cannot read the checkpoint of ${stream}.`, { cause: err });
    }
    return parseCheckpoint(text, this.pathFor(stream), stream);
  }

  async save(checkpoint: Omit<Checkpoint, 'version' | 'updatedAt'>): Promise<void> {
    await this.ensureWritable();
    const full: Checkpoint = {
      version: CHECKPOINT_VERSION,
      ...checkpoint,
      updatedAt: new Date().toISOString(),
    };
    const target = this.pathFor(checkpoint.stream);
    const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(full, null, 2)}\n`, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
      const dh = await open(this.dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw new CfError('CF_ERR_STATE_IO', `Cannot write the checkpoint of ${checkpoint.stream}.`, {
        cause: err,
      });
    }
  }

  /** Every checkpoint in the store (for `state show`). Unreadable files are reported, not skipped. */
  async list(): Promise<Array<Checkpoint | { file: string; error: string }>> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CfError('CF_ERR_STATE_IO', `Cannot read ${this.dir}.`, { cause: err });
    }
    const out: Array<Checkpoint | { file: string; error: string }> = [];
    for (const name of names) {
      const file = join(this.dir, name);
      try {
        out.push(parseCheckpoint(await readFile(file, 'utf8'), file));
      } catch (err) {
        out.push({ file, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  /** Removes one stream's checkpoint, or all of them. Returns how many were removed. */
  async reset(stream?: string): Promise<number> {
    if (stream !== undefined) {
      const file = this.pathFor(stream);
      try {
        await rm(file);
        return 1;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw new CfError('CF_ERR_STATE_IO', `Cannot remove ${file}.`, { cause: err });
      }
    }
    const all = await this.list();
    await rm(this.dir, { recursive: true, force: true });
    return all.length;
  }

  /** A readable, collision-free file name for a stream key. */
  pathFor(stream: string): string {
    const readable = stream.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
    const hash = createHash('sha256').update(stream).digest('hex').slice(0, 12);
    return join(this.dir, `${readable}.${hash}.json`);
  }
}

function parseCheckpoint(text: string, file: string, expectedStream?: string): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CfError('CF_ERR_STATE_CORRUPT', `Checkpoint ${file} is not valid JSON.`, { cause: err });
  }
  const v = value as Partial<Checkpoint> | null;
  if (v === null || typeof v !== 'object' || v.version !== CHECKPOINT_VERSION) {
    throw new CfError(
      'CF_ERR_STATE_CORRUPT',
      `Checkpoint ${file} has an unknown version (${String(v?.version)}); this build reads version ${CHECKPOINT_VERSION}.`,
    );
  }
  if (
    typeof v.stream !== 'string' ||
    typeof v.endTime !== 'string' ||
    Number.isNaN(Date.parse(v.endTime)) ||
    !Array.isArray(v.idsAtEndTime) ||
    !v.idsAtEndTime.every((id) => typeof id === 'string')
  ) {
    throw new CfError(
      'CF_ERR_STATE_CORRUPT',
      `Checkpoint ${file} is missing stream, endTime or idsAtEndTime.`,
    );
  }
  if (expectedStream !== undefined && v.stream !== expectedStream) {
    throw new CfError(
      'CF_ERR_STATE_CORRUPT',
      `Checkpoint ${file} belongs to ${v.stream}, not ${expectedStream}.`,
    );
  }
  return v as Checkpoint;
}
