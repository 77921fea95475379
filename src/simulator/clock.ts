/**
 * The simulator's idea of "now", which decides which windows have closed (and so which files
 * exist). Frozen by default, so a test's catalog does not move under it; in live mode it follows
 * the clock, optionally faster than real time (speed 60: one simulated hour per real minute).
 * Rate limits and signed-URL expiry use real time instead: they are about the client's pace.
 */
export class SimClock {
  private readonly origin: number;
  constructor(
    private readonly clock: () => Date,
    private readonly live: boolean,
    private readonly speed: number,
  ) {
    this.origin = clock().getTime();
  }

  nowMs(): number {
    if (!this.live) return this.origin;
    const elapsed = this.clock().getTime() - this.origin;
    return this.origin + elapsed * this.speed;
  }
}
