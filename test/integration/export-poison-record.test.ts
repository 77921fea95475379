import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseResumeToken } from '../../src/sources/files/index.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { runCli } from '../helpers/cli.ts';
import { TempDirs } from '../helpers/export-fixtures.ts';
import { type HecReceiver, startHecReceiver } from '../infra/hec-receiver.ts';

/*
 * Issue point 6 end to end: `export` of a local archive with one 2 MB record among small ones,
 * into a HEC behind a "proxy" (the receiver's minBodyBytes fault) that resets the connection on
 * bodies of 1 MiB or more instead of answering 413. Every small record arrives, the big one is in
 * the dead-letter file with its reason, the checkpoint is at the end of the archive, exit 0; and a
 * HEC that resets everything still fails the export without dead-lettering.
 */
const tmp = new TempDirs();
let hec: HecReceiver;
let archive: string;
const SMALL = 400;
const BIG_AT = 200;

before(async () => {
  hec = await startHecReceiver();
  const dir = await tmp.make();
  archive = join(dir, 'archive.jsonl');
  const lines = Array.from({ length: SMALL + 1 }, (_, i) =>
    JSON.stringify({
      event_id: `evt-${String(i).padStart(5, '0')}`,
      type: 'ARCHIVE',
      timestamp: new Date(Date.UTC(2026, 6, 1) + i * 1000).toISOString(),
      text: i === BIG_AT ? 'z'.repeat(2 * 1024 * 1024) : `small record ${i}`,
    }),
  );
  await writeFile(archive, `${lines.join('\n')}\n`);
});
after(async () => {
  await hec.stop();
  await tmp.cleanup();
});

async function exportArchive(state: string): Promise<Awaited<ReturnType<typeof runCli>>> {
  const config = join(state, '..', 'c.yaml');
  await writeFile(
    config,
    [
      'sinks:',
      '  - type: splunk-hec',
      `    url: ${hec.url}`,
      '    gzip: false',
      '    retryMaxAttempts: 6',
      '    retryInitialDelayMs: 20',
      '    retryMaxDelayMs: 100',
      '',
    ].join('\n'),
  );
  return runCli(
    ['export', '--source', 'files', '--path', archive, '--state-dir', state, '--config', config],
    { HEC_TOKEN: hec.token },
  );
}

test('one 2 MB record the HEC proxy resets: dead-lettered with its reason, the rest delivered, checkpoint at the end', async () => {
  await hec.clearEvents();
  await hec.fault({ destroy: true, count: 1_000_000, minBodyBytes: 1024 * 1024 });
  try {
    const state = join(await tmp.make(), 'state');
    const r = await exportArchive(state);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const ids = (await hec.events()).map((e) => String(e.event.event_id));
    assert.equal(ids.length, SMALL, 'every small record delivered');
    assert.equal(new Set(ids).size, SMALL, 'none twice');
    assert.equal(ids.includes(`evt-${String(BIG_AT).padStart(5, '0')}`), false);

    const dead = (await readFile(join(state, 'dead-letter.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(dead.length, 1);
    const entry = dead[0]!;
    assert.equal(entry.code, 'CF_ERR_RECORD_UNDELIVERABLE');
    assert.equal(entry.sink, 'splunk-hec');
    assert.match(String(entry.reason), /splunk-hec/);
    assert.match(String(entry.reason), /CF_ERR_SOCKET|CF_ERR_TIMEOUT/);
    assert.equal((entry.source as { lineNumber?: number }).lineNumber, BIG_AT + 1);
    assert.ok(!r.stderr.includes(hec.token) && !JSON.stringify(dead).includes(hec.token), 'no token');

    const checkpoints = await new CheckpointStore(state).list();
    assert.equal(checkpoints.length, 1, `one checkpoint (${JSON.stringify(checkpoints)})`);
    assert.ok(!('error' in checkpoints[0]!), 'the checkpoint is readable');
    // The archive was read to its end and acknowledged, the dead-lettered record included.
    const cp = checkpoints[0] as unknown as { idsAtEndTime: readonly string[] };
    const positions = cp.idsAtEndTime.map(parseResumeToken);
    const size = (await stat(archive)).size;
    assert.ok(
      positions.some((p) => p?.path.endsWith('archive.jsonl') === true && p.offset === size),
      `the checkpoint is at the archive's end, byte ${size}: ${JSON.stringify(cp.idsAtEndTime)}`,
    );
  } finally {
    await hec.fault({ count: 0 });
  }
});

test('a HEC that resets every event request (answering only the empty probe) still fails the export: nothing dead-lettered, no checkpoint', async () => {
  await hec.clearEvents();
  const state = join(await tmp.make(), 'state');
  // Reset every event request once the start-up checks passed: the health check is a GET, the
  // token probe an empty POST; everything with a body is reset.
  await hec.fault({ destroy: true, count: 1_000_000, minBodyBytes: 1 });
  try {
    const r = await exportArchive(state);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /CF_ERR_RETRIES_EXHAUSTED/);
    const dead = await readFile(join(state, 'dead-letter.jsonl'), 'utf8').catch(() => '');
    assert.equal(dead.trim(), '', 'a down HEC does not turn into dead-lettering');
    assert.deepEqual(await new CheckpointStore(state).list(), []);
  } finally {
    await hec.fault({ count: 0 });
  }
});
