import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  filesStream,
  filesStreamKey,
  formatReplayProgress,
  parseResumeToken,
} from '../../src/sources/files/index.ts';
import { loadResume, runSources } from './source-helpers.ts';

/*
 * Local archives through the pipeline: JSON Lines, gzip'd JSON Lines and one JSON array (pretty
 * printed), in path order; a replay stopped midway resumes from its checkpoint (file and offset)
 * and delivers every record once; stdin; progress; and the loud failures.
 */

const SEGMENT_BYTES = 64 * 1024;
let dir: string;
let archive: string;
/** Every record of the archive, in replay order (path order, then file order). */
const expected: string[] = [];

function record(file: string, n: number): Record<string, unknown> {
  return {
    event_id: `${file}-${String(n).padStart(5, '0')}`,
    type: 'AUDIT_LOG',
    timestamp: new Date(Date.UTC(2026, 6, 1) + n * 1000).toISOString(),
    text: n % 7 === 0 ? 'Résumé 会議 🚀 with "quotes", a \\ backslash and a\nnewline' : 'plain text',
  };
}

function records(file: string, count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => record(file, i + 1));
}

const jsonl = (rs: ReadonlyArray<Record<string, unknown>>, eol = '\n') =>
  rs.map((r) => JSON.stringify(r)).join(eol) + eol;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cf-files-'));
  archive = join(dir, 'archive');
  await mkdir(join(archive, '2026', '07'), { recursive: true });
  await mkdir(join(archive, 'exports'), { recursive: true });
  const a = records('a', 1500);
  const b = records('b', 1500);
  const c = records('c', 800);
  // Path order: 2026/07/a.jsonl, 2026/07/b.jsonl.gz, exports/c.json
  await writeFile(join(archive, '2026', '07', 'a.jsonl'), jsonl(a, '\r\n'));
  await writeFile(join(archive, '2026', '07', 'b.jsonl.gz'), gzipSync(jsonl(b)));
  await writeFile(join(archive, 'exports', 'c.json'), JSON.stringify(c, null, 2));
  await writeFile(join(archive, 'exports', 'notes.txt'), 'not matched by the pattern');
  for (const r of [...a, ...b, ...c]) expected.push(r.event_id as string);
});
after(() => rm(dir, { recursive: true, force: true }));

const pattern = () => join(archive, '**', '*.{jsonl,jsonl.gz,json}');

function stream(overrides: Partial<Parameters<typeof filesStream>[0]> = {}) {
  return filesStream({
    pattern: pattern(),
    eventType: 'AUDIT_LOG',
    principalId: 'local-archive',
    segmentBytes: SEGMENT_BYTES,
    ...overrides,
  });
}

test('JSON Lines (CRLF), gzip and a pretty-printed JSON array deliver every record once, in path order', async () => {
  const s = stream();
  const run = await runSources([s], { dedupe: false });
  assert.equal(run.result.error, undefined);
  assert.deepEqual(
    run.objects.map((o) => o.event_id),
    expected,
  );
  assert.deepEqual(run.objects[6], record('a', 7), 'records arrive unchanged (no metadata in this test)');
  assert.equal(run.deadLetter.count, 0);
  const segments = new Set(run.records.map((r) => r.source.fileId));
  assert.ok(segments.size > 6, `${segments.size} segments: files are delivered in parts`);
  const p = s.progress();
  assert.equal(p.filesDone, 3);
  assert.equal(p.bytesRead, p.bytesTotal);
  assert.match(formatReplayProgress(p, Date.now()), /^3\/3 files, .* \(100%\)/);
});

/** Runs a replay that is stopped (drained or aborted) once `limit` records reached the sink. */
async function interrupted(state: string, limit: number, how: 'drain' | 'abort') {
  const stop = new AbortController();
  let seen = 0;
  const s = stream();
  const run = await runSources([s], {
    stateDir: state,
    dedupe: false,
    concurrency: 2,
    ...(how === 'drain' ? { stopPulling: stop.signal } : { signal: stop.signal }),
    onRecords: (n) => {
      seen += n;
      if (seen >= limit) stop.abort();
    },
  });
  return run;
}

test('a replay drained midway resumes from its checkpoint and delivers every record exactly once', async () => {
  const state = await mkdtemp(join(dir, 'state-'));
  const first = await interrupted(state, 1800, 'drain');
  assert.equal(first.result.error, undefined);
  assert.ok(first.objects.length < expected.length, 'the first run stopped early');
  const checkpoint = await loadResume(state, filesStreamKey(pattern()));
  const at = parseResumeToken(checkpoint!.idsAtEndTime.at(-1)!);
  assert.ok(at !== undefined && at.offset > 0, 'the checkpoint names a file and an offset inside it');

  const second = await runSources([stream({ resume: checkpoint! })], { stateDir: state, dedupe: false });
  assert.equal(second.result.error, undefined);
  assert.deepEqual(
    [...first.objects, ...second.objects].map((o) => o.event_id),
    expected,
  );
});

