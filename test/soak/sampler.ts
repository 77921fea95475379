/**
 * One sample of the forwarder every 5 s: from outside (/proc/<pid>/status VmRSS, /proc/<pid>/fd)
 * and from its /metrics (prom-client's default metrics and the forwarder's own). Checkpoint lag
 * is computed here from the checkpoints on disk against each source's present, because the
 * compliance simulator runs on fast time (the forwarder's own lag gauge compares with the real
 * clock) and is given in real seconds: simulated lag / speed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { metricValue } from '../integration/service-helpers.js';
import type { Sample } from './verdicts.js';

const P = 'compliance_forwarder_';
const MiB = 1024 * 1024;

/**
 * The process's resident set from /proc/<pid>/status: in all, and its anonymous part (heaps,
 * malloc arenas, buffers: where a leak grows) apart from its file-backed part (the pages of
 * node and its libraries, read in as code paths are first used; the kernel can drop them).
 */
async function procStatusRss(
  pid: number,
): Promise<{ rssMiB: number; rssAnonMiB: number; rssFileMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return m === null ? Number.NaN : Number(m[1]) / 1024;
  };
  return { rssMiB: kib('VmRSS'), rssAnonMiB: kib('RssAnon'), rssFileMiB: kib('RssFile') };
}

async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

async function metricsText(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(4000) });
  return res.text();
}

/** compliance_forwarder_component_buffered_bytes{component="<sink>"} per sink. */
function bufferedBytesPerSink(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^compliance_forwarder_component_buffered_bytes\{component="([^"]+)"\} (\S+)$/gm,
  )) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The present of a stream's source in ms, and how many of its ms pass per real ms. */
export type LagClock = (stream: string) => { nowMs: number; speed: number };

/** Every checkpoint on disk: stream -> end_time in ms. */
async function readCheckpointEnds(stateDir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const dir = `${stateDir}/checkpoints`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    try {
      const c = JSON.parse(await readFile(`${dir}/${name}`, 'utf8')) as { stream: string; endTime: string };
      out.set(c.stream, Date.parse(c.endTime));
    } catch {
      // A checkpoint being replaced is read at the next sample.
    }
  }
  return out;
}

export async function takeSample(
  t: number,
  pid: number,
  port: number,
  stateDir: string,
  clock: LagClock,
): Promise<Sample | undefined> {
  try {
    const [rss, fds, text, ends] = await Promise.all([
      procStatusRss(pid),
      openFds(pid),
      metricsText(port),
      readCheckpointEnds(stateDir),
    ]);
    const lagSeconds: Record<string, number> = {};
    const checkpointEnds: Record<string, number> = {};
    for (const [stream, end] of ends) {
      checkpointEnds[stream] = end;
      const { nowMs, speed } = clock(stream);
      lagSeconds[stream] = Math.max(0, (nowMs - end) / speed / 1000);
    }
    const m = (name: string) => metricValue(text, P + name);
    return {
      t,
      pid,
      ...rss,
      fds,
      heapUsedMiB: m('nodejs_heap_size_used_bytes') / MiB,
      heapTotalMiB: m('nodejs_heap_size_total_bytes') / MiB,
      externalMiB: m('nodejs_external_memory_bytes') / MiB,
      arrayBuffersMiB: m('array_buffers_bytes') / MiB,
      handles: m('nodejs_active_handles_total'),
      loopP99Ms: m('nodejs_eventloop_lag_p99_seconds') * 1000,
      filesInFlight: m('files_in_flight'),
      bufferedBytes: bufferedBytesPerSink(text),
      lagSeconds,
      checkpointEnds,
    };
  } catch {
    // The process is restarting or gone: no sample this time.
    return undefined;
  }
}
