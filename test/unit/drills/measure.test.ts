/** RTO, RPO and a drill's outcome, from what the drill saw. */
import { describe, expect, it } from "vitest";
import { failures, measure } from "../../../shared/drills/measure.ts";
import { drillRecord, drillSummary, type DrillFacts } from "../../../shared/drills/record.ts";
import type { CheckResult } from "../../../shared/drills/types.ts";

const times = { requestedAt: "2026-11-22T03:00:00Z", verifiedAt: "2026-11-22T03:23:00Z", pointInTime: "2026-11-22T02:59:00Z" };
const heartbeat = { method: "heartbeat" as const, newestAt: "2026-11-22T02:55:00Z", note: "" };

describe("measure", () => {
  it("takes the RTO from the restore request to the verified database, the RPO from the newest heartbeat to the restore point", () => {
    expect(measure(times, heartbeat, { rtoMinutes: 60, rpoMinutes: 15 })).toEqual({
      rtoSeconds: 1380,
      rpoSeconds: 240,
      rtoMet: true,
      rpoMet: true,
    });
  });
  it("misses an objective it exceeds, and an RPO objective it cannot measure", () => {
    expect(measure(times, heartbeat, { rtoMinutes: 20, rpoMinutes: 3 })).toMatchObject({ rtoMet: false, rpoMet: false });
    expect(measure(times, { method: "none", note: "" }, { rpoMinutes: 15 })).toEqual({ rtoSeconds: 1380, rpoMet: false });
  });
  it("compares with no objective when none is set", () => {
    expect(measure(times, heartbeat, {})).toEqual({ rtoSeconds: 1380, rpoSeconds: 240 });
  });
});

describe("failures and the record", () => {
  const pass = (name: CheckResult["name"]): CheckResult => ({ name, status: "pass", message: "ok", values: {}, durationMs: 1 });
  const facts: DrillFacts = {
    runId: "drill:psql-odoo-prod:x",
    server: {
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod",
      name: "psql-odoo-prod",
    },
    drillServer: { id: "/x", name: "psql-odoo-prod-drill-1", resourceGroup: "rg-governor-drills" },
    restorePoint: "latest",
    pointInTime: times.pointInTime,
    objectives: { rtoMinutes: 60, rpoMinutes: 15 },
    requestedAt: times.requestedAt,
    verification: {
      checks: [pass("connection"), pass("core-tables")],
      evidence: heartbeat,
      verifiedAt: times.verifiedAt,
      verifySeconds: 12,
    },
    teardown: { confirmed: true, note: "deleted" },
  };

  it("a drill with every check passed, the objectives met and the server deleted passed", () => {
    const record = drillRecord(facts);
    expect(record).toMatchObject({ outcome: "passed", failures: [], rtoSeconds: 1380, rpoSeconds: 240 });
    expect(drillSummary(record)).toBe(
      "restore drill of psql-odoo-prod to 2026-11-22T02:59:00Z: passed; RTO 23 min (objective 60 min), RPO 4 min (objective 15 min); 2/2 checks passed; drill server deleted",
    );
  });

  it("1. a failed check, 2. a missed RTO, 3. a teardown not confirmed each fail the drill, and each is named", () => {
    const failed: CheckResult = {
      name: "accounting-balanced",
      status: "fail",
      message: "posted moves do not balance",
      values: {},
      durationMs: 1,
    };
    const record = drillRecord({
      ...facts,
      objectives: { rtoMinutes: 10, rpoMinutes: 15 },
      verification: { ...facts.verification!, checks: [pass("connection"), failed] },
      teardown: { confirmed: false, note: "still there" },
    });
    expect(record.outcome).toBe("failed");
    expect(record.failures).toEqual([
      "check accounting-balanced failed: posted moves do not balance",
      "RTO missed: 23 min against an objective of 10 min",
      "the drill server was not confirmed deleted (the sweeper deletes it when it expires)",
    ]);
  });

  it("4. a restore that failed fails the drill without a measurement; a cancelled drill is recorded as cancelled", () => {
    const { verification: _verification, ...unverified } = facts;
    expect(drillRecord({ ...unverified, restoreError: "Azure refused the restore (400)" })).toMatchObject({
      outcome: "failed",
      failures: ["restore failed: Azure refused the restore (400)"],
      checks: [],
    });
    expect(drillRecord({ ...unverified, cancelled: true }).outcome).toBe("cancelled");
    expect(failures({ checks: [], objectives: {}, teardownConfirmed: true })).toEqual([]);
  });
});
