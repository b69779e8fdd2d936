/**
 * Synthetic but plausible load for a resource: a CPU-like utilisation (percent) per minute,
 * shaped by the resource's workload profile and Europe's working hours, with noise seeded by
 * the resource id. Pure and deterministic: the same (profile, id, minute) always gives the same
 * value, whichever query window or interval asks for it.
 */
import type { WorkloadProfile } from "../store.ts";

export const WORKLOAD_PROFILES: readonly WorkloadProfile[] = ["idle", "light", "business-hours", "steady", "busy", "nightly-batch"];
export const DEFAULT_WORKLOAD: WorkloadProfile = "steady";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** FNV-1a, 32 bits: a stable seed from a resource id (compared case-insensitively, as ARM does). */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A well-mixed uniform value in [0, 1) from a seed and an integer (splitmix-style finaliser). */
export function unit(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n | 0, 0x9e3779b1) ^ Math.imul(Math.floor(n / 4_294_967_296), 0x85ebca77)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 4_294_967_296;
}

/** Noise in [-1, 1] that changes every minute. */
function minuteNoise(seed: number, tMs: number): number {
  return unit(seed, Math.floor(tMs / MINUTE_MS)) * 2 - 1;
}

/** The last resource's hourly knots: a week of minutes reads each knot sixty times over. */
let knotSeed: number | undefined;
let knotIndex = Number.NaN;
let knotFrom = 0;
let knotTo = 0;

/** Noise in [-1, 1] that drifts smoothly over hours (interpolated between hourly knots). */
function hourlyDrift(seed: number, tMs: number): number {
  const hours = tMs / HOUR_MS;
  const knot = Math.floor(hours);
  const f = hours - knot;
  if (seed !== knotSeed || knot !== knotIndex) {
    knotSeed = seed;
    knotIndex = knot;
    knotFrom = unit(seed ^ 0x5bd1e995, knot) * 2 - 1;
    knotTo = unit(seed ^ 0x5bd1e995, knot + 1) * 2 - 1;
  }
  const s = f * f * (3 - 2 * f);
  return knotFrom + (knotTo - knotFrom) * s;
}

/** Last Sunday of a month at 01:00 UTC: when EU summer time starts (March) and ends (October). */
function lastSundayOneUtc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  const back = lastDay.getUTCDay();
  return Date.UTC(year, month, lastDay.getUTCDate() - back, 1);
}

const DAY_MS = 24 * HOUR_MS;

/** A UTC year's bounds and its summer-time range, for the instants of one year without a Date each. */
interface DstYear {
  from: number;
  until: number;
  summerFrom: number;
  summerUntil: number;
}

const dstCache = new Map<number, DstYear>();
let lastYear: DstYear | undefined;

function dstYear(tMs: number): DstYear {
  if (lastYear && tMs >= lastYear.from && tMs < lastYear.until) return lastYear;
  const year = new Date(tMs).getUTCFullYear();
  let found = dstCache.get(year);
  if (!found) {
    found = {
      from: Date.UTC(year, 0, 1),
      until: Date.UTC(year + 1, 0, 1),
      summerFrom: lastSundayOneUtc(year, 2),
      summerUntil: lastSundayOneUtc(year, 9),
    };
    dstCache.set(year, found);
  }
  lastYear = found;
  return found;
}

/** UTC offset of Central European Time at an instant: +1 h, or +2 h in summer (EU rules). */
export function centralEuropeOffsetMs(tMs: number): number {
  const year = dstYear(tMs);
  return tMs >= year.summerFrom && tMs < year.summerUntil ? 2 * HOUR_MS : HOUR_MS;
}

/** Minutes since local midnight in Central Europe, and the local day number since 1970-01-01 (a Thursday). */
function centralEuropeMinutes(tMs: number): { days: number; minutes: number } {
  const local = tMs + centralEuropeOffsetMs(tMs);
  const days = Math.floor(local / DAY_MS);
  return { days, minutes: Math.floor((local - days * DAY_MS) / MINUTE_MS) };
}

