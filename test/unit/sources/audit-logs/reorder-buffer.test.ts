import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ReorderBuffer } from '../../../../src/sources/audit-logs/reorder-buffer.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function roundTrip(memoryMaxBytes: number) {
  const dir = await mkdtemp(join(tmpdir(), 'cf-reorder-'));
  dirs.push(dir);
  const buffer = new ReorderBuffer({ memoryMaxBytes, spillDirectory: dir });
  const blocks = Array.from({ length: 50 }, (_, i) => Buffer.from(`block ${i} `.repeat(20 + i)));
  for (const b of blocks) await buffer.add(b);
  const out: Buffer[] = [];
  for await (const b of buffer.oldestFirst()) out.push(b);
  const spilled = buffer.spilled;
  const leftovers = await readdir(dir);
  await buffer.close();
  return { blocks, out, spilled, leftovers };
}

test('blocks come back last added first, in memory', async () => {
  const { blocks, out, spilled } = await roundTrip(1024 * 1024);
  assert.equal(spilled, false);
  assert.deepEqual(out, [...blocks].reverse());
});

test('past the memory bound, blocks go to a spill file that leaves nothing behind', async () => {
  const { blocks, out, spilled, leftovers } = await roundTrip(2048);
  assert.equal(spilled, true);
  assert.deepEqual(out, [...blocks].reverse());
  assert.deepEqual(leftovers, [], 'the spill file is unlinked as soon as it is open');
});

test('an unwritable spill directory is CF_ERR_SPILL_IO naming the directory', async () => {
  const buffer = new ReorderBuffer({ memoryMaxBytes: 1, spillDirectory: '/nonexistent/cf-spill' });
  await assert.rejects(buffer.add(Buffer.from('xx')), (err: { code: string; message: string }) => {
    return err.code === 'CF_ERR_SPILL_IO' && err.message.includes('/nonexistent/cf-spill');
  });
});
