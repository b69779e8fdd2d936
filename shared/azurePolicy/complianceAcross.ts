/**
 * Azure Policy compliance of several governed subscriptions as one reading, for the report and
 * the digest: each subscription has Governor's assignment of its own (the management-group
 * template assigns the baseline in each), read and recorded per subscription; the figures shown
 * are their sums. A resource is in one subscription only, so non-compliant resources add up; a
 * reference is non-compliant when it is in any subscription. A subscription without the baseline,
 * or whose compliance cannot be read, is named in the notes and counts nothing; only when none
 * can be read is the reading unavailable. Pure.
 */
import type { ComplianceReading } from "./complianceHistory.ts";
import type { AssignmentCompliance, ReferenceCompliance } from "./compliance.ts";
import type { ComplianceSnapshot } from "./snapshots.ts";

export interface SubscriptionReading {
  subscriptionId: string;
  reading: ComplianceReading;
}

/** One assignment of the subscriptions' assignments: counts summed, references merged by id. */
function mergeAssignments(assignments: readonly AssignmentCompliance[]): AssignmentCompliance {
  const [first] = assignments;
  if (first === undefined) throw new Error("mergeAssignments: no assignment");
  const references = new Map<string, ReferenceCompliance>();
  for (const assignment of assignments)
    for (const reference of assignment.references) {
      const merged = references.get(reference.referenceId);
      if (merged === undefined) references.set(reference.referenceId, { ...reference, groups: [...reference.groups] });
      else merged.nonCompliantResources += reference.nonCompliantResources;
    }
  const all = [...references.values()];
  return {
    ...first,
    nonCompliantResources: assignments.reduce((sum, assignment) => sum + assignment.nonCompliantResources, 0),
    // A Governor assignment's references are its policies: one non-compliant anywhere is one non-compliant policy.
    nonCompliantPolicies: all.some((reference) => reference.referenceId !== "")
      ? all.filter((reference) => reference.nonCompliantResources > 0).length
      : Math.max(...assignments.map((assignment) => assignment.nonCompliantPolicies)),
    references: all,
  };
}

function mergeSnapshots(subscriptionId: string, snapshots: readonly ComplianceSnapshot[]): ComplianceSnapshot {
  const [first] = snapshots;
  if (first === undefined) throw new Error("mergeSnapshots: no snapshot");
  return {
    subscriptionId,
    day: first.day,
    at: snapshots.reduce((latest, snapshot) => (snapshot.at > latest ? snapshot.at : latest), first.at),
    assignment: mergeAssignments(snapshots.map((snapshot) => snapshot.assignment)),
  };
}

/** Each day's snapshots of the subscriptions, summed; a day is as the subscriptions recorded it. */
function mergeHistory(subscriptionId: string, histories: ReadonlyArray<readonly ComplianceSnapshot[]>): ComplianceSnapshot[] {
  const byDay = new Map<string, ComplianceSnapshot[]>();
  for (const history of histories)
    for (const snapshot of history) {
      const day = byDay.get(snapshot.day);
      if (day) day.push(snapshot);
      else byDay.set(snapshot.day, [snapshot]);
    }
  return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, snapshots]) => mergeSnapshots(subscriptionId, snapshots));
}

/** The subscriptions' readings as one; one subscription's reading is returned as it is. */
export function complianceAcross(readings: readonly SubscriptionReading[]): ComplianceReading {
  const [only] = readings;
  if (only === undefined) throw new Error("complianceAcross: no subscription");
  if (readings.length === 1) return only.reading;
  const label = `${readings.length} subscriptions`;
  const history = mergeHistory(
    label,
    readings.map(({ reading }) => reading.history),
  );
  const notes = readings.flatMap(({ subscriptionId, reading }) => [
    ...(reading.status === "not-assigned"
      ? [`subscription ${subscriptionId}: the Governor baseline is not assigned, nothing counted`]
      : []),
    ...(reading.status === "unavailable"
      ? [`subscription ${subscriptionId}: compliance unavailable (${reading.code}), nothing counted`]
      : []),
    ...reading.notes.map((note) => `subscription ${subscriptionId}: ${note}`),
  ]);
  const read = readings.flatMap(({ reading }) => (reading.status === "ok" ? [reading.snapshot] : []));
  if (read.length > 0) {
    const snapshot = mergeSnapshots(label, read);
    // Today's row is the readings of today, whatever the histories hold.
    return {
      status: "ok",
      snapshot,
      history: [...history.filter((day) => day.day !== snapshot.day), snapshot],
      notes: [`across ${readings.map(({ subscriptionId }) => subscriptionId).join(", ")}`, ...notes],
    };
  }
  const unavailable = readings.find(({ reading }) => reading.status === "unavailable");
  if (unavailable?.reading.status === "unavailable")
    return {
      status: "unavailable",
      code: unavailable.reading.code,
      message: `subscription ${unavailable.subscriptionId}: ${unavailable.reading.message}`,
      history,
      notes,
    };
  return { status: "not-assigned", history, notes };
}
