import type { ChildProcess } from 'node:child_process';
import { type Agent, request } from 'undici';

/* The child-process plumbing the ES, HEC and http contract receivers share. */

/**
 * Resolves the URL a receiver child prints once listening (`<name> receiver on http(s)://...`);
 * rejects if it exits first, with its stderr.
 */
export function listeningUrl(child: ChildProcess, name: string, stderr: () => string): Promise<string> {
  const listening = new RegExp(`${name} receiver on (https?:\\/\\/127\\.0\\.0\\.1:\\d+)`);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: string) => {
      out += d;
      const m = listening.exec(out);
      if (m?.[1]) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        child.stdout?.resume(); // keep draining so the child never blocks on a full pipe
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${name} receiver exited (${code}) before listening: ${stderr()}`));
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/** Stops a receiver child: SIGTERM, then SIGKILL after 3 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * The control call of a contract receiver at `url` (/__docs, /__stats, /__faults...): JSON in
 * and out; anything but 200 throws, naming the receiver `name`.
 */
export function controlCall(
  url: string,
  dispatcher: Agent,
  name: string,
): (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<unknown> {
  return async (method, path, body) => {
    const res = await request(`${url}${path}`, {
      method,
      dispatcher,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`${name} receiver control ${path} answered ${res.statusCode}`);
    return JSON.parse(text);
  };
}
