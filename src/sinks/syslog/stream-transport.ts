import type { Socket } from 'node:net';
import { CfError, classify } from '../../core/errors/index.js';
import type { ChunkPool } from './chunk-pool.js';
import { abortedError, openStream, type StreamEndpoint } from './connect.js';
import { ResendWindow } from './resend-window.js';
import { RetryBudget } from './retry.js';
import { endAndWait, WriteBroken, writeChunks } from './socket-writes.js';
import type { SyslogTransport, TransportHooks } from './transport.js';

/** How often the chunk pool lets go of the slabs the flow did not need (ChunkPool.trim). */
const POOL_TRIM_MS = 10_000;

export interface StreamTransportOptions {
  readonly endpoint: StreamEndpoint;
  readonly writeStallTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly resendWindowMs: number;
  readonly resendWindowMaxBytes: number;
  /** Where written chunks go back once neither the socket nor the resend window needs them. */
  readonly pool: ChunkPool;
}

/** A connection that lasted this long was working: its break starts the failure count again. */
export const STABLE_CONNECTION_MS = 5_000;

/**
 * One TCP or TLS connection to the receiver, reopened when it breaks.
 *
 *   send(chunks) --serial--> [replay ++ chunks] --write, honour false/'drain'--> socket
 *                                 ^                         | write callback: chunk "written"
 *                                 |                         v
 *                      on a break: recent chunks <-- ResendWindow
 *
 * "Written" means the socket's write callback fired: the bytes are in our kernel. A write is not
 * a receiver acknowledgement, so on a break (reset, receiver closed, stalled writes) the chunks
 * written within the resend window are sent again first on the next connection, followed by the
 * chunks that were never confirmed. On `close()` the transport half-closes and waits for the
 * receiver to close its side, which a receiver does only after reading everything.
 */
export class StreamTransport implements SyslogTransport {
  private socket: Socket | undefined;
  /** The socket being closed on purpose; its FIN and close are expected. */
  private ending: Socket | undefined;
  private replay: Buffer[] = [];
  private readonly window: ResendWindow;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;
  private readonly budget: RetryBudget;
  private readonly socketErrors = new WeakMap<Socket, unknown>();
  private pruneTimer: NodeJS.Timeout | undefined;
  private connectedAt = 0;

  constructor(
    private readonly options: StreamTransportOptions,
    private readonly hooks: TransportHooks,
  ) {
    this.window = new ResendWindow(options.resendWindowMaxBytes, options.resendWindowMs, Date.now, (chunk) =>
      options.pool.give(chunk),
    );
    this.signal = AbortSignal.any([hooks.signal, this.stop.signal]);
    this.budget = new RetryBudget(hooks, options.endpoint.label, this.signal);
  }

  open(): Promise<void> {
    // Release the window's memory when the flow stops, not only on the next write, and the
    // pool's slabs a burst left that the flow no longer needs.
    let trimmedAt = Date.now();
    this.pruneTimer = setInterval(
      () => {
        this.window.prune();
        if (Date.now() - trimmedAt < POOL_TRIM_MS) return;
        trimmedAt = Date.now();
        this.options.pool.trim();
      },
      this.options.resendWindowMs > 0 ? Math.min(this.options.resendWindowMs, POOL_TRIM_MS) : POOL_TRIM_MS,
    );
    this.pruneTimer.unref();
    return this.serial(() => this.deliver([]));
  }

  send(payload: readonly Buffer[]): Promise<void> {
    return this.serial(() => this.deliver(payload));
  }

  close(): Promise<void> {
    return this.serial(() => this.closeGracefully()).finally(() => this.destroy());
  }

