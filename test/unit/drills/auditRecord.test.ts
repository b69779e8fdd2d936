/** A drill's entry in the audit trail: evidence that names the server, the outcome, every check and the teardown. */
import { describe, expect, it } from "vitest";
import { validateAuditRecord } from "../../../shared/audit/record.ts";
import { drillAuditRecord, drillRecord } from "../../../shared/drills/record.ts";

const SERVER =
  "/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/resourceGroups/rg-odoo-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod";

const record = drillRecord({
  runId: "drill:psql-odoo-prod:1",
  policy: "weekly-restore-drill",
  server: { id: SERVER, name: "psql-odoo-prod" },
  drillServer: {
    id: "/subscriptions/x/resourceGroups/rg-governor-drills/providers/Microsoft.DBforPostgreSQL/flexibleServers/d",
    name: "d",
    resourceGroup: "rg-governor-drills",
  },
  restorePoint: "latest",
  pointInTime: "2026-11-22T03:00:00.000Z",
  objectives: {},
  requestedAt: "2026-11-22T03:00:00.000Z",
  restoreError: "Azure refused the restore (400): the restore point is in the future",
  teardown: { confirmed: true, note: "no drill server was created" },
});

describe("the drill record in the audit trail", () => {
  it("is a valid drill record, failed, with the reason in one line", () => {
    const audit = drillAuditRecord(record, {
      instanceId: "drill:psql-odoo-prod:1",
      trigger: { type: "timer", id: "sweep:1" },
      at: "2026-11-22T03:01:00Z",
    });
    expect(validateAuditRecord(audit)).toEqual([]);
    expect(audit).toMatchObject({
      id: "drill:psql-odoo-prod:1:drill",
      kind: "drill",
      resourceId: SERVER,
      outcome: "failed",
      action: "restore-drill",
    });
    expect(audit.reason).toBe(
      "restore drill of psql-odoo-prod to 2026-11-22T03:00:00.000Z: failed; RTO unknown, RPO unknown; 0/0 checks passed; drill server deleted; restore failed: Azure refused the restore (400): the restore point is in the future",
    );
  });

  it("1. is refused without the drilled server, 2. its outcome, 3. its checks and teardown", () => {
    const audit = drillAuditRecord(record, { instanceId: "i", trigger: { type: "timer" }, at: "2026-11-22T03:01:00Z" });
    const { resourceId: _resourceId, outcome: _outcome, ...bare } = audit;
    expect(validateAuditRecord({ ...bare, details: { pointInTime: "2026-11-22T03:00:00Z" } })).toEqual([
      "resourceId: required for a drill (the drilled server)",
      "outcome: required for a drill",
      "details.checks: required for a drill, the list of checks run",
      "details.teardown: required for a drill, { confirmed: boolean, ... }",
    ]);
  });
});
