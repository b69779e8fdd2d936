/**
 * KQL's scalar types and the conversions between them. At run time: strings and numbers are JS
 * strings and numbers, datetimes are `Date`, timespans are `Timespan`, dynamic values are JSON
 * values; `null` is the null of every type but string (KQL strings are never null, only empty).
 */
export type KqlType = "string" | "long" | "real" | "bool" | "datetime" | "timespan" | "dynamic";

export class Timespan {
  readonly ms: number;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** KQL's rendering: `[d.]hh:mm:ss[.fffffff]`. */
  toString(): string {
    const sign = this.ms < 0 ? "-" : "";
    let rest = Math.abs(this.ms);
    const days = Math.floor(rest / 86_400_000);
    rest -= days * 86_400_000;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = Math.round(rest - seconds * 1000);
    const pad = (n: number): string => String(n).padStart(2, "0");
    const fraction = millis > 0 ? `.${String(millis).padStart(3, "0")}0000` : "";
    return `${sign}${days > 0 ? `${days}.` : ""}${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fraction}`;
  }
}

export const isNumeric = (type: KqlType): boolean => type === "long" || type === "real";

export function isNullish(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** `tostring()`: null becomes the empty string; dynamic objects and arrays become JSON. */
export function toKqlString(value: unknown): string {
  if (isNullish(value)) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return formatDatetime(value);
  if (value instanceof Timespan) return value.toString();
  return JSON.stringify(value);
}

export function formatDatetime(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}

/** `todouble()` / `tolong()`: numbers, numeric strings and booleans; null otherwise. */
export function toKqlNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** `todatetime()`: a datetime, or an ISO-8601 string; null when it is neither. */
export function toKqlDatetime(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    let text = value.trim().replace(" ", "T");
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += "T00:00:00Z";
    else if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) text += "Z";
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** A result value as JSON: datetimes as ISO strings, timespans as `hh:mm:ss`, undefined as null. */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return formatDatetime(value);
  if (value instanceof Timespan) return value.toString();
  return value;
}

/** Ordering of two non-null values of one type (dynamic values are ordered numbers, then strings). */
export function compareValues(left: unknown, right: unknown): number {
  if (typeof left === "number" && typeof right === "number") return left - right;
  if (left instanceof Date && right instanceof Date) return left.getTime() - right.getTime();
  if (left instanceof Timespan && right instanceof Timespan) return left.ms - right.ms;
  if (typeof left === "boolean" && typeof right === "boolean") return Number(left) - Number(right);
  const a = toKqlString(left);
  const b = toKqlString(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable key for grouping (summarize, distinct). */
export function groupKey(values: unknown[]): string {
  return JSON.stringify(
    values.map((value) => (value instanceof Date ? { d: value.getTime() } : value instanceof Timespan ? { t: value.ms } : (value ?? null))),
  );
}