const weekdayOf = (days: number): number => (((days + 4) % 7) + 7) % 7;
const hourOf = (minutes: number): number => Math.floor(minutes / 60) + (minutes % 60) / 60;

/**
 * Local wall-clock in Central Europe (Amsterdam, Berlin, Paris): weekday 0 = Sunday, fractional
 * hour to the minute. By arithmetic on the instant: the metrics generator asks for every minute
 * of weeks of data.
 */
export function centralEuropeTime(tMs: number): { weekday: number; hour: number } {
  const { days, minutes } = centralEuropeMinutes(tMs);
  return { weekday: weekdayOf(days), hour: hourOf(minutes) };
}

const inWorkingHours = (weekday: number, hour: number): boolean => weekday >= 1 && weekday <= 5 && hour >= 8 && hour < 18;

/** Whether Central Europe is in working hours: Monday to Friday, 08:00 to 18:00. */
export function isEuropeanBusinessHours(tMs: number): boolean {
  const { weekday, hour } = centralEuropeTime(tMs);
  return inWorkingHours(weekday, hour);
}

/** The daily swing by minute of the local day, computed once: the same sine for every resource and day. */
const DAILY_BY_MINUTE = Float64Array.from({ length: 24 * 60 }, (_, minute) => Math.sin(((hourOf(minute) - 8) / 24) * 2 * Math.PI));

/** The last resource's place in its band, read once per resource rather than per minute. */
let biasSeed: number | undefined;
let biasValue = 0;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/**
 * CPU utilisation in percent for one minute. Ranges per profile: idle 0.5-3, light 4-12 (in use,
 * but far from what its size offers: a rightsizing candidate, not an idle one), steady 20-40,
 * busy 60-90, business-hours 35-85 in European working hours and 1-6 otherwise,
 * nightly-batch 70-98 from 01:00 to 04:00 local time and 2-8 otherwise.
 */
export function cpuPercent(profile: WorkloadProfile, seed: number, tMs: number): number {
  const noise = minuteNoise(seed, tMs);
  const drift = hourlyDrift(seed, tMs);
  // Each resource sits a little higher or lower in its band.
  if (seed !== biasSeed) {
    biasSeed = seed;
    biasValue = unit(seed, -1) * 2 - 1;
  }
  const bias = biasValue;
  const { days, minutes } = centralEuropeMinutes(tMs);
  const hour = hourOf(minutes);
  const daily = DAILY_BY_MINUTE[minutes] as number;
  switch (profile) {
    case "idle":
      return clamp(1.5 + 0.4 * bias + 0.4 * drift + 0.4 * noise, 0.5, 2.9);
    case "light":
      return clamp(7 + 1 * bias + 1.5 * drift + 1.5 * noise, 4, 12);
    case "steady":
      return clamp(30 + 3 * bias + 3 * daily + 2 * drift + 2 * noise, 20, 40);
    case "busy":
      return clamp(75 + 4 * bias + 4 * daily + 3 * drift + 3 * noise, 60, 90);
    case "business-hours":
      if (inWorkingHours(weekdayOf(days), hour)) {
        // A dip over lunch, as order desks and warehouses take their break.
        const lunch = hour >= 12 && hour < 13 ? -10 : 0;
        return clamp(60 + 5 * bias + lunch + 8 * drift + 5 * noise, 35, 85);
      }
      return clamp(3 + 1 * bias + 1 * drift + 0.8 * noise, 1, 6);
    case "nightly-batch":
      if (hour >= 1 && hour < 4) return clamp(85 + 4 * bias + 4 * drift + 4 * noise, 70, 98);
      return clamp(4.5 + 1.5 * bias + 1 * drift + 1 * noise, 2, 8);
  }
}

/** A derived metric's salt (its name), hashed once where the metric is defined. */
export const saltOf = (salt: string): number => hashString(salt);

/** Extra noise in [-1, 1] for a derived metric (network, memory, connections), independent of CPU's. */
export function metricNoise(seed: number, salt: number, tMs: number): number {
  return minuteNoise(seed ^ salt, tMs);
}
