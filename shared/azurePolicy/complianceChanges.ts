/**
 * What the report and the digest say about Azure Policy compliance, from the daily snapshots
 * (shared/azurePolicy/snapshots.ts): today's non-compliant counts of Governor's assignment, per
 * initiative and per definition reference, with the change since the previous day's snapshot; and
 * the trend, one point per UTC day. Pure: snapshots and a day in, figures out.
 */
import { BUILTINS } from "./builtins.ts";
import type { ComplianceSnapshot } from "./snapshots.ts";

export interface ReferenceCount {
  referenceId: string;
  /** The Governor policy the reference comes from. */
  governorPolicy?: string;
  /** The definition's display name for a Microsoft built-in, else its name. */
  definition: string;
  effect: string;
  groups: string[];
  nonCompliantResources: number;
  /** Against the previous snapshot; absent when there is none, or it did not have the reference. */
  change?: number;
}

export interface ComplianceToday {
  day: string;
  at: string;
  assignmentId: string;
  initiativeId?: string;
  nonCompliantResources: number;
  nonCompliantPolicies: number;
  /** The day of the snapshot the changes are against, when there is one. */
  since?: string;
  change?: number;
  /** Every reference, the most non-compliant first. */
  references: ReferenceCount[];
}

export interface ComplianceTrend {
  /** Reference ids that had non-compliant resources on some day of the trend. */
  references: string[];
  /** One point per UTC day, oldest first; `total` is null on a day with no snapshot. */
  days: Array<{ day: string; total: number | null; byReference: Record<string, number> }>;
}

const BUILTIN_NAMES = new Map<string, string>(Object.values(BUILTINS).map((builtin) => [builtin.name.toLowerCase(), builtin.displayName]));
const DAY_MS = 86_400_000;

/** A definition as people know it: a built-in by its display name, a custom one by its name. */
export function definitionLabel(definitionId: string): string {
  const name = definitionId.split("/").at(-1) ?? definitionId;
  return BUILTIN_NAMES.get(name.toLowerCase()) ?? name;
}

/** The latest snapshot of a day before `day`: what "since yesterday" compares with. */
export function previousSnapshot(history: readonly ComplianceSnapshot[], day: string): ComplianceSnapshot | undefined {
  return history
    .filter((snapshot) => snapshot.day < day)
    .sort((a, b) => a.day.localeCompare(b.day) || a.at.localeCompare(b.at))
    .at(-1);
}

export function complianceToday(snapshot: ComplianceSnapshot, history: readonly ComplianceSnapshot[]): ComplianceToday {
  const previous = previousSnapshot(history, snapshot.day);
  const before = new Map(previous?.assignment.references.map((reference) => [reference.referenceId, reference.nonCompliantResources]));
  const { assignment } = snapshot;
  return {
    day: snapshot.day,
    at: snapshot.at,
    assignmentId: assignment.assignmentId,
    ...(assignment.initiativeId === undefined ? {} : { initiativeId: assignment.initiativeId }),
    nonCompliantResources: assignment.nonCompliantResources,
    nonCompliantPolicies: assignment.nonCompliantPolicies,
    ...(previous ? { since: previous.day, change: assignment.nonCompliantResources - previous.assignment.nonCompliantResources } : {}),
    references: assignment.references
      .map((reference): ReferenceCount => {
        const was = before.get(reference.referenceId);
        return {
          referenceId: reference.referenceId,
          ...(reference.governorPolicy === undefined ? {} : { governorPolicy: reference.governorPolicy }),
          definition: definitionLabel(reference.definitionId),
          effect: reference.effect,
          groups: reference.groups,
          nonCompliantResources: reference.nonCompliantResources,
          ...(was === undefined ? {} : { change: reference.nonCompliantResources - was }),
        };
      })
      .sort((a, b) => b.nonCompliantResources - a.nonCompliantResources || a.referenceId.localeCompare(b.referenceId)),
  };
}

/** The last `days` UTC days up to `now`'s, each with its snapshot's counts (none: a gap). */
export function complianceTrend(history: readonly ComplianceSnapshot[], now: Date, days: number): ComplianceTrend {
  const byDay = new Map(history.map((snapshot) => [snapshot.day, snapshot]));
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const points: ComplianceTrend["days"] = [];
  const references = new Set<string>();
  for (let index = days - 1; index >= 0; index -= 1) {
    const day = new Date(today - index * DAY_MS).toISOString().slice(0, 10);
    const snapshot = byDay.get(day);
    const byReference: Record<string, number> = {};
    for (const reference of snapshot?.assignment.references ?? []) {
      byReference[reference.referenceId] = reference.nonCompliantResources;
      if (reference.nonCompliantResources > 0) references.add(reference.referenceId);
    }
    points.push({ day, total: snapshot ? snapshot.assignment.nonCompliantResources : null, byReference });
  }
  return { references: [...references].sort(), days: points };
}

/** "+2", "-1", "no change": a change as the digest and the report print it. */
export function changeText(change: number | undefined): string {
  if (change === undefined) return "";
  if (change === 0) return "no change";
  return change > 0 ? `+${change}` : String(change);
}
