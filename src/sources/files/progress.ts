/** How far a replay is, in bytes read from disk (compressed bytes for gzip). */
export interface ReplayProgress {
  /** Files the replay covers (after the resume point), once listed. */
  readonly files: number;
  readonly filesDone: number;
  /** Total size on disk of those files; undefined for stdin. */
  readonly bytesTotal: number | undefined;
  /** Bytes read so far (a resumed plain file counts its skipped prefix as read). */
  readonly bytesRead: number;
  /** Bytes already counted as read when the replay started (its resume point). */
  readonly bytesAtStart: number;
  /** Epoch ms when the replay started listing. */
  readonly startedAtMs: number;
}

/** Fraction done, rate and ETA; undefined parts while they cannot be known yet. */
export interface ReplayEstimate {
  readonly fraction: number | undefined;
  readonly bytesPerSecond: number;
  readonly etaMs: number | undefined;
}

export function estimateReplay(p: ReplayProgress, nowMs: number): ReplayEstimate {
  const seconds = Math.max(0.001, (nowMs - p.startedAtMs) / 1000);
  const bytesPerSecond = Math.max(0, p.bytesRead - p.bytesAtStart) / seconds;
  if (p.bytesTotal === undefined || p.bytesTotal === 0)
    return { fraction: undefined, bytesPerSecond, etaMs: undefined };
  const fraction = Math.min(1, p.bytesRead / p.bytesTotal);
  const etaMs = bytesPerSecond > 0 ? ((p.bytesTotal - p.bytesRead) / bytesPerSecond) * 1000 : undefined;
  return { fraction, bytesPerSecond, etaMs };
}

const MIB = 1024 * 1024;

/** One line for a progress display: `3/40 files, 1.2/5.0 GiB (24%), 85.3 MiB/s, ETA 0m45s`. */
export function formatReplayProgress(p: ReplayProgress, nowMs: number): string {
  const e = estimateReplay(p, nowMs);
  const size = (n: number) =>
    n >= 1024 * MIB ? `${(n / (1024 * MIB)).toFixed(1)} GiB` : `${(n / MIB).toFixed(1)} MiB`;
  const bytes =
    p.bytesTotal === undefined
      ? size(p.bytesRead)
      : `${size(p.bytesRead)} of ${size(p.bytesTotal)}${e.fraction === undefined ? '' : ` (${Math.floor(e.fraction * 100)}%)`}`;
  const eta = e.etaMs === undefined ? '' : `, ETA ${formatDuration(e.etaMs)}`;
  return `${p.filesDone}/${p.files} files, ${bytes}, ${(e.bytesPerSecond / MIB).toFixed(1)} MiB/s${eta}`;
}

function formatDuration(ms: number): string {
  const t = Math.round(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return `${h > 0 ? `${h}h` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}m${String(s).padStart(2, '0')}s`;
}
