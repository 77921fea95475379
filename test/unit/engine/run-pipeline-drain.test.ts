import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import type { ListedFile, StreamSource } from '../../../src/core/stream-source.ts';
import { FileSlots } from '../../../src/engine/file-slots.ts';
import { type PipelineOptions, runPipeline } from '../../../src/engine/run-pipeline.ts';
import { CheckpointStore } from '../../../src/state/index.ts';
import { blackholePipeline } from '../../helpers/pipeline.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/**
 * A stream of `count` one-line files whose bodies wait until the test releases them, so the
 * test decides which files are in flight.
 */
class GatedStream implements StreamSource {
  readonly source = 'test';
  readonly principalType = 'CHATGPT_WORKSPACE' as const;
  readonly principalId = '11111111-2222-4333-8444-555555555555';
  readonly eventType = 'AUDIT_LOG';
  readonly key: string;
  readonly opened: string[] = [];
  readonly #gates = new Map<string, () => void>();
  #open = 0;
  maxOpen = 0;

  constructor(
    name: string,
    private readonly count: number,
    private readonly shared: { open: number; max: number } = { open: 0, max: 0 },
  ) {
    this.key = `workspace/${name}/AUDIT_LOG`;
  }

  async *files(): AsyncGenerator<ListedFile> {
    for (let i = 1; i <= this.count; i++) {
      yield { id: `${this.key}#${i}`, fileName: `f${i}.jsonl`, endTime: `2026-11-20T10:0${i}:00Z` };
    }
  }

  open(file: ListedFile): Readable {
    this.opened.push(file.id);
    this.#open++;
    this.shared.open++;
    this.maxOpen = Math.max(this.maxOpen, this.#open);
    this.shared.max = Math.max(this.shared.max, this.shared.open);
    const gate = new Promise<void>((resolve) => this.#gates.set(file.id, resolve));
    const done = () => {
      this.#open--;
      this.shared.open--;
    };
    return Readable.from(
      (async function* () {
        await gate;
        done();
        yield Buffer.from(`{"event_id":"${file.id}","type":"AUDIT_LOG"}\n`);
      })(),
    );
  }

  release(id: string): void {
    this.#gates.get(id)?.();
  }

  releaseAll(): void {
    for (const g of this.#gates.values()) g();
  }
}

async function options(streams: StreamSource[], extra: Partial<PipelineOptions>): Promise<PipelineOptions> {
  const dir = await mkdtemp(join(tmpdir(), 'cf-drain-'));
  dirs.push(dir);
  return { ...blackholePipeline(streams, new CheckpointStore(dir)), ...extra };
}

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
};

test('a drain starts no new file, finishes and checkpoints the started ones, and ends without error', async () => {
  const stream = new GatedStream('drain', 6);
  const drain = new AbortController();
  const opts = await options([stream], { fileSlots: new FileSlots(2), stopPulling: drain.signal });
  const run = runPipeline(opts);
  await until('two files in flight', () => stream.opened.length === 2);
  drain.abort();
  stream.releaseAll();
  const result = await run;
  assert.equal(result.error, undefined);
  assert.deepEqual(stream.opened, [`${stream.key}#1`, `${stream.key}#2`], 'no file started after the drain');
  assert.equal(result.streams[0]!.position?.filesDelivered, 2);
  const cp = await opts.checkpoints!.load(stream.key);
  assert.equal(cp?.endTime, '2026-11-20T10:02:00Z', 'checkpointed at the last started file');
});

test('runs that share file slots never have more files in flight than the slots, together', async () => {
  const shared = { open: 0, max: 0 };
  const a = new GatedStream('a', 5, shared);
  const b = new GatedStream('b', 5, shared);
  const slots = new FileSlots(3);
  const released = new Set<string>();
  const runs = [
    runPipeline(await options([a], { fileSlots: slots })),
    runPipeline(await options([b], { fileSlots: slots })),
  ];
  // Let files through one at a time, whoever holds them.
  while (a.opened.length + b.opened.length < 10) {
    await until('a file in flight', () => shared.open > 0);
    assert.ok(shared.open <= 3, `${shared.open} files in flight`);
    const id = [...a.opened, ...b.opened].find((f) => !released.has(f))!;
    released.add(id);
    a.release(id);
    b.release(id);
    await new Promise((r) => setTimeout(r, 2));
  }
  a.releaseAll();
  b.releaseAll();
  const results = await Promise.all(runs);
  assert.ok(results.every((r) => r.error === undefined));
  assert.equal(shared.max, 3, 'the slots were used, and never exceeded');
  assert.equal(slots.inUse, 0, 'every slot given back');
});
