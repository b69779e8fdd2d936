/**
 * Activities at most `limit` at a time, the waiting ones served round-robin across the
 * orchestration instances that scheduled them (each instance's own in arrival order). The host in
 * Azure runs a fan-out's activities on as many workers as it scales out to, so one workflow's
 * hundreds of queued activities never keep another's waiting behind them; a local runtime of a
 * few slots that served them first come, first served would: a sweep's tag merges, paced by
 * ARM's write bucket, would hold every slot while its backup enrolments, bound by the read
 * bucket, waited, and the two buckets would be used one after the other instead of together.
 */
export type FairLimiter = <T>(key: string, task: () => Promise<T>) => Promise<T>;

export function createFairLimiter(limit: number): FairLimiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a whole number of at least 1, not ${limit}`);
  let active = 0;
  // Insertion order is the round: a key served goes to the back, a key with nothing left is dropped.
  const waiting = new Map<string, Array<() => void>>();
  const release = (): void => {
    const next = waiting.entries().next();
    if (next.done) {
      active -= 1;
      return;
    }
    const [key, queue] = next.value;
    const resume = queue.shift() as () => void;
    waiting.delete(key);
    if (queue.length > 0) waiting.set(key, queue);
    // The slot goes straight to the next waiter, so a newcomer cannot slip in between.
    resume();
  };
  return async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    if (active >= limit) {
      await new Promise<void>((resolve) => {
        const queue = waiting.get(key);
        if (queue) queue.push(resolve);
        else waiting.set(key, [resolve]);
      });
    } else active += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
