import type { Config } from '../../config/schema.js';
import type { DeadLetter } from '../../core/dead-letter.js';
import { type CfError, classify } from '../../core/errors/index.js';
import type { WatermarkPosition } from '../../core/watermark-position.js';
import type { FileSlots } from '../../engine/file-slots.js';
import type { Router } from '../../engine/router.js';
import { runPipeline } from '../../engine/run-pipeline.js';
import type { CheckpointStore } from '../../state/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { RecordEnricher } from '../../transforms/index.js';
import { failureVerdict } from './failure-policy.js';
import { failureDelayMs, type PollSchedule } from './schedule.js';
import type { StreamSpec } from './stream-specs.js';

/** What every stream poller of one service shares. */
export interface PollerContext {
  readonly config: Config;
  readonly router: Router;
  readonly enricher: RecordEnricher;
  readonly deadLetter: DeadLetter;
  readonly checkpoints: CheckpointStore;
  readonly fileSlots: FileSlots;
  readonly schedule: PollSchedule;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Aborted to stop: no new poll, no new file; polls in progress finish their started files. */
  readonly drain: AbortSignal;
  /** Aborted when in-flight work must stop at once (grace period over). */
  readonly hardStop: AbortSignal;
}

/** A stream's health as /readyz and the metrics see it. */
export interface StreamStatus {
  readonly stream: string;
  /** Epoch ms of the first failed poll in the current run of failures. */
  readonly failingSince: number | undefined;
  readonly lastError: CfError | undefined;
  readonly checkpointEndTime: string | undefined;
  readonly lastSuccessAt: number | undefined;
}

/**
 * One stream of the service, of any source: polls on its schedule, each poll a pipeline run of
 * the StreamSource its spec makes from the stream's checkpoint, to the end of its listing (new
 * files only), sharing the sinks, the enricher and the file slots with every other stream.
 *
 * A failed poll whose error may heal (upstream errors after the HTTP layer's retries) backs off
 * with capped exponential delays and polls again, without touching the other streams; the
 * checkpoint stays at the last delivered file, so nothing is skipped. An error that will not heal
 * is handed to `onFatal` and the poller stops. `run()` resolves once the poller has stopped:
 * after a drain, with every file it started delivered and checkpointed (or cut short by a hard
 * stop, with consistent checkpoints).
 */
export class StreamPoller {
  #position: WatermarkPosition | undefined;
  #loaded = false;
  #failures = 0;
  #failingSince: number | undefined;
  #lastError: CfError | undefined;
  #lastSuccessAt: number | undefined;

  constructor(
    readonly spec: StreamSpec,
    private readonly ctx: PollerContext,
  ) {}

  get key(): string {
    return this.spec.key;
  }

  status(): StreamStatus {
    return {
      stream: this.spec.key,
      failingSince: this.#failingSince,
      lastError: this.#lastError,
      checkpointEndTime: this.#position?.endTime,
      lastSuccessAt: this.#lastSuccessAt,
    };
  }

  async run(onFatal: (error: CfError, stream: string) => void): Promise<void> {
    const { ctx } = this;
    const log = ctx.logger.child({ stream: this.spec.key });
    let due = Date.now();
    while (!ctx.drain.aborted) {
      await sleepUntil(due, ctx.drain);
      if (ctx.drain.aborted) return;
      const error = await this.pollOnce();
      const now = Date.now();
      if (error === undefined) {
        if (this.#failingSince !== undefined) {
          log.info({ failedPolls: this.#failures }, 'Stream recovered.');
        }
        this.#failures = 0;
        this.#failingSince = undefined;
        this.#lastError = undefined;
        this.#lastSuccessAt = now;
        ctx.metrics.streamPolls.inc({ stream: this.spec.key, outcome: 'ok' });
        ctx.metrics.streamFailing.set({ stream: this.spec.key }, 0);
        ctx.metrics.streamLastSuccess.set({ stream: this.spec.key }, now / 1000);
        due = ctx.schedule.nextPollAt(now);
        continue;
      }
      // Stopping: a poll cut short by the shutdown is not a failure of the stream.
      if (ctx.drain.aborted && (ctx.hardStop.aborted || error.code === 'CF_ERR_ABORTED')) return;
      ctx.metrics.streamPolls.inc({ stream: this.spec.key, outcome: 'failed' });
      if (failureVerdict(error) === 'fatal') {
        onFatal(error, this.spec.key);
        return;
      }
      this.#failures++;
      this.#failingSince ??= now;
      this.#lastError = error;
      ctx.metrics.streamFailing.set({ stream: this.spec.key }, 1);
      const delay = failureDelayMs(ctx.config.service, this.#failures);
      log.warn(
        { err: error, code: error.code, failedPolls: this.#failures, retryInMs: delay },
        'Stream poll failed; it backs off and polls again, the other streams go on.',
      );
      due = now + delay;
    }
  }

  /** One pipeline run from the checkpoint to the end of the listing; resolves with its error. */
  private async pollOnce(): Promise<CfError | undefined> {
    const { ctx, spec } = this;
    const s = ctx.config.pipeline;
    try {
      if (!this.#loaded) {
        const cp = await ctx.checkpoints.load(spec.key);
        this.#position = cp;
        this.#loaded = true;
      }
      const stream = await spec.open(this.#position);
      const result = await runPipeline({
        streams: [stream],
        router: ctx.router,
        enricher: ctx.enricher,
        splitter: ctx.config.splitter,
        deadLetter: ctx.deadLetter,
        metrics: ctx.metrics,
        logger: ctx.logger,
        signal: ctx.hardStop,
        concurrency: s.concurrency,
        checkpoints: ctx.checkpoints,
        skipExpiredFiles: s.skipExpiredFiles,
        fileSlots: ctx.fileSlots,
        stopPulling: ctx.drain,
        // Follow the checkpoint as it advances, so the lag is current during a long catch-up.
        onProgress: (event) => {
          if (event.kind === 'checkpoint') this.#position = event.position;
        },
      });
      const position = result.streams[0]?.position;
      if (position !== undefined) this.#position = position;
      return result.error;
    } catch (err) {
      return classify(err);
    }
  }
}

/** Resolves at `atMs` or when `signal` aborts, whichever comes first; never rejects. */
function sleepUntil(atMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const arm = () => {
      const wait = atMs - Date.now();
      if (wait <= 0) return done();
      // setTimeout holds at most 2^31-1 ms (24.8 days); a far cron slot re-arms.
      timer = setTimeout(arm, Math.min(wait, 2_147_483_647));
    };
    signal.addEventListener('abort', done, { once: true });
    arm();
  });
}
