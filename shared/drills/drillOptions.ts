/**
 * What a drill of one server does, decided from the policy's settings and the server's tags
 * (pure): the objectives, the restore point, the checks, the drill server's name and tags, and
 * when it expires (after which the sweeper deletes it, whatever became of the drill).
 */
import { drillTargets, serverDrillArgs, type RestoreDrillArgs } from "../actions/restoreDrill.ts";
import { parseDuration } from "../time/duration.ts";
import type { Objectives } from "./measure.ts";
import { CHECK_NAMES, type CheckName } from "./types.ts";

/** A drill server lives at most this long: the sweeper deletes it after that. */
export const DRILL_LIFETIME_MS = 6 * 3_600_000;
/** The drill gives up waiting for the restore after this long (well within the lifetime). */
export const RESTORE_TIMEOUT_MS = 4 * 3_600_000;
export const DEFAULT_TOLERANCE_PERCENT = 5;

/** Tags Governor puts on a drill server (over the ones a restore inherits from its source). */
export const DRILL_TAGS = {
  marker: "governor-drill",
  source: "governor-drill-source",
  run: "governor-drill-run",
  expires: "governor-drill-expires",
} as const;

export interface DrillOptions {
  objectives: Objectives;
  /** `latest`, or how long before the drill's start. */
  restorePoint: "latest" | { offsetMs: number };
  database: string;
  checks: CheckName[];
  tolerancePercent: number;
  heartbeat: boolean;
}

export function drillOptions(args: RestoreDrillArgs, server: { name: string; tags: Record<string, string> }): DrillOptions {
  const own = serverDrillArgs(args, server.name);
  const point = own.restorePoint?.trim() ?? "latest";
  const checks = (own.checks ?? [...CHECK_NAMES]).filter((check): check is CheckName => (CHECK_NAMES as readonly string[]).includes(check));
  return {
    objectives: drillTargets(server, own),
    restorePoint: point === "latest" ? "latest" : { offsetMs: parseDuration(point) },
    database: own.database ?? "odoo",
    checks,
    tolerancePercent: own.rowCountTolerancePercent ?? DEFAULT_TOLERANCE_PERCENT,
    heartbeat: own.heartbeat ?? false,
  };
}

/**
 * The restore point: now for `latest` (the newest point Azure can restore to), or the offset
 * before now; refused when it falls before the server's earliest restore point.
 */
export function restorePoint(options: DrillOptions, now: Date, earliest: Date | undefined): { pointInTime?: string; error?: string } {
  const point = options.restorePoint === "latest" ? now : new Date(now.getTime() - options.restorePoint.offsetMs);
  if (earliest && point.getTime() < earliest.getTime()) {
    return { error: `restore point ${point.toISOString()} is before the server's earliest restore point ${earliest.toISOString()}` };
  }
  return { pointInTime: point.toISOString() };
}

function hash8(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** A flexible server name (3-63 lower-case letters, digits, hyphens) unique to the drill run. */
export function drillServerName(sourceName: string, runId: string): string {
  const base = sourceName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${base}-drill-${hash8(runId)}`;
}

/**
 * A drill server's tags: inherited from the source except that it is not production (so no
 * policy treats it as such) and it says whose copy it is and when it expires.
 */
export function drillTags(
  source: { name: string; tags: Record<string, string> },
  runId: string,
  expiresAt: string,
): Record<string, string> {
  const ours = new Set(["environment", ...Object.values(DRILL_TAGS)]);
  const inherited = Object.fromEntries(Object.entries(source.tags).filter(([name]) => !ours.has(name.toLowerCase())));
  return {
    ...inherited,
    environment: "drill",
    [DRILL_TAGS.marker]: "copy",
    [DRILL_TAGS.source]: source.name,
    [DRILL_TAGS.run]: runId.slice(0, 256),
    [DRILL_TAGS.expires]: expiresAt,
  };
}

/** A server created by the drill run `runId` (its tags say so; the run tag is cut as drillTags cuts it). */
export function isDrillCopyOf(tags: Record<string, string> | undefined, runId: string): boolean {
  return tags?.[DRILL_TAGS.marker] === "copy" && tags[DRILL_TAGS.run] === runId.slice(0, 256);
}

/** A drill server whose expiry has passed (a server without the tag is not Governor's to delete). */
export function isExpiredDrillServer(tags: Record<string, string> | undefined, now: Date): boolean {
  const expires = tags?.[DRILL_TAGS.expires];
  if (tags?.[DRILL_TAGS.marker] !== "copy" || expires === undefined) return false;
  const at = Date.parse(expires);
  return !Number.isNaN(at) && at <= now.getTime();
}