test('after a hard stop, the resumed replay repeats only records of the segments that were in flight', async () => {
  const state = await mkdtemp(join(dir, 'state-'));
  const first = await interrupted(state, 2500, 'abort');
  assert.equal(first.result.error?.code, 'CF_ERR_ABORTED');
  const checkpoint = await loadResume(state, filesStreamKey(pattern()));
  const second = await runSources([stream({ resume: checkpoint! })], { stateDir: state, dedupe: false });
  assert.equal(second.result.error, undefined);
  const ids = [...first.objects, ...second.objects].map((o) => o.event_id as string);
  assert.deepEqual(new Set(ids), new Set(expected), 'nothing lost');
  // Every repeat comes from a segment at or after the checkpoint: delivered, but not yet acknowledged.
  const at = parseResumeToken(checkpoint!.idsAtEndTime.at(-1)!)!;
  const firstIds = new Set(first.objects.map((o) => o.event_id));
  for (const r of second.records) {
    if (!firstIds.has(JSON.parse(r.line).event_id)) continue;
    const [path, offset] = [
      r.source.fileId.slice(0, r.source.fileId.lastIndexOf('@')),
      Number(r.source.fileId.split('@').at(-1)),
    ];
    assert.ok(
      path > at.path || (path === at.path && offset >= at.offset),
      `${r.source.fileId} repeats a record before the checkpoint`,
    );
  }
});

test('stdin: gzip or plain JSON Lines, one stream that never resumes', async () => {
  const input = new PassThrough();
  const rs = records('stdin', 700);
  const s = filesStream({
    pattern: '-',
    eventType: 'AUDIT_LOG',
    principalId: 'local-archive',
    segmentBytes: SEGMENT_BYTES,
    stdin: input,
  });
  assert.equal(s.key, 'files/stdin');
  const body = gzipSync(jsonl(rs));
  setImmediate(() => {
    input.write(body.subarray(0, 1000));
    input.end(body.subarray(1000));
  });
  const run = await runSources([s], { dedupe: false });
  assert.equal(run.result.error, undefined);
  assert.deepEqual(
    run.objects.map((o) => o.event_id),
    rs.map((r) => r.event_id),
  );
  assert.equal(s.progress().bytesTotal, undefined, 'no total, so no ETA, for stdin');
});

test('a JSON array element that is not an object is dead-lettered; the others go through', async () => {
  const file = join(dir, 'mixed.json');
  await writeFile(
    file,
    `[\n  ${JSON.stringify(record('m', 1))},\n  42,\n  ${JSON.stringify(record('m', 2))}\n]\n`,
  );
  const run = await runSources([stream({ pattern: file })], { dedupe: false });
  assert.equal(run.result.error, undefined);
  assert.deepEqual(
    run.objects.map((o) => o.event_id),
    ['m-00001', 'm-00002'],
  );
  assert.equal(run.deadLetter.entries.length, 1);
  assert.equal(run.deadLetter.entries[0]!.code, 'CF_ERR_BAD_JSON');
});

test('unreadable inputs fail the stream loudly, naming the file', async () => {
  const corrupt = join(dir, 'corrupt.jsonl.gz');
  const gz = gzipSync(jsonl(records('z', 2000)));
  await writeFile(corrupt, gz.subarray(0, Math.floor(gz.length / 2)));
  const truncatedArray = join(dir, 'truncated.json');
  await writeFile(truncatedArray, `[${JSON.stringify(record('t', 1))}, ${JSON.stringify(record('t', 2))}`);
  const cases: Array<[string, string]> = [
    [corrupt, 'CF_ERR_ARCHIVE_FORMAT'],
    [truncatedArray, 'CF_ERR_ARCHIVE_FORMAT'],
    [join(dir, 'nothing', '*.jsonl'), 'CF_ERR_ARCHIVE_READ'],
    [archive, 'CF_ERR_ARCHIVE_READ'],
  ];
  for (const [path, code] of cases) {
    const run = await runSources([stream({ pattern: path })], { dedupe: false });
    assert.equal(run.result.error?.code, code, path);
    assert.ok(
      run.result.error!.message.includes(path.replace(/\*.*$/, '').replace(/\/$/, '')),
      run.result.error!.message,
    );
  }
});

test('a file changed since its checkpoint is refused instead of replayed from a wrong offset', async () => {
  const file = join(dir, 'changed.jsonl');
  await writeFile(file, jsonl(records('x', 100)));
  const resume = { endTime: new Date().toISOString(), idsAtEndTime: [`17:${file}`], filesDelivered: 1 };
  const run = await runSources([stream({ pattern: file, resume })], { dedupe: false });
  assert.equal(run.result.error?.code, 'CF_ERR_STATE_CORRUPT');
  assert.equal(run.objects.length, 0);
});
