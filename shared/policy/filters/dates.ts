/** Dates as users write them in tags: `2026-10-31` or an ISO date-time. */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch ms of a `YYYY-MM-DD` (midnight UTC) or ISO date-time; undefined for anything else. Strict
 * on purpose: `Date` would read `10/31/2026` or `31-10-2026` in ways nobody meant, and a
 * misread expiry date deletes things. A day that does not exist (`2026-02-30`) is not a date.
 */
export function parseTagDate(text: string): number | undefined {
  const trimmed = text.trim();
  const day = DAY.exec(trimmed);
  if (day) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const ms = Date.UTC(year, month - 1, date);
    const back = new Date(ms);
    return back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === date ? ms : undefined;
  }
  if (!DATE_TIME.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}
