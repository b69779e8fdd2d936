/**
 * A worker's recent reads: one read's promise serves every caller of the same key for `ttlMs`
 * after it was made, so many changes (or sweeps) of one worker share a list instead of each
 * sending it. A failed read is not kept: the next caller reads again. A read is let go once its
 * time to live has passed, so keys that are never asked again (a sweep slot's) hold no memory.
 */
export interface RecentReads<T> {
  (
    key: string,
    read: () => Promise<T>,
    /** `fresh`: read now whatever is kept (and keep this read for the others). */
    options?: { fresh?: boolean },
  ): Promise<T>;
  /** How many reads are kept now. */
  readonly size: number;
}

export function recentReads<T>(ttlMs: number): RecentReads<T> {
  const kept = new Map<string, { at: number; value: Promise<T> }>();
  const share = (key: string, read: () => Promise<T>, options: { fresh?: boolean } = {}): Promise<T> => {
    const cached = kept.get(key);
    if (options.fresh !== true && cached && Date.now() - cached.at < ttlMs) return cached.value;
    const value = read();
    const entry = { at: Date.now(), value };
    kept.set(key, entry);
    const forget = (): void => {
      if (kept.get(key) === entry) kept.delete(key);
    };
    value.catch(forget);
    // Unref'd: a kept read never holds the process open.
    setTimeout(forget, ttlMs).unref?.();
    return value;
  };
  return Object.defineProperty(share, "size", { get: () => kept.size }) as RecentReads<T>;
}
