/**
 * The digest's figures from audit records, and when it is due: 07:00 on the wall clock of the
 * policy file's zone, across both daylight saving changes; an empty day in one line.
 */
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../shared/audit/record.ts";
import { digestDue, digestInstant, findingFingerprint } from "../../../shared/notifications/daily.ts";
import {
  type DigestContent,
  digestMessage,
  estimatedSavings,
  findingChanges,
  isEmptyDay,
  pendingApprovals,
} from "../../../shared/notifications/digest.ts";
import { notificationCard } from "../../../shared/notifications/message.ts";
import { cardProblems, cardText } from "../../support/adaptiveCards.ts";

const BRUSSELS = "Europe/Brussels";
const base = { trigger: { type: "timer" as const }, actor: { type: "governor" as const, id: "governor" }, reason: "r" };
const vm = (name: string) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;
const mark = (instanceId: string, policy: string, at: string): AuditRecord => ({
  ...base,
  id: `${instanceId}:swept`,
  at,
  kind: "notice",
  action: "sweep",
  policy,
  instanceId,
});
const finding = (instanceId: string, policy: string, name: string, verdict: AuditRecord["verdict"], at: string): AuditRecord => ({
  ...base,
  id: `${instanceId}:finding:${name}`,
  at,
  kind: "finding",
  policy,
  resourceId: vm(name),
  verdict,
  instanceId,
});

describe("when the digest is due", () => {
  it("is 07:00 in Brussels: 06:00 UTC in winter, 05:00 UTC in summer, on the days of both changes too", () => {
    expect(digestInstant({ year: 2027, month: 3, day: 27 }, BRUSSELS).toISOString()).toBe("2027-03-27T06:00:00.000Z");
    expect(digestInstant({ year: 2027, month: 3, day: 28 }, BRUSSELS).toISOString()).toBe("2027-03-28T05:00:00.000Z");
    expect(digestInstant({ year: 2026, month: 10, day: 25 }, BRUSSELS).toISOString()).toBe("2026-10-25T06:00:00.000Z");
    expect(digestInstant({ year: 2026, month: 7, day: 1 }, "America/New_York").toISOString()).toBe("2026-07-01T11:00:00.000Z");
  });

  it("is not due before 07:00 local, is due for today after it, with yesterday's 07:00 as the window's start (23 h across spring forward)", () => {
    expect(digestDue(new Date("2027-03-28T04:59:59Z"), BRUSSELS)).toBeUndefined();
    const due = digestDue(new Date("2027-03-28T05:00:00Z"), BRUSSELS);
    expect(due).toEqual({ date: "2027-03-28", slot: new Date("2027-03-28T05:00:00Z"), previous: new Date("2027-03-27T06:00:00Z") });
    // Late in the evening, still today's digest.
    expect(digestDue(new Date("2027-03-28T21:30:00Z"), BRUSSELS)?.date).toBe("2027-03-28");
    expect(digestDue(new Date("2027-03-28T22:30:00Z"), BRUSSELS)).toBeUndefined();
  });
});

