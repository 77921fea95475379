import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isCfError } from '../../../../src/core/errors/index.ts';
import type { WatermarkPosition } from '../../../../src/engine/watermark.ts';
import { type FilesStreamSource, filesStream } from '../../../../src/sources/files/index.ts';

/* The files source as the service polls it (`follow`): a directory still being written to. */
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cf-follow-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function stream(pattern: string, follow: boolean, resume?: WatermarkPosition): FilesStreamSource {
  return filesStream({
    pattern,
    eventType: 'ARCHIVE',
    principalId: 'local-archive',
    segmentBytes: 64 * 1024,
    follow,
    ...(resume === undefined ? {} : { resume }),
  });
}

/** Reads every segment as the pipeline would; returns the bytes and the last checkpoint. */
async function replay(
  s: FilesStreamSource,
): Promise<{ text: string; resume: WatermarkPosition | undefined }> {
  const signal = new AbortController().signal;
  let text = '';
  let resume: WatermarkPosition | undefined;
  let delivered = 0;
  for await (const file of s.files(signal)) {
    for await (const chunk of s.open(file, signal)) text += (chunk as Buffer).toString('utf8');
    const p = file.checkpoint!();
    resume = { endTime: p.endTime, idsAtEndTime: p.ids, filesDelivered: ++delivered };
  }
  return { text, resume };
}

test('following, a pattern that matches nothing yet lists nothing; a replay still refuses it', async () => {
  const pattern = join(dir, 'empty-*.jsonl');
  assert.deepEqual(await replay(stream(pattern, true)), { text: '', resume: undefined });
  await assert.rejects(
    replay(stream(pattern, false)),
    (e: unknown) => isCfError(e) && e.code === 'CF_ERR_ARCHIVE_READ',
  );
});

test('following, an unfinished last line waits for its line break and is then delivered whole', async () => {
  const path = join(dir, 'growing.jsonl');
  // Long enough to span several read chunks, so the held-back tail crosses chunk boundaries.
  const whole = Array.from(
    { length: 3000 },
    (_, i) => `${JSON.stringify({ event_id: `e${i}`, pad: 'x'.repeat(60) })}\n`,
  ).join('');
  await writeFile(path, `${whole}{"event_id":"late","n"`);

  const first = await replay(stream(path, true));
  assert.equal(first.text, whole, 'every finished line, and not the unfinished one');
  assert.equal(first.resume?.idsAtEndTime[0], `${Buffer.byteLength(whole)}:${path}`);
  // Nothing new: a poll delivers nothing and the checkpoint stays where it was.
  const idle = await replay(stream(path, true, first.resume));
  assert.equal(idle.text, '');

  await appendFile(path, ':1}\n{"event_id":"next"}\n');
  const second = await replay(stream(path, true, first.resume));
  assert.equal(second.text, '{"event_id":"late","n":1}\n{"event_id":"next"}\n');

  // A one-off replay (export) takes the file as it is, unfinished line included.
  const tail = join(dir, 'tail.jsonl');
  await writeFile(tail, '{"a":1}\n{"b":');
  assert.equal((await replay(stream(tail, false))).text, '{"a":1}\n{"b":');
});

test('following, an unchanged gzip file read to its end is not decompressed again to find its end', async () => {
  const path = join(dir, 'day.jsonl.gz');
  const text = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `{"event_id":"g${from + i}"}\n`).join('');
  await writeFile(path, gzipSync(text(0, 2000)));
  const readToEnd = new Map<string, string>();
  const follow = (resume?: WatermarkPosition) =>
    filesStream({
      pattern: path,
      eventType: 'ARCHIVE',
      principalId: 'local-archive',
      segmentBytes: 64 * 1024,
      follow: true,
      readToEnd,
      ...(resume === undefined ? {} : { resume }),
    });
  const first = await replay(follow());
  assert.equal(first.text, text(0, 2000));

  const again = follow(first.resume);
  assert.equal((await replay(again)).text, '');
  assert.equal(again.progress().bytesRead, 0, 'not opened');
  const without = stream(path, true, first.resume);
  assert.equal((await replay(without)).text, '');
  assert.ok(without.progress().bytesRead > 0, 'without what the last poll learned, it is read again');

  // A grown file (another gzip member appended) is read from the checkpoint on.
  await appendFile(path, gzipSync(text(2000, 2100)));
  assert.equal((await replay(follow(first.resume))).text, text(2000, 2100));
});
