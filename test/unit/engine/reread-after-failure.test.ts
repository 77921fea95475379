import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { CfError } from '../../../src/core/errors/index.ts';
import type { ListedFile, StreamSource } from '../../../src/core/stream-source.ts';
import { MemoryDeadLetter } from '../../../src/engine/dead-letter-file.ts';
import { runPipeline } from '../../../src/engine/run-pipeline.ts';
import { CheckpointStore } from '../../../src/state/index.ts';
import { Metrics } from '../../../src/telemetry/metrics.ts';
import { enrichConfigSchema, RecordEnricher } from '../../../src/transforms/index.ts';
import { counterTotal } from '../../helpers/metrics.ts';
import { blackholePipeline } from '../../helpers/pipeline.ts';

/**
 * Two polls of one stream in one process (as service mode runs them, with one enricher): the
 * first delivers files 1, 3 and 4 and fails on file 2, so the checkpoint stays after file 1 and
 * the second poll reads 2, 3 and 4 again. Files 3 and 4 were delivered whole: only file 2's
 * records may reach the sink again.
 */
class FlakyStream implements StreamSource {
  readonly source = 'test';
  readonly principalType = 'CHATGPT_WORKSPACE' as const;
  readonly principalId = '11111111-2222-4333-8444-555555555555';
  readonly eventType = 'AUDIT_LOG';
  readonly key = 'workspace/11111111-2222-4333-8444-555555555555/AUDIT_LOG';
  readonly opened: string[] = [];
  /** File 2's body waits for this before it fails (first poll) or is served (second poll). */
  failFileTwo = true;
  /** Lists only files after this end_time, as a source resuming from its checkpoint does. */
  listAfter = '';
  #releaseTwo: (() => void) | undefined;

  async *files(): AsyncGenerator<ListedFile> {
    for (let i = 1; i <= 4; i++) {
      const endTime = `2026-11-20T10:0${i}:00Z`;
      if (endTime > this.listAfter) yield { id: `file-${i}`, fileName: `f${i}.jsonl`, endTime };
    }
  }

  open(file: ListedFile): Readable {
    this.opened.push(file.id);
    const lines = [1, 2, 3].map((n) => `{"event_id":"${file.id}-e${n}","type":"AUDIT_LOG"}\n`).join('');
    if (file.id !== 'file-2' || !this.failFileTwo) return Readable.from([Buffer.from(lines)]);
    const gate = new Promise<void>((resolve) => (this.#releaseTwo = resolve));
    return Readable.from(
      (async function* () {
        yield Buffer.from(lines.slice(0, lines.indexOf('\n') + 1));
        await gate;
        throw new CfError('CF_ERR_INTEGRITY', 'Download of file-2 ended after 1 of 3 lines.');
      })(),
    );
  }

  failNow(): void {
    this.#releaseTwo?.();
  }
}

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('a poll after a failed file re-reads the files after it, and only the failed one is sent again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cf-reread-'));
  dirs.push(dir);
  const metrics = new Metrics();
  const shared = {
    metrics,
    deadLetter: new MemoryDeadLetter(),
    enricher: new RecordEnricher(enrichConfigSchema.parse({}), { version: 'test', host: 'test' }),
  };
  const checkpoints = new CheckpointStore(dir);
  const stream = new FlakyStream();
  const poll = () => runPipeline(blackholePipeline([stream], checkpoints, shared));
  const sent = () => counterTotal(metrics, 'component_sent_events_total');

  const first = poll();
  // Files 1, 3 and 4 delivered, and file 2's first line: then file 2 fails.
  for (let i = 0; i < 400 && (await sent()) < 10; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await sent(), 10);
  stream.failNow();
  const failed = await first;
  assert.equal(failed.error?.code, 'CF_ERR_INTEGRITY');
  assert.equal((await checkpoints.load(stream.key))?.endTime, '2026-11-20T10:01:00Z', 'stays before file 2');

  stream.failFileTwo = false;
  stream.listAfter = '2026-11-20T10:01:00Z';
  const second = await poll();
  assert.equal(second.error, undefined);
  assert.deepEqual(
    stream.opened.slice(4).sort(),
    ['file-2', 'file-3', 'file-4'],
    'the second poll reads them again',
  );
  // File 2 whole (3, its first line again: it was not delivered whole), nothing of 3 and 4.
  assert.equal(await sent(), 13, 'files 3 and 4 are not sent again');
  assert.equal((await checkpoints.load(stream.key))?.endTime, '2026-11-20T10:04:00Z');
});