describe("the digest's figures", () => {
  it("new and resolved findings, by policy and verdict, from each policy's latest sweep then and now", () => {
    const records = [
      mark("s1", "p", "2026-11-23T05:00:00Z"),
      finding("s1", "p", "a", "audit", "2026-11-23T05:00:00Z"),
      finding("s1", "p", "b", "audit", "2026-11-23T05:00:00Z"),
      mark("s2", "p", "2026-11-24T05:00:00Z"),
      finding("s2", "p", "b", "audit", "2026-11-24T05:00:00Z"),
      finding("s2", "p", "c", "audit", "2026-11-24T05:00:00Z"),
      finding("s2", "p", "d", "audit", "2026-11-24T05:00:00Z"),
      // A weekly policy swept before yesterday: nothing new, nothing resolved.
      mark("w1", "weekly", "2026-11-20T02:00:00Z"),
      finding("w1", "weekly", "x", "audit", "2026-11-20T02:00:00Z"),
      // A policy whose latest sweep found nothing: its finding is resolved.
      mark("q1", "q", "2026-11-23T05:00:00Z"),
      finding("q1", "q", "y", "needs-approval", "2026-11-23T05:00:00Z"),
      mark("q2", "q", "2026-11-24T05:00:00Z"),
    ];
    expect(findingChanges(records, new Date("2026-11-23T06:00:00Z"), new Date("2026-11-24T06:00:00Z"))).toEqual({
      opened: [{ policy: "p", verdict: "audit", count: 2 }],
      resolved: [
        { policy: "p", verdict: "audit", count: 1 },
        { policy: "q", verdict: "needs-approval", count: 1 },
      ],
    });
  });

  it("with several subscriptions governed, counts new and resolved findings per subscription too", () => {
    const inA = "/subscriptions/AAAA/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/";
    const inB = "/subscriptions/bbbb/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/";
    const at = (record: AuditRecord, resourceId: string): AuditRecord => ({ ...record, resourceId });
    const records = [
      mark("s1", "p", "2026-11-23T05:00:00Z"),
      at(finding("s1", "p", "a1", "audit", "2026-11-23T05:00:00Z"), `${inA}a1`),
      mark("s2", "p", "2026-11-24T05:00:00Z"),
      at(finding("s2", "p", "a2", "audit", "2026-11-24T05:00:00Z"), `${inA}a2`),
      at(finding("s2", "p", "b1", "audit", "2026-11-24T05:00:00Z"), `${inB}b1`),
      at(finding("s2", "p", "b2", "audit", "2026-11-24T05:00:00Z"), `${inB}b2`),
    ];
    const since = new Date("2026-11-23T06:00:00Z");
    const until = new Date("2026-11-24T06:00:00Z");
    expect(findingChanges(records, since, until, { bySubscription: true })).toEqual({
      opened: [
        { policy: "p", verdict: "audit", subscriptionId: "aaaa", count: 1 },
        { policy: "p", verdict: "audit", subscriptionId: "bbbb", count: 2 },
      ],
      resolved: [{ policy: "p", verdict: "audit", subscriptionId: "aaaa", count: 1 }],
    });
    // One subscription governed: counted as before.
    expect(findingChanges(records, since, until).opened).toEqual([{ policy: "p", verdict: "audit", count: 3 }]);
  });

  it("pending approvals: the latest round of each undecided, unexpired request, with its plan hash for a fresh link", () => {
    const notice = (instance: string, id: string, at: string, details: Record<string, unknown>): AuditRecord => ({
      ...base,
      id,
      at,
      kind: "notice",
      policy: "stop-idle-nonprod-vms",
      instanceId: `${instance}:approval`,
      details: details as AuditRecord["details"],
    });
    const lookBack: AuditRecord[] = [
      notice("r1", "r1:approval:approval-requested", "2026-11-23T18:00:00Z", {
        planHash: "h1",
        expiresAt: "2026-11-24T02:00:00Z",
        resources: ["a"],
      }),
      notice("r1", "r1:approval:approval-requested:1", "2026-11-23T20:00:00Z", {
        planHash: "h2",
        expiresAt: "2026-11-24T12:00:00Z",
        resources: ["a", "b"],
      }),
      notice("r2", "r2:approval:approval-requested", "2026-11-23T18:00:00Z", {
        planHash: "h",
        expiresAt: "2026-11-24T12:00:00Z",
        resources: [],
      }),
      { ...base, id: "r2:approval", at: "2026-11-23T19:00:00Z", kind: "approval", instanceId: "r2" },
      notice("r3", "r3:approval:approval-requested", "2026-11-23T18:00:00Z", {
        planHash: "h",
        expiresAt: "2026-11-24T05:00:00Z",
        resources: [],
      }),
    ];
    expect(pendingApprovals(lookBack, new Date("2026-11-24T06:00:00Z"))).toEqual([
      {
        instanceId: "r1",
        approvalId: "r1:approval",
        policy: "stop-idle-nonprod-vms",
        resources: 2,
        expiresAt: "2026-11-24T12:00:00Z",
        planHash: "h2",
      },
    ]);
  });

  it("estimated savings count what was applied by its plan's estimate, never a start", () => {
    const outcome = (name: string, action: string, result: AuditRecord["outcome"]): AuditRecord => ({
      ...base,
      id: `r1:outcome:${name}:${action}`,
      at: "2026-11-23T20:00:00Z",
      kind: "outcome",
      instanceId: "r1",
      resourceId: vm(name),
      action,
      outcome: result,
    });
    const decision = (name: string, saving: number): AuditRecord => ({
      ...base,
      id: `r1:plan:${vm(name).toLowerCase()}`,
      at: "2026-11-23T19:00:00Z",
      kind: "decision",
      instanceId: "r1",
      details: { estimatedMonthlySavings: saving },
    });
    expect(
      estimatedSavings(
        [outcome("a", "deallocate", "applied"), outcome("a", "start", "applied"), outcome("b", "deallocate", "failed")],
        [decision("a", 154.76), decision("b", 99)],
      ),
    ).toBe(154.76);
  });

  it("fingerprints a finding without its elapsed times: a finding a day older is not a changed finding", () => {
    const one = { verdict: "audit" as const, reason: "expires-on 2026-11-01 has passed (22 days ago); notify lea@x.example" };
    expect(findingFingerprint(one)).toBe(findingFingerprint({ ...one, reason: one.reason.replace("22 days", "23 days") }));
    expect(findingFingerprint(one)).not.toBe(findingFingerprint({ ...one, reason: one.reason.replace("2026-11-01", "2026-11-05") }));
    expect(findingFingerprint(one)).not.toBe(findingFingerprint({ ...one, verdict: "blocked" }));
  });
});

