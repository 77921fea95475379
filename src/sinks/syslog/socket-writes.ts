import type { Socket } from 'node:net';

/** A write loop stopped because the connection broke; the first `written` chunks were confirmed. */
export class WriteBroken extends Error {
  constructor(
    readonly written: number,
    /** What broke it: the socket or write error, or 'closed' for a plain close. */
    readonly reason: unknown,
  ) {
    super('The connection broke while writing.');
  }
}

/**
 * Writes chunks[from..] in order and resolves when the last write callback fired; pauses on a
 * false `write()` until 'drain', so no more than the socket's high-water mark waits in memory
 * beyond the chunks themselves. `onWritten` gets each chunk once the socket reports it written.
 * Rejects with WriteBroken if the socket fails or closes first.
 */
export function writeChunks(
  socket: Socket,
  chunks: readonly Buffer[],
  from: number,
  onWritten: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = from;
    let confirmed = from;
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      socket.off('close', onClose);
      socket.off('drain', pump);
      if (err === undefined) resolve();
      else reject(new WriteBroken(confirmed, err));
    };
    const onClose = () => settle(socket.errored ?? 'closed');
    const pump = () => {
      while (next < chunks.length && !settled) {
        const index = next++;
        const chunk = chunks[index]!;
        const more = socket.write(chunk, (err) => {
          if (settled) return;
          if (err) return settle(err);
          confirmed = index + 1;
          onWritten(chunk);
          if (confirmed === chunks.length) settle();
        });
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    if (socket.destroyed) return settle(socket.errored ?? 'closed');
    socket.on('close', onClose);
    if (from >= chunks.length) return settle();
    pump();
  });
}

/**
 * Ends our side and waits for the socket to close. 'closed-by-receiver': the receiver closed its
 * side after ours without an error, which it does once it has read everything we sent.
 */
export function endAndWait(
  socket: Socket,
  timeoutMs: number,
): Promise<'closed-by-receiver' | 'broken' | 'timeout'> {
  return new Promise((resolve) => {
    let sawEnd = false;
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    socket.once('end', () => {
      sawEnd = true;
    });
    socket.once('close', (hadError: boolean) => {
      clearTimeout(timer);
      resolve(sawEnd && !hadError ? 'closed-by-receiver' : 'broken');
    });
    socket.end();
  });
}
