interface Lane {
  running: number;
  readonly queue: Array<() => Promise<void>>;
}

/**
 * One FIFO lane per topic-partition: tasks start in the order they were queued, at most `width`
 * of them at once per lane. A send holds its place in the lane through all its retries.
 *
 * Width 1 (kafkajs): the next batch for a partition waits until the last is acknowledged. That
 * keeps per-partition order, and it is what makes kafkajs's idempotent retries safe: kafkajs
 * rewinds a partition's sequence number when a request fails, and the retry must reuse those
 * numbers before any other request for the partition takes them (else the broker would take the
 * retry for a duplicate, or the next request for a duplicate of the failed one).
 *
 * Wider (librdkafka): the client numbers and orders a partition's requests itself (its idempotent
 * producer keeps up to 5 in flight in order and retries them in place), so the next batch is
 * handed to it while the last is still on the wire instead of after its acknowledgement.
 */
export class PartitionLanes {
  private readonly lanes = new Map<string, Lane>();

  run<T>(lane: string, width: number, task: () => Promise<T>): Promise<T> {
    let state = this.lanes.get(lane);
    if (state === undefined) {
      state = { running: 0, queue: [] };
      this.lanes.set(lane, state);
    }
    const queued = state;
    return new Promise<T>((resolve, reject) => {
      queued.queue.push(() => Promise.resolve().then(task).then(resolve, reject));
      this.startQueued(lane, queued, Math.max(1, width));
    });
  }

  private startQueued(name: string, lane: Lane, width: number): void {
    while (lane.running < width && lane.queue.length > 0) {
      const start = lane.queue.shift()!;
      lane.running++;
      void start().then(() => {
        lane.running--;
        if (lane.running === 0 && lane.queue.length === 0) this.lanes.delete(name);
        else this.startQueued(name, lane, width);
      });
    }
  }

  /** Lanes with a task running or queued. */
  get busy(): number {
    return this.lanes.size;
  }
}
