/**
 * The one reader of `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, from the
 * headers of a core-rest-pipeline response (`HttpHeaders`), of fetch (`Headers`), or the value
 * itself. A value Governor cannot read is no hint at all, never a wait of zero.
 */
import { now } from "../clock.ts";

/** What carries headers: core-rest-pipeline's `HttpHeaders` answers `undefined` for a missing one, fetch's `Headers` `null`. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

const SECONDS = /^\d+(\.\d+)?$/;
/** IMF-fixdate, the obsolete RFC 850 form and asctime all start with the day's name. */
const HTTP_DATE = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,? /i;

/**
 * Milliseconds to wait, or undefined when there is no readable `Retry-After`. A date already past
 * is a wait of 0; a negative or malformed value is unreadable. `at` is the current time (the app's
 * clock, which the local runtime shares with the emulator).
 */
export function retryAfterMs(source: HeaderSource | string | null | undefined, at: Date = now()): number | undefined {
  const raw = typeof source === "string" || source === null || source === undefined ? source : source.get("retry-after");
  const value = raw?.trim();
  if (!value) return undefined;
  if (SECONDS.test(value)) return Number(value) * 1000;
  if (!HTTP_DATE.test(value)) return undefined;
  // An HTTP-date is always GMT; asctime's form does not say so, and Date.parse would read it as local time.
  const date = Date.parse(/\b(GMT|UTC)\b/i.test(value) ? value : `${value} GMT`);
  return Number.isNaN(date) ? undefined : Math.max(0, date - at.getTime());
}

/** The `Retry-After` of an error thrown by an Azure SDK client (a `RestError`, whose response keeps its headers). */
export function retryAfterMsOfError(error: unknown, at: Date = now()): number | undefined {
  const headers = (error as { response?: { headers?: unknown } } | null | undefined)?.response?.headers;
  return isHeaderSource(headers) ? retryAfterMs(headers, at) : undefined;
}

function isHeaderSource(value: unknown): value is HeaderSource {
  return typeof value === "object" && value !== null && typeof (value as { get?: unknown }).get === "function";
}
