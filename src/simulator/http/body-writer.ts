import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Streams a generated body to a response, honouring backpressure (a false `write` waits for
 * 'drain'), optional rate limits, and the transport faults that cut a body short. Generation is
 * pulled chunk by chunk, so a slow client slows the generator instead of filling memory.
 */

/** Bytes-per-second limiter; one per connection (bandwidth cap) or per response (slow body). */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(readonly bytesPerSecond: number) {
    // A small burst allowance (50 ms worth) keeps writes from degenerating to one byte each.
    this.tokens = Math.max(1, bytesPerSecond / 20);
  }
  /** Milliseconds to wait before `bytes` may be sent; consumes them. */
  take(bytes: number): number {
    const now = performance.now();
    this.tokens = Math.min(
      Math.max(1, this.bytesPerSecond / 20),
      this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000,
    );
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.bytesPerSecond;
  }
  /** A piece size that keeps about 20 writes per second at this rate. */
  get pieceBytes(): number {
    return Math.max(1, Math.floor(this.bytesPerSecond / 20));
  }
}

export type BodyCut = 'reset' | 'truncate' | 'stall';

export interface BodyPlan {
  /** Stop after this many bytes and act on `cut`; undefined serves everything. */
  readonly cutAtBytes: number | undefined;
  readonly cut: BodyCut | undefined;
  readonly buckets: readonly TokenBucket[];
}

export type BodyOutcome = 'complete' | 'client-gone' | BodyCut;

/** Resolves after `ms`, or early (false) when the response closes. */
export function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(true), ms);
    const onClose = () => finish(false);
    function finish(value: boolean) {
      clearTimeout(timer);
      res.off('close', onClose);
      resolve(value);
    }
    res.once('close', onClose);
  });
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Waits until the socket is closed by the peer or by the simulator stopping. */
function untilClosed(res: ServerResponse): Promise<void> {
  return res.destroyed ? Promise.resolve() : new Promise((resolve) => res.once('close', () => resolve()));
}

export async function writeBody(
  res: ServerResponse,
  chunks: Iterable<Buffer>,
  plan: BodyPlan,
  onBytes: (n: number) => void,
): Promise<BodyOutcome> {
  const limit = plan.cutAtBytes ?? Number.POSITIVE_INFINITY;
  const throttled = plan.buckets.length > 0;
  const pieceBytes = throttled
    ? Math.min(...plan.buckets.map((b) => b.pieceBytes))
    : Number.POSITIVE_INFINITY;
  let sent = 0;
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length && sent < limit) {
      if (res.destroyed) return 'client-gone';
      const end = Math.min(chunk.length, offset + pieceBytes, offset + (limit - sent));
      const piece = offset === 0 && end === chunk.length ? chunk : chunk.subarray(offset, end);
      if (throttled) {
        const waitMs = Math.max(...plan.buckets.map((b) => b.take(piece.length)));
        if (waitMs >= 1 && !(await waitUnlessClosed(res, waitMs))) return 'client-gone';
      }
      const ok = res.write(piece);
      sent += piece.length;
      offset = end;
      onBytes(piece.length);
      if (!ok) await drainOrClose(res);
    }
    if (sent >= limit) break;
  }
  if (res.destroyed) return 'client-gone';
  switch (plan.cut) {
    case 'reset':
      // Let the bytes already written reach the client, then abort the connection with a RST.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      (res.socket as Socket | null)?.resetAndDestroy();
      return 'reset';
    case 'stall':
      await untilClosed(res);
      return 'stall';
    case 'truncate':
      res.end();
      return 'truncate';
    default:
      res.end();
      return 'complete';
  }
}
