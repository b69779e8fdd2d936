/** Formatting shared by the reasons of filters and actions, so every reason reads the same way. */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** `[dev, test]`. */
export function formatList(values: readonly string[]): string {
  return `[${values.join(", ")}]`;
}

/** A measured value as a person reads it: `1.8`, `0.042`, `245`, never `1.8000000000000003`. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return String(Math.round(value));
  if (magnitude >= 1) return String(Math.round(value * 10) / 10);
  return String(Number(value.toPrecision(2)));
}

const plural = (count: number, unit: string): string => `${count} ${unit}${count === 1 ? "" : "s"}`;

/** An elapsed time in the largest unit that keeps it readable: `145 days`, `5 hours`, `12 minutes`. */
export function formatElapsed(ms: number): string {
  if (ms >= DAY_MS) return plural(Math.floor(ms / DAY_MS), "day");
  if (ms >= HOUR_MS) return plural(Math.floor(ms / HOUR_MS), "hour");
  return plural(Math.floor(ms / MINUTE_MS), "minute");
}

/** `2026-07-01`: the day of an instant, in UTC. */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
