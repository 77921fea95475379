/**
 * One FIFO lane per topic-partition. A send holds its partition's lane through all its retries,
 * so the next batch for that partition waits instead of overtaking it. That keeps per-partition
 * order, and it is what makes idempotent retries safe: kafkajs rewinds a partition's sequence
 * number when a request fails, and the retry must reuse those numbers before any other request
 * for the partition takes them (else the broker would take the retry for a duplicate, or the
 * next request for a duplicate of the failed one).
 */
export class PartitionLanes {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(lane: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(lane) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(lane, tail);
    tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return result;
  }

  /** Lanes with a task running or queued. */
  get busy(): number {
    return this.tails.size;
  }
}