describe("the digest message", () => {
  const empty: DigestContent = {
    date: "2026-11-24",
    timeZone: BRUSSELS,
    since: "2026-11-23T06:00:00.000Z",
    until: "2026-11-24T06:00:00.000Z",
    opened: [],
    resolved: [],
    changes: { applied: 0, failed: 0, skipped: 0, "already-done": 0 },
    failedChanges: [],
    pending: [],
    drills: [],
    budget: "no budget alert this month",
    savings: { currency: "EUR", estimated: 0, realised: undefined },
    reportUrl: "https://governor.example/api/report",
  };

  it("says an empty day in one line, with the report's link", () => {
    expect(isEmptyDay(empty)).toBe(true);
    const message = digestMessage(empty);
    expect(message).toMatchObject({ id: "digest:2026-11-24", title: "Daily digest, 2026-11-24" });
    expect(message.sections).toBeUndefined();
    expect(message.facts).toBeUndefined();
    expect(message.links).toEqual([{ title: "Open the report", url: "https://governor.example/api/report" }]);
    expect(message.summary).toBe("Nothing new since yesterday: no finding opened or resolved, no change made, no approval waiting.");
    expect(cardProblems(notificationCard(message))).toEqual([]);
  });

  it("names the management group's subscriptions not governed yet, on a quiet day too, and says so when they could not be read", () => {
    const ungoverned = {
      managementGroup: "mg-nordwind",
      subscriptions: [{ subscriptionId: "c3a8f1d2-9e47-4b56-a0c1-58d2e7f4b913", name: "Nordwind Alpine" }],
    };
    const message = digestMessage({ ...empty, ungoverned });
    expect(message.sections).toEqual([
      {
        heading: "Not governed yet (management group mg-nordwind)",
        lines: [
          "subscription c3a8f1d2-9e47-4b56-a0c1-58d2e7f4b913 (Nordwind Alpine): events not wired yet, neither planned nor changed",
          "add them to governedSubscriptionIds and redeploy infra/managementGroup.json",
        ],
      },
    ]);
    expect(cardProblems(notificationCard(message))).toEqual([]);
    expect(digestMessage({ ...empty, ungoverned: { managementGroup: "mg-nordwind", subscriptions: [] } }).sections).toBeUndefined();
    expect(digestMessage({ ...empty, ungoverned: { managementGroup: "mg-nordwind", error: "AuthorizationFailed" } }).sections).toEqual([
      {
        heading: "Not governed yet (management group mg-nordwind)",
        lines: ["the group's subscriptions could not be read: AuthorizationFailed"],
      },
    ]);
  });

  it("a scope's digest is its team's: its own id and title, to its addresses, without the platform's budget and savings", () => {
    const message = digestMessage({
      ...empty,
      opened: [{ policy: "allowed-regions", verdict: "audit", count: 2 }],
      team: { scope: "nordwind-pl", to: ["it-pl@nordwind.example"] },
    });
    expect(message).toMatchObject({
      id: "digest:nordwind-pl:2026-11-24",
      title: "Daily digest of nordwind-pl, 2026-11-24",
      audience: { type: "team", scope: "nordwind-pl", addresses: ["it-pl@nordwind.example"] },
    });
    expect(message.facts).toBeUndefined();
    expect(message.sections?.map((section) => section.heading)).toEqual(["New since yesterday", "Changes"]);
    expect(cardProblems(notificationCard(message))).toEqual([]);
  });

  it("holds findings, changes, approvals with their links, drills against objectives, the budget and both savings", () => {
    const message = digestMessage({
      ...empty,
      opened: [{ policy: "allowed-regions", verdict: "audit", count: 2 }],
      resolved: [{ policy: "stop-idle-nonprod-vms", verdict: "needs-approval", count: 1 }],
      changes: { applied: 4, failed: 1, skipped: 2, "already-done": 0 },
      failedChanges: [{ policy: "stop-idle-nonprod-vms", resource: "vm-odoo-dev-01", reason: "OperationNotAllowed" }],
      pending: [
        {
          instanceId: "r1",
          policy: "stop-idle-nonprod-vms",
          resources: 5,
          expiresAt: "2026-11-24T12:00:00Z",
          link: "https://g.example/api/approvals/r1%3Aapproval?token=t",
        },
      ],
      drills: [
        {
          server: "psql-odoo-prod",
          at: "2026-11-22T03:20:00Z",
          outcome: "failed",
          rtoSeconds: 2460,
          rpoSeconds: 240,
          rtoMinutes: 30,
          rpoMinutes: 15,
          rtoMet: false,
          rpoMet: true,
          failures: [],
        },
      ],
      budget: "1 budget alert(s) this month",
      savings: { currency: "EUR", estimated: 1234.5, realised: 980 },
    });
    const text = cardText(notificationCard(message));
    expect(message.summary).toBe("2 new findings, 1 resolved; 4 changes applied, 1 failed, 2 skipped; 1 approval waiting.");
    expect(text).toContain("- allowed-regions (audit): 2");
    expect(text).toContain("- stop-idle-nonprod-vms (needs-approval): 1");
    expect(text).toContain("FAILED vm-odoo-dev-01 (stop-idle-nonprod-vms): OperationNotAllowed");
    expect(text).toContain(
      "[stop-idle-nonprod-vms: 5 resources, until 2026-11-24 12:00 UTC](https://g.example/api/approvals/r1%3Aapproval?token=t)",
    );
    expect(text).toContain("psql-odoo-prod: failed on 2026-11-22; RTO 41 min (objective 30 min, MISSED), RPO 4 min (objective 15 min)");
    expect(text).toContain("Savings this month: 1,235 EUR a month estimated; realised: 980 EUR");
    expect(cardProblems(notificationCard(message))).toEqual([]);
  });

  it("names the subscription of each line when several are governed, and none with one", () => {
    const content: DigestContent = {
      ...empty,
      opened: [
        { policy: "allowed-regions", verdict: "audit", subscriptionId: "aaaa", count: 2 },
        { policy: "allowed-regions", verdict: "audit", subscriptionId: "bbbb", count: 1 },
      ],
      changes: { applied: 0, failed: 1, skipped: 0, "already-done": 0 },
      failedChanges: [{ policy: "stop-idle-nonprod-vms", resource: "vm-b", subscriptionId: "bbbb", reason: "OperationNotAllowed" }],
      pending: [{ instanceId: "r1", policy: "stop-idle-nonprod-vms", resources: 3, subscriptions: ["aaaa", "bbbb"] }],
      subscriptions: ["aaaa", "bbbb"],
    };
    const text = cardText(notificationCard(digestMessage(content)));
    expect(text).toContain("- allowed-regions (audit) in subscription aaaa: 2");
    expect(text).toContain("- allowed-regions (audit) in subscription bbbb: 1");
    expect(text).toContain("FAILED vm-b (stop-idle-nonprod-vms, subscription bbbb): OperationNotAllowed");
    expect(text).toContain("stop-idle-nonprod-vms: 3 resources in subscriptions aaaa, bbbb");
    const { subscriptions: _governed, ...one } = content;
    expect(cardText(notificationCard(digestMessage(one)))).not.toContain("subscription");
  });
});
