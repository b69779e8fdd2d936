/**
 * A worker's recent reads: one read's promise serves every caller of the same key for `ttlMs`
 * after it was made, so many changes (or sweeps) of one worker share a list instead of each
 * sending it. A failed read is not kept: the next caller reads again.
 */
export type RecentReads<T> = (
  key: string,
  read: () => Promise<T>,
  /** `fresh`: read now whatever is kept (and keep this read for the others). */
  options?: { fresh?: boolean },
) => Promise<T>;

export function recentReads<T>(ttlMs: number): RecentReads<T> {
  const kept = new Map<string, { at: number; value: Promise<T> }>();
  return (key, read, options = {}) => {
    const cached = kept.get(key);
    if (options.fresh !== true && cached && Date.now() - cached.at < ttlMs) return cached.value;
    const value = read();
    kept.set(key, { at: Date.now(), value });
    value.catch(() => {
      if (kept.get(key)?.value === value) kept.delete(key);
    });
    return value;
  };
}
