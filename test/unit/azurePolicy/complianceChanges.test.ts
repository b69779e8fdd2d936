/**
 * Azure Policy compliance from the daily snapshots: today's counts against the previous day's,
 * the trend with gaps for days without a snapshot, and what the digest and the report say, read
 * or unavailable.
 */
import { describe, expect, it } from "vitest";
import type { AssignmentCompliance } from "../../../shared/azurePolicy/compliance.ts";
import { complianceToday, complianceTrend, previousSnapshot } from "../../../shared/azurePolicy/complianceChanges.ts";
import { errorCode, readCompliance } from "../../../shared/azurePolicy/complianceHistory.ts";
import type { ComplianceSnapshot } from "../../../shared/azurePolicy/snapshots.ts";
import { type DigestContent, digestAzurePolicy, digestMessage } from "../../../shared/notifications/digest.ts";
import { notificationCard } from "../../../shared/notifications/message.ts";
import { reportModel } from "../../../shared/report/model.ts";
import { reportPages, staticLinks } from "../../../shared/report/pages.ts";
import { cardProblems, cardText } from "../../support/adaptiveCards.ts";

const SUB = "00000000-0000-0000-0000-000000000001";
const ASSIGNMENT = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/governor-baseline`;
const LOCATIONS = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c";

function assignment(regions: number, tags: number): AssignmentCompliance {
  return {
    assignmentId: ASSIGNMENT,
    initiativeId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policySetDefinitions/governor-baseline`,
    governor: true,
    nonCompliantResources: Math.max(regions, tags),
    nonCompliantPolicies: (regions > 0 ? 1 : 0) + (tags > 0 ? 1 : 0),
    references: [
      {
        referenceId: "allowed-regions",
        definitionId: LOCATIONS,
        effect: "audit",
        groups: ["security"],
        nonCompliantResources: regions,
        governorPolicy: "allowed-regions",
      },
      {
        referenceId: "required-tags.require-owner",
        definitionId: "/providers/Microsoft.Authorization/policyDefinitions/871b6d14-10aa-478d-b590-94f262ecfa99",
        effect: "deny",
        groups: ["tagging"],
        nonCompliantResources: tags,
        governorPolicy: "required-tags",
      },
    ],
  };
}
const snapshot = (day: string, regions: number, tags: number): ComplianceSnapshot => ({
  subscriptionId: SUB,
  day,
  at: `${day}T06:00:00.000Z`,
  assignment: assignment(regions, tags),
});

describe("today against the previous snapshot", () => {
  it("compares with the latest snapshot of an earlier day, per reference, naming built-ins by their display name", () => {
    const history = [snapshot("2026-11-21", 9, 9), snapshot("2026-11-23", 2, 5), snapshot("2026-11-24", 4, 3)];
    expect(previousSnapshot(history, "2026-11-24")?.day).toBe("2026-11-23");
    const today = complianceToday(history[2] as ComplianceSnapshot, history);
    expect(today).toMatchObject({ day: "2026-11-24", nonCompliantResources: 4, since: "2026-11-23", change: -1 });
    expect(
      today.references.map((reference) => [reference.referenceId, reference.definition, reference.nonCompliantResources, reference.change]),
    ).toEqual([
      ["allowed-regions", "Allowed locations", 4, 2],
      ["required-tags.require-owner", "Require a tag on resources", 3, -2],
    ]);
  });

  it("has no change on the first snapshot", () => {
    const today = complianceToday(snapshot("2026-11-24", 4, 3), [snapshot("2026-11-24", 4, 3)]);
    expect(today.since).toBeUndefined();
    expect(today.change).toBeUndefined();
    expect(today.references.every((reference) => reference.change === undefined)).toBe(true);
  });

  it("draws one point per UTC day, a gap (null) where no snapshot was recorded", () => {
    const trend = complianceTrend([snapshot("2026-11-22", 2, 0), snapshot("2026-11-24", 4, 3)], new Date("2026-11-24T10:00:00Z"), 4);
    expect(trend.days.map((point) => [point.day, point.total])).toEqual([
      ["2026-11-21", null],
      ["2026-11-22", 2],
      ["2026-11-23", null],
      ["2026-11-24", 4],
    ]);
    expect(trend.references).toEqual(["allowed-regions", "required-tags.require-owner"]);
  });
});

