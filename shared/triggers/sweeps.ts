/**
 * Which policy sweeps are due. A timer wakes every few minutes; each policy's own NCRONTAB
 * `schedule`, on the wall clock of the policy file's time zone and with the Functions host's rules
 * at clock changes (shared/time/ncrontab.ts), says whether one of its slots passed since the last
 * run. The local times are Governor's own reckoning: on Flex Consumption (Linux) the host does not
 * support WEBSITE_TIME_ZONE and fires the timer itself in UTC. Pure: the policies, the window and
 * the zone in, the sweeps out.
 *
 * Each due policy runs once per wake-up, for its latest slot: slots missed while the app was down
 * run once, not once per slot. The instance id names the policy and the slot, so a timer that
 * fires twice, or windows that overlap, find the sweep already started.
 */
import { sweepInstanceId } from "../../orchestrations/names.ts";
import type { Policy } from "../policy/types.ts";
import { type NcrontabExpression, nextOccurrence, occurrencesBetween, parseNcrontab } from "../time/ncrontab.ts";

export interface DueSweep {
  policy: string;
  /** The slot the sweep runs for: the policy's latest occurrence in the window (ISO, UTC). */
  slot: string;
  /** `sweep:<policy>:<slot ISO>`. */
  instanceId: string;
  /** The window held earlier occurrences too (the app was down): they run once, as this one. */
  missedSince?: string;
}

export interface DueSweeps {
  due: DueSweep[];
  /** Policies whose schedule cannot be read, with why: they never run, and say so. */
  problems: string[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Look-back windows, widening: a frequent schedule never walks a long gap one occurrence at a time. */
const LOOK_BACK_MS = [MINUTE_MS, 60 * MINUTE_MS, DAY_MS, 8 * DAY_MS, 32 * DAY_MS, 367 * DAY_MS];

/** The schedule's occurrences in `(after, upTo]`: the first and the latest, or none. */
export function occurrencesIn(
  expression: NcrontabExpression | string,
  after: Date,
  upTo: Date,
  timeZone: string,
): { first: Date; latest: Date } | undefined {
  const cron = typeof expression === "string" ? parseNcrontab(expression) : expression;
  const first = nextOccurrence(cron, after, timeZone);
  if (first.getTime() > upTo.getTime()) return undefined;
  for (const back of LOOK_BACK_MS) {
    const from = Math.max(after.getTime(), upTo.getTime() - back);
    let latest = nextOccurrence(cron, new Date(from), timeZone);
    if (latest.getTime() > upTo.getTime()) continue;
    for (let next = nextOccurrence(cron, latest, timeZone); next.getTime() <= upTo.getTime(); next = nextOccurrence(cron, next, timeZone))
      latest = next;
    return { first, latest };
  }
  // More than a year between runs: walk it (at most a year's occurrences of a yearly schedule).
  let latest = first;
  for (let next = nextOccurrence(cron, latest, timeZone); next.getTime() <= upTo.getTime(); next = nextOccurrence(cron, next, timeZone))
    latest = next;
  return { first, latest };
}

/** The sweeps due in `(since, now]`: each scheduled policy at most once, for its latest slot. */
export function dueSweeps(policies: ReadonlyArray<Pick<Policy, "name" | "schedule">>, timeZone: string, since: Date, now: Date): DueSweeps {
  const result: DueSweeps = { due: [], problems: [] };
  if (!(since.getTime() < now.getTime())) return result;
  const seen = new Set<string>();
  for (const policy of policies) {
    if (policy.schedule === undefined || seen.has(policy.name)) continue;
    seen.add(policy.name);
    let found: { first: Date; latest: Date } | undefined;
    try {
      found = occurrencesIn(policy.schedule, since, now, timeZone);
    } catch (error) {
      result.problems.push(`${policy.name}: ${(error as Error).message}`);
      continue;
    }
    if (!found) continue;
    const sweep: DueSweep = {
      policy: policy.name,
      slot: found.latest.toISOString(),
      instanceId: sweepInstanceId(policy.name, found.latest),
    };
    if (found.first.getTime() !== found.latest.getTime()) sweep.missedSince = found.first.toISOString();
    result.due.push(sweep);
  }
  return result;
}

export interface SweepWindowOptions {
  /** The timer's period: the window of a first run, with no last run to go from. Default 5 minutes. */
  periodMs?: number;
  /** How far back a missed slot still runs. Default 35 days (a monthly schedule's slot). */
  maxLookBackMs?: number;
  /** Reaches back before the last run, for a timer that fired a little early; the instance ids make the overlap harmless. Default 1 minute. */
  overlapMs?: number;
}

/**
 * Where the window of this run starts, from the timer's `scheduleStatus.last` (the host records
 * the last occurrence it ran, in storage, across restarts): just before it, within bounds. No
 * usable record (a first run, or a timer without monitoring) means the current period only:
 * deploying Governor does not run every policy at once.
 */
export function sweepWindowStart(last: string | undefined, now: Date, options: SweepWindowOptions = {}): { since: Date; reason: string } {
  const periodMs = options.periodMs ?? 5 * MINUTE_MS;
  const maxLookBackMs = options.maxLookBackMs ?? 35 * DAY_MS;
  const overlapMs = options.overlapMs ?? MINUTE_MS;
  const recorded = last === undefined || last.trim() === "" ? undefined : new Date(last);
  // The host reports 0001-01-01 when it has nothing recorded.
  if (recorded === undefined || Number.isNaN(recorded.getTime()) || recorded.getUTCFullYear() < 2000) {
    return { since: new Date(now.getTime() - periodMs), reason: "no last run recorded: the current period only" };
  }
  if (recorded.getTime() > now.getTime()) {
    return {
      since: new Date(now.getTime() - periodMs),
      reason: `last run ${recorded.toISOString()} is in the future: the current period only`,
    };
  }
  const earliest = now.getTime() - maxLookBackMs;
  if (recorded.getTime() - overlapMs < earliest) {
    return {
      since: new Date(earliest),
      reason: `last run ${recorded.toISOString()} is too long ago: slots of the last ${Math.round(maxLookBackMs / DAY_MS)} days`,
    };
  }
  return { since: new Date(recorded.getTime() - overlapMs), reason: `since the last run at ${recorded.toISOString()}` };
}

/** Earlier slots looked at, at most: a half-hourly schedule with a day of timeout is 48. */
const MAX_EARLIER_SLOTS = 64;

/**
 * The policy's slots before `slot` whose request for approval may still wait for a person: those
 * within its approval timeout twice over (one escalation gets a second timeout), most recent
 * first. Empty for a policy that asks no one. A sweep of a policy that asks every half hour must
 * not ask again about the same resources while a person has not answered yet.
 */
export function slotsAwaitingApproval(policy: Pick<Policy, "schedule" | "approval">, slot: Date, timeZone: string): Date[] {
  if (policy.schedule === undefined || policy.approval?.required !== true) return [];
  const lookBackMs = 2 * policy.approval.timeoutMs + 5 * MINUTE_MS;
  const earlier = occurrencesBetween(policy.schedule, new Date(slot.getTime() - lookBackMs), slot, timeZone, 100_000);
  return earlier.slice(-MAX_EARLIER_SLOTS).reverse();
}
