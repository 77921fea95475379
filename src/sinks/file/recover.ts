import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import { PARTIAL_SUFFIX } from './rotating-file.js';

/**
 * Finishes files a crashed run left with their temporary name. Whole lines in them were written
 * before their records were acknowledged, so they belong to the output; a torn last line was
 * never acknowledged (it will be sent again) and is cut off. Plain files are truncated after
 * their last newline and renamed; gzip files (no trailer) are decoded up to their last sync
 * flush and re-encoded as complete gzip files, streaming. Returns the paths it finished.
 */
export async function recoverPartialFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const finished: string[] = [];
  for (const name of names) {
    if (!name.startsWith('.') || !name.endsWith(PARTIAL_SUFFIX)) continue;
    const partial = join(dir, name);
    const target = join(dir, name.slice(1, -PARTIAL_SUFFIX.length));
    if (target.endsWith('.gz')) {
      await pipeline(
        createReadStream(partial),
        createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }),
        wholeLinesOnly(),
        createGzip(),
        createWriteStream(target, { mode: 0o640 }),
      );
      await rm(partial);
    } else {
      await truncateAfterLastNewline(partial);
      await rename(partial, target);
    }
    finished.push(target);
  }
  return finished;
}

/** Passes bytes through up to the last newline seen; drops a trailing partial line. */
function wholeLinesOnly(): Transform {
  let held: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const nl = chunk.lastIndexOf(0x0a);
      if (nl < 0) {
        held.push(chunk);
        return cb();
      }
      const out = Buffer.concat([...held, chunk.subarray(0, nl + 1)]);
      held = [chunk.subarray(nl + 1)];
      cb(null, out);
    },
    flush(cb) {
      held = [];
      cb();
    },
  });
}

async function truncateAfterLastNewline(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(64 * 1024);
    let pos = size;
    while (pos > 0) {
      const start = Math.max(0, pos - buf.length);
      const { bytesRead } = await fh.read(buf, 0, pos - start, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        if (start + nl + 1 < size) await fh.truncate(start + nl + 1);
        return;
      }
      pos = start;
    }
    await fh.truncate(0);
  } finally {
    await fh.close();
  }
}
