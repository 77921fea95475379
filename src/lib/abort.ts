/**
 * `work`'s outcome, or a rejection as soon as `signal` aborts, whichever comes first: with the
 * signal's reason, or `fallback()` when it has none. The listener is removed once `work` settles.
 * `work` itself is not cancelled; the caller's signal is expected to stop it too.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, fallback?: () => unknown): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? fallback?.());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
