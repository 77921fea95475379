import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CfError, classify } from '../../core/errors/index.js';
import { type BackoffPolicy, type RetryEvent, withRetry } from '../../http/index.js';
import type { FileDescriptor } from './list-page.js';

export interface VerifiedFileStreamOptions {
  file: Pick<FileDescriptor, 'id' | 'file_name' | 'file_size' | 'file_sha256'>;
  /**
   * Starts a fresh transfer of the whole file (a new Download call, so a new signed URL) and
   * resolves with its body. Its errors are classified; retriable ones start another transfer.
   */
  openTransfer: (signal: AbortSignal) => Promise<Readable>;
  retry: BackoffPolicy;
  onRetry?: (event: RetryEvent) => void;
  /** Bytes received from the network, re-downloaded prefixes included. */
  onBytes?: (bytes: number) => void;
  /** Called once, after size and digest matched and before 'end'. */
  onVerified?: () => void;
  signal?: AbortSignal;
  /** Bytes buffered ahead of the consumer. Default 64 KiB. */
  highWaterMark?: number;
}

/**
 * A log file's bytes, exactly once and in order, verified against `file_size` and `file_sha256`.
 *
 * The transfer is resumable without trusting the server twice: when a transfer fails after some
 * bytes went downstream, the next one downloads the file again from its start, hashes the
 * already-emitted prefix without emitting it, and compares that with the digest of what was
 * emitted (a Hash.copy() taken at the resume point). Equal: it continues emitting where it
 * stopped. Different: the bytes downstream already differ from the file, which no retry can
 * repair, so it fails with a non-retriable CF_ERR_INTEGRITY.
 *
 * Outcomes: 'end' only after the size and the SHA-256 of everything emitted matched; otherwise
 * an 'error' with a CfError. Short transfers, resets and timeouts are retried (per `retry`). A
 * wrong digest or a file longer than listed is retried once: the fresh copy tells "corrupted on
 * the way" from "the server serves other bytes", and the second such mismatch is final.
 *
 * Backpressure: at most one network chunk is held beyond `highWaterMark`; while the consumer
 * does not read, the body is not read and the socket pauses. Destroying the stream aborts the
 * transfer and destroys the body.
 */
export class VerifiedFileStream extends Readable {
  readonly #opts: VerifiedFileStreamOptions;
  readonly #abort = new AbortController();
  readonly #emittedHash: Hash = createHash('sha256');
  #emitted = 0;
  #contentMismatches = 0;
  #started = false;
  #body: Readable | undefined;
  #wantMore: (() => void) | undefined;
  readonly #onOuterAbort: () => void;

  constructor(opts: VerifiedFileStreamOptions) {
    super({ highWaterMark: opts.highWaterMark ?? 64 * 1024 });
    this.#opts = opts;
    this.#onOuterAbort = () =>
      this.destroy(new CfError('CF_ERR_ABORTED', `Download of ${opts.file.id} was aborted.`));
    if (opts.signal?.aborted) queueMicrotask(this.#onOuterAbort);
    else opts.signal?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  override _read(): void {
    if (!this.#started) {
      this.#started = true;
      void this.#run();
      return;
    }
    const resume = this.#wantMore;
    this.#wantMore = undefined;
    resume?.();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#opts.signal?.removeEventListener('abort', this.#onOuterAbort);
    this.#abort.abort(err ?? new CfError('CF_ERR_ABORTED', 'The file stream was destroyed.'));
    this.#body?.destroy();
    const resume = this.#wantMore;
    this.#wantMore = undefined;
    resume?.();
    callback(err);
  }

  async #run(): Promise<void> {
    try {
      await withRetry(() => this.#transferOnce(), {
        policy: this.#opts.retry,
        signal: this.#abort.signal,
        ...(this.#opts.onRetry ? { onRetry: this.#opts.onRetry } : {}),
      });
      if (this.destroyed) return;
      this.#opts.onVerified?.();
      this.push(null);
    } catch (err) {
      if (!this.destroyed) this.destroy(classify(err));
    }
  }

  /** One transfer from byte 0: skip (and check) what was emitted, emit the rest, verify. */
  async #transferOnce(): Promise<void> {
    const { file } = this.#opts;
    const resumeAt = this.#emitted;
    const emittedDigest = resumeAt > 0 ? this.#emittedHash.copy().digest('hex') : '';
    const prefixHash = createHash('sha256');
    let received = 0;

    const body = await this.#opts.openTransfer(this.#abort.signal);
    this.#body = body;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        this.#throwIfDestroyed();
        this.#opts.onBytes?.(chunk.length);
        let rest = chunk;
        if (received < resumeAt) {
          const skip = Math.min(resumeAt - received, rest.length);
          prefixHash.update(rest.subarray(0, skip));
          received += skip;
          rest = rest.subarray(skip);
          if (received === resumeAt) this.#checkPrefix(prefixHash.digest('hex'), emittedDigest);
          if (rest.length === 0) continue;
        }
        if (this.#emitted + rest.length > file.file_size) {
          throw this.#contentMismatch(`it is longer than its listed file_size of ${file.file_size} bytes`);
        }
        received += rest.length;
        this.#emitted += rest.length;
        this.#emittedHash.update(rest);
        if (!this.push(rest)) await new Promise<void>((resolve) => (this.#wantMore = resolve));
      }
    } finally {
      this.#body = undefined;
      body.destroy();
    }
    this.#throwIfDestroyed();
    if (received < file.file_size) {
      throw new CfError(
        'CF_ERR_INTEGRITY',
        `Download of ${file.id} ended after ${received} of ${file.file_size} bytes.`,
        { details: { fileId: file.id, received, expected: file.file_size } },
      );
    }
    const digest = this.#emittedHash.copy().digest('hex');
    if (digest !== file.file_sha256) {
      throw this.#contentMismatch(`its SHA-256 is ${digest}, not the listed ${file.file_sha256}`);
    }
  }

  #checkPrefix(actual: string, expected: string): void {
    if (actual === expected) return;
    throw new CfError(
      'CF_ERR_INTEGRITY',
      `Download of ${this.#opts.file.id} was retried and the first ${this.#emitted} bytes came back ` +
        'different from those already delivered; the file cannot be completed consistently.',
      { retriable: false, details: { fileId: this.#opts.file.id, resumeAt: this.#emitted } },
    );
  }

  /** A wrong digest or excess bytes: retried once, final the second time. */
  #contentMismatch(why: string): CfError {
    this.#contentMismatches++;
    const final = this.#contentMismatches > 1;
    const { file } = this.#opts;
    return new CfError(
      'CF_ERR_INTEGRITY',
      `Downloaded file ${file.id} (${file.file_name}) does not match its listing: ${why}` +
        (final ? ', again after a fresh download.' : '.'),
      { retriable: !final, details: { fileId: file.id } },
    );
  }

  #throwIfDestroyed(): void {
    if (this.destroyed) throw this.#abort.signal.reason ?? new CfError('CF_ERR_ABORTED', 'Destroyed.');
  }
}
