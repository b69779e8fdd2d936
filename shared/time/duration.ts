/** Durations as policies and settings write them: `90s`, `15m`, `72h`, `30d`, `2w`. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseDuration(text: string | number): number {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) throw new Error(`invalid duration ${text}: expected a non-negative number of milliseconds`);
    return text;
  }
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": expected a number and a unit (ms, s, m, h, d, w), e.g. 72h`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

/** The largest whole unit that writes a duration exactly (`259200000` → `3d`, `5400000` → `90m`). */
export function formatDuration(ms: number): string {
  for (const unit of ["w", "d", "h", "m", "s"] as const) {
    const size = UNITS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
