/**
 * Bounded concurrency for Azure reads. ARM refills a subscription's read bucket at about 25
 * requests a second and the SDK already waits out a 429's `Retry-After`; what is left to us is
 * not to have more requests in flight than the budget can carry.
 */

/** In-flight requests when the caller says nothing. */
export const DEFAULT_CONCURRENCY = 8;

/** Runs a task when a slot is free; tasks beyond the limit wait in arrival order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(limit: number = DEFAULT_CONCURRENCY): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a whole number of at least 1, not ${limit}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  // A finished task hands its slot straight to the next waiter, so a newcomer cannot slip in between.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/**
 * `fn` over every item, at most `limit` at a time (or through a shared limiter), results in the
 * items' order. The first failure rejects the whole; tasks already started still run to the end.
 * A task must not wait on another task of the same limiter, or a full limiter deadlocks.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number | Limiter,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const run = typeof limit === "function" ? limit : createLimiter(limit);
  return Promise.all(items.map((item, index) => run(() => fn(item, index))));
}
