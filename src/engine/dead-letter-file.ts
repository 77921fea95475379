import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterEntry } from '../core/dead-letter.js';
import { CfError } from '../core/errors/index.js';
import { redactSecrets } from '../core/secret.js';
import type { Metrics } from '../telemetry/metrics.js';

/** Offending text kept in a dead-letter record, at most (the rest is cut and `truncated` set). */
export const DEAD_LETTER_TEXT_MAX_BYTES = 64 * 1024;

/**
 * Dead-letter records appended to one JSONL file. Each line: `{time, reason, code, stage, sink?,
 * source?, size?, text?, truncated?, detail?}`. Appends are serialised so lines never interleave;
 * `sync()` fsyncs, and the checkpoint store calls it before a checkpoint moves past a record that
 * went here.
 */
export class DeadLetterFile implements DeadLetter {
  private handle: Promise<FileHandle> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private written = 0;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly metrics?: Metrics,
  ) {}

  get count(): number {
    return this.written;
  }

  write(entry: DeadLetterEntry): Promise<void> {
    const line = `${serialize(entry)}\n`;
    this.metrics?.deadLettered.inc({ stage: entry.stage });
    const next = this.chain.then(async () => {
      const fh = await this.open();
      await fh.appendFile(line, 'utf8');
      this.written++;
      this.dirty = true;
    });
    // Keep the chain alive after a failure; the caller still sees the rejection.
    this.chain = next.catch(() => {});
    return next.catch((err: unknown) => {
      throw new CfError('CF_ERR_SINK_IO', `Cannot write the dead-letter file ${this.path}.`, { cause: err });
    });
  }

  async sync(): Promise<void> {
    await this.chain;
    if (!this.dirty || this.handle === undefined) return;
    this.dirty = false;
    await (await this.handle).datasync();
  }

  async close(): Promise<void> {
    await this.sync();
    if (this.handle !== undefined) await (await this.handle).close();
    this.handle = undefined;
  }

  private open(): Promise<FileHandle> {
    this.handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a', 0o600));
    return this.handle;
  }
}

/** Serialises an entry, cutting the text to a bounded size on a character boundary. */
export function serialize(entry: DeadLetterEntry): string {
  const { text, ...rest } = entry;
  const out: Record<string, unknown> = { time: new Date().toISOString(), ...rest };
  if (text !== undefined) {
    const bytes = Buffer.byteLength(text, 'utf8');
    out.size ??= bytes;
    if (bytes > DEAD_LETTER_TEXT_MAX_BYTES) {
      // Cut by characters first (cheap), then make sure the UTF-8 size is within the bound.
      let cut = text.slice(0, DEAD_LETTER_TEXT_MAX_BYTES);
      while (Buffer.byteLength(cut, 'utf8') > DEAD_LETTER_TEXT_MAX_BYTES)
        cut = cut.slice(0, cut.length - 1024);
      out.text = cut;
      out.truncated = true;
    } else {
      out.text = text;
    }
  }
  return redactSecrets(JSON.stringify(out));
}

/** A dead-letter sink for tests and library use that keeps entries in memory. */
export class MemoryDeadLetter implements DeadLetter {
  readonly entries: DeadLetterEntry[] = [];
  get count(): number {
    return this.entries.length;
  }
  async write(entry: DeadLetterEntry): Promise<void> {
    this.entries.push(entry);
  }
  async sync(): Promise<void> {}
  async close(): Promise<void> {}
}