describe("reading compliance", () => {
  const now = new Date("2026-11-24T06:00:00Z");
  it("a failed read is 'unavailable' with the error's code, and the snapshots recorded before still make the trend", async () => {
    const recorded: ComplianceSnapshot[] = [];
    const reading = await readCompliance(
      {
        subscriptionId: SUB,
        read: () =>
          Promise.reject(Object.assign(new Error("The client has no authorization"), { code: "AuthorizationFailed", statusCode: 403 })),
        snapshots: {
          since: async () => [snapshot("2026-11-23", 2, 5)],
          record: async (taken: ComplianceSnapshot) => void recorded.push(taken),
        } as never,
      },
      now,
      8,
    );
    expect(reading).toMatchObject({ status: "unavailable", code: "AuthorizationFailed" });
    expect(reading.history.map((taken) => taken.day)).toEqual(["2026-11-23"]);
    expect(recorded).toEqual([]);
  });

  it("a read records today's snapshot and returns it last in the history, replacing the table's older reading of today", async () => {
    const recorded: ComplianceSnapshot[] = [];
    const reading = await readCompliance(
      {
        subscriptionId: SUB,
        read: async () => ({ subscriptionId: SUB, nonCompliantResources: 4, nonCompliantPolicies: 2, assignments: [assignment(4, 3)] }),
        snapshots: {
          since: async () => [snapshot("2026-11-23", 2, 5), snapshot("2026-11-24", 1, 1)],
          record: async (taken: ComplianceSnapshot) => void recorded.push(taken),
        } as never,
      },
      now,
      8,
    );
    expect(reading.status).toBe("ok");
    expect(recorded.map((taken) => [taken.day, taken.assignment.nonCompliantResources])).toEqual([["2026-11-24", 4]]);
    expect(reading.history.map((taken) => [taken.day, taken.assignment.nonCompliantResources])).toEqual([
      ["2026-11-23", 5],
      ["2026-11-24", 4],
    ]);
  });

  it("the baseline missing from the summary is 'not-assigned', and errors without a code name their status or kind", async () => {
    const reading = await readCompliance(
      {
        subscriptionId: SUB,
        read: async () => ({ subscriptionId: SUB, nonCompliantResources: 0, nonCompliantPolicies: 0, assignments: [] }),
      },
      now,
      8,
    );
    expect(reading.status).toBe("not-assigned");
    expect(errorCode({ statusCode: 500 })).toBe("HTTP 500");
    expect(errorCode(new TypeError("x"))).toBe("TypeError");
  });
});

describe("what the digest and the report say", () => {
  const content: DigestContent = {
    date: "2026-11-24",
    timeZone: "Europe/Brussels",
    since: "2026-11-23T06:00:00.000Z",
    until: "2026-11-24T06:00:00.000Z",
    opened: [],
    resolved: [],
    changes: { applied: 0, failed: 0, skipped: 0, "already-done": 0 },
    failedChanges: [],
    pending: [],
    drills: [],
    budget: "no budget alert this month",
    savings: undefined,
  };
  const ok = {
    status: "ok" as const,
    snapshot: snapshot("2026-11-24", 4, 0),
    history: [snapshot("2026-11-23", 2, 5), snapshot("2026-11-24", 4, 0)],
    notes: [],
  };

  it("the digest, even on an empty day, shows today's count and the change since yesterday, and each reference that has some or changed", () => {
    const message = digestMessage({ ...content, azurePolicy: digestAzurePolicy(ok) });
    const text = cardText(notificationCard(message));
    expect(text).toContain("Azure Policy: the Governor baseline");
    expect(text).toContain("- 4 non-compliant resources, -1 since 2026-11-23");
    expect(text).toContain("- allowed-regions (Allowed locations, audit): 4 non-compliant, +2 since 2026-11-23");
    expect(text).toContain("- required-tags.require-owner (Require a tag on resources, deny): 0 non-compliant, -5 since 2026-11-23");
    expect(cardProblems(notificationCard(message))).toEqual([]);
  });

  it("the digest says 'Azure Policy compliance unavailable: <code>' on a failed read, and nothing when the baseline is not assigned", () => {
    const unavailable = digestMessage({
      ...content,
      azurePolicy: digestAzurePolicy({ status: "unavailable", code: "AuthorizationFailed", message: "no", history: [], notes: [] }),
    });
    expect(cardText(notificationCard(unavailable))).toContain("- Azure Policy compliance unavailable: AuthorizationFailed");
    expect(digestAzurePolicy({ status: "not-assigned", history: [], notes: [] })).toBeUndefined();
    expect(digestMessage(content).sections).toBeUndefined();
  });

  it("the report shows the count on the overview and the references on the compliance page; 'unavailable: <code>' on a failed read", async () => {
    const now = new Date("2026-11-24T06:00:00Z");
    const pages = await reportPages(reportModel({ records: [], ledger: [], now, currency: "EUR", azurePolicy: ok }), staticLinks);
    expect(pages.get("index.html")).toMatch(/data-figure="Azure Policy: non-compliant resources"><span>[^<]+<\/span><b>4<\/b>/);
    const compliance = pages.get("compliance.html") ?? "";
    expect(compliance).toContain("<b data-azure-policy-total>4</b>");
    expect(compliance).toContain('data-chart="azure-policy-trend-90"');

    const failed = await reportPages(
      reportModel({
        records: [],
        ledger: [],
        now,
        currency: "EUR",
        azurePolicy: { status: "unavailable", code: "ServiceUnavailable", message: "down", history: [], notes: [] },
      }),
      staticLinks,
    );
    expect(failed.get("compliance.html")).toContain("Azure Policy compliance unavailable: ServiceUnavailable");
    expect(failed.get("compliance.html")).not.toContain("azure-policy-trend");
    expect(failed.get("index.html")).toContain("<b>unavailable: ServiceUnavailable</b>");
  });
});