  destroy(): void {
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer);
    this.stop.abort();
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Runs `task` after every earlier one, so chunks of different batches never interleave. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => {});
    return run;
  }

  /** Writes `chunks` (after any pending replay), reconnecting and resending until done or fatal. */
  private async deliver(chunks: readonly Buffer[]): Promise<void> {
    let pending = chunks;
    let from = 0;
    for (;;) {
      if (this.signal.aborted) throw abortedError(this.signal);
      let socket: Socket;
      try {
        socket = await this.connection();
      } catch (err) {
        const reason = classify(err);
        this.hooks.onState(false, reason);
        await this.budget.failed(reason);
        continue;
      }
      if (this.replay.length > 0) {
        pending = [...this.replay, ...pending.slice(from)];
        from = 0;
        this.replay = [];
      }
      try {
        await writeChunks(socket, pending, from, (chunk) => {
          if (!this.window.add(chunk)) this.options.pool.give(chunk);
        });
        return;
      } catch (err) {
        if (!(err instanceof WriteBroken)) throw err;
        from = err.written;
        const reason = this.brokenReason(socket, err.reason);
        this.broken(socket, reason);
        await this.budget.failed(reason);
      }
    }
  }

  /** The live connection, or a new one (a single attempt). */
  private async connection(): Promise<Socket> {
    const current = this.socket;
    if (current !== undefined) {
      if (!current.destroyed) return current;
      // Destroyed, and its 'close' not seen yet: collect what to resend before replacing it.
      this.broken(current, this.brokenReason(current, 'closed'));
    }
    const socket = await openStream(this.options.endpoint, this.signal);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(this.options.writeStallTimeoutMs);
    socket.on('timeout', () => {
      // Idle is fine; pending writes that make no progress mean a dead or stuck receiver.
      if (socket.writableLength > 0) {
        socket.destroy(
          new CfError(
            'CF_ERR_TIMEOUT',
            `Writes to ${this.options.endpoint.label} made no progress for ${this.options.writeStallTimeoutMs} ms.`,
          ),
        );
      }
    });
    socket.on('error', (err) => this.socketErrors.set(socket, err));
    socket.on('end', () => {
      // The receiver closed its side: while sending, that is a lost connection.
      if (this.ending !== socket) socket.destroy();
    });
    socket.on('close', () => this.onClose(socket));
    // Read (and drop) whatever the receiver sends, so its FIN is seen at once.
    socket.resume();
    this.socket = socket;
    this.connectedAt = Date.now();
    this.hooks.onState(true);
    this.hooks.logger.debug({ receiver: this.options.endpoint.label }, 'Connected to the syslog receiver.');
    return socket;
  }

  /** A connection closed: if it was not on purpose, it broke. */
  private onClose(socket: Socket): void {
    if (this.ending === socket || this.socket !== socket) return;
    this.broken(socket, this.brokenReason(socket, this.socketErrors.get(socket) ?? 'closed'));
    // Broken while idle: resend the recent chunks now instead of waiting for the next batch.
    if (this.replay.length > 0 && !this.signal.aborted) {
      this.serial(() => this.deliver([])).catch((err: unknown) => this.hooks.onFatal(classify(err)));
    }
  }

  /**
   * Forgets a broken connection and queues the recently written chunks for resending. Only a
   * connection that lasted STABLE_CONNECTION_MS without stalling starts the failure count again:
   * a completed write proves nothing (a receiver that drops every connection, e.g. for lack of a
   * client certificate, takes writes too), so such a receiver runs out of attempts.
   */
  private broken(socket: Socket, reason: CfError): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    socket.destroy();
    if (Date.now() - this.connectedAt >= STABLE_CONNECTION_MS && reason.code !== 'CF_ERR_TIMEOUT') {
      this.budget.succeeded();
    }
    const recent = this.window.takeRecent();
    if (recent.length > 0) {
      this.replay = [...this.replay, ...recent];
      this.hooks.logger.warn(
        { receiver: this.options.endpoint.label, chunks: recent.length, bytes: byteSum(recent) },
        'Connection to the syslog receiver broke; recently written messages will be sent again.',
      );
    }
    this.hooks.onState(false, reason);
  }

  /**
   * Why a connection broke. The error the socket was destroyed with (a reset, our stall timeout)
   * is the cause; a write callback's ERR_STREAM_DESTROYED only echoes it, and which of the two
   * arrives first differs between Node versions.
   */
  private brokenReason(socket: Socket, err: unknown): CfError {
    const label = this.options.endpoint.label;
    const cause = socket.errored ?? this.socketErrors.get(socket) ?? err;
    if (cause === 'closed') {
      return new CfError('CF_ERR_SOCKET', `The syslog receiver ${label} closed the connection.`);
    }
    const e = classify(cause);
    if (e.code === 'CF_ERR_INTERNAL' && socket.destroyed) {
      return new CfError('CF_ERR_SOCKET', `The connection to ${label} was lost.`, { cause });
    }
    return e;
  }

  /**
   * Sends what is left to resend, half-closes, and waits for the receiver to close its side: it
   * has then read every byte. A break at that point resends the recent chunks on a new
   * connection and tries again.
   */
  private async closeGracefully(): Promise<void> {
    for (;;) {
      if (this.replay.length > 0) await this.deliver([]);
      const socket = this.socket;
      if (socket === undefined || socket.destroyed) return;
      this.ending = socket;
      const outcome = await endAndWait(socket, this.options.closeTimeoutMs);
      this.ending = undefined;
      if (outcome === 'closed-by-receiver' || outcome === 'timeout') {
        if (outcome === 'timeout') {
          this.hooks.logger.warn(
            { receiver: this.options.endpoint.label, closeTimeoutMs: this.options.closeTimeoutMs },
            'The syslog receiver did not close the connection in time; it may not have read the last messages.',
          );
        }
        this.socket = undefined;
        socket.destroy();
        this.window.takeRecent();
        this.hooks.onState(false);
        return;
      }
      const reason = this.brokenReason(socket, this.socketErrors.get(socket) ?? 'closed');
      this.broken(socket, reason);
      if (this.replay.length === 0) return;
      await this.budget.failed(reason);
    }
  }
}

function byteSum(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}
