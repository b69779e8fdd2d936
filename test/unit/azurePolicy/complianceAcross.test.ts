/**
 * Azure Policy compliance of several governed subscriptions as the one reading the report and the
 * digest show (shared/azurePolicy/complianceAcross.ts): resources summed, references merged, the
 * days of the trend summed, a subscription that cannot be read named and not counted. Pure.
 */
import { describe, expect, it } from "vitest";
import type { AssignmentCompliance } from "../../../shared/azurePolicy/compliance.ts";
import { complianceAcross } from "../../../shared/azurePolicy/complianceAcross.ts";
import type { ComplianceReading } from "../../../shared/azurePolicy/complianceHistory.ts";
import type { ComplianceSnapshot } from "../../../shared/azurePolicy/snapshots.ts";

const HOME = "00000000-0000-0000-0000-000000000001";
const OTHER = "00000000-0000-0000-0000-000000000002";

function assignment(subscriptionId: string, regions: number, tags: number): AssignmentCompliance {
  return {
    assignmentId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/policyAssignments/governor-baseline`,
    governor: true,
    nonCompliantResources: Math.max(regions, tags),
    nonCompliantPolicies: (regions > 0 ? 1 : 0) + (tags > 0 ? 1 : 0),
    references: [
      { referenceId: "allowed-regions", definitionId: "d-locations", effect: "audit", groups: [], nonCompliantResources: regions },
      { referenceId: "required-tags.require-owner", definitionId: "d-tag", effect: "deny", groups: [], nonCompliantResources: tags },
    ],
  };
}
const snapshot = (subscriptionId: string, day: string, regions: number, tags: number): ComplianceSnapshot => ({
  subscriptionId,
  day,
  at: `${day}T06:0${subscriptionId.endsWith("1") ? 0 : 1}:00.000Z`,
  assignment: assignment(subscriptionId, regions, tags),
});
const ok = (subscriptionId: string, history: ComplianceSnapshot[]): ComplianceReading => ({
  status: "ok",
  snapshot: history.at(-1) as ComplianceSnapshot,
  history,
  notes: [],
});

describe("compliance across governed subscriptions", () => {
  it("sums today's non-compliant resources, merges references and counts a policy non-compliant anywhere once", () => {
    const reading = complianceAcross([
      { subscriptionId: HOME, reading: ok(HOME, [snapshot(HOME, "2026-12-04", 2, 0)]) },
      { subscriptionId: OTHER, reading: ok(OTHER, [snapshot(OTHER, "2026-12-04", 3, 5)]) },
    ]);
    expect(reading.status).toBe("ok");
    if (reading.status !== "ok") return;
    expect(reading.snapshot.assignment.nonCompliantResources).toBe(2 + 5);
    expect(reading.snapshot.assignment.nonCompliantPolicies).toBe(2);
    expect(reading.snapshot.assignment.references.map((reference) => [reference.referenceId, reference.nonCompliantResources])).toEqual([
      ["allowed-regions", 5],
      ["required-tags.require-owner", 5],
    ]);
    expect(reading.snapshot.at).toBe("2026-12-04T06:01:00.000Z");
    expect(reading.notes).toEqual([`across ${HOME}, ${OTHER}`]);
  });

  it("sums the trend day by day, each day as the subscriptions recorded it", () => {
    const reading = complianceAcross([
      { subscriptionId: HOME, reading: ok(HOME, [snapshot(HOME, "2026-12-02", 1, 1), snapshot(HOME, "2026-12-04", 2, 0)]) },
      { subscriptionId: OTHER, reading: ok(OTHER, [snapshot(OTHER, "2026-12-03", 4, 0), snapshot(OTHER, "2026-12-04", 3, 5)]) },
    ]);
    expect(reading.history.map((day) => [day.day, day.assignment.nonCompliantResources])).toEqual([
      ["2026-12-02", 1],
      ["2026-12-03", 4],
      ["2026-12-04", 7],
    ]);
  });

  it("names a subscription without the baseline or whose compliance cannot be read, and counts only the others", () => {
    const reading = complianceAcross([
      { subscriptionId: HOME, reading: ok(HOME, [snapshot(HOME, "2026-12-04", 2, 0)]) },
      { subscriptionId: OTHER, reading: { status: "not-assigned", history: [], notes: [] } },
      {
        subscriptionId: "00000000-0000-0000-0000-000000000003",
        reading: { status: "unavailable", code: "AuthorizationFailed", message: "no", history: [], notes: ["a note"] },
      },
    ]);
    expect(reading.status === "ok" && reading.snapshot.assignment.nonCompliantResources).toBe(2);
    expect(reading.notes).toEqual([
      `across ${HOME}, ${OTHER}, 00000000-0000-0000-0000-000000000003`,
      `subscription ${OTHER}: the Governor baseline is not assigned, nothing counted`,
      "subscription 00000000-0000-0000-0000-000000000003: compliance unavailable (AuthorizationFailed), nothing counted",
      "subscription 00000000-0000-0000-0000-000000000003: a note",
    ]);
  });

  it("is unavailable only when no subscription can be read, naming the first that failed; one subscription's reading is its own", () => {
    const failed: ComplianceReading = { status: "unavailable", code: "HTTP 503", message: "down", history: [], notes: [] };
    const reading = complianceAcross([
      { subscriptionId: HOME, reading: { status: "not-assigned", history: [], notes: [] } },
      { subscriptionId: OTHER, reading: failed },
    ]);
    expect(reading).toMatchObject({ status: "unavailable", code: "HTTP 503", message: `subscription ${OTHER}: down` });
    const alone = ok(HOME, [snapshot(HOME, "2026-12-04", 2, 0)]);
    expect(complianceAcross([{ subscriptionId: HOME, reading: alone }])).toBe(alone);
  });
});
