/** Instance ids of the workflows that had their forms built outside orchestrations/names.ts. */
import { describe, expect, it } from "vitest";
import {
  approvalInstanceId,
  budgetInstanceId,
  remediationInstanceId,
  remediationOfApproval,
  slotInstanceId,
  sweepInstanceId,
} from "../../orchestrations/names.ts";

describe("instance ids", () => {
  it("an approval is its remediation's id with :approval, and reads back to that remediation", () => {
    const remediation = remediationInstanceId("stop-idle-nonprod-vms", "2026-11-23T18:00:00.000Z");
    const approval = approvalInstanceId(remediation);
    expect(approval).toBe("remediate:stop-idle-nonprod-vms:2026-11-23t18:00:00.000z:approval");
    expect(remediationOfApproval(approval)).toBe(remediation);
    expect(remediationOfApproval(remediation)).toBeUndefined();
    expect(remediationOfApproval(`${remediation}:approval-requested`)).toBeUndefined();
  });

  it("a timer's workflow is named by its slot, to the minute", () => {
    const at = new Date("2026-11-23T18:15:42.123Z");
    expect(slotInstanceId("drill-sweeper", at)).toBe("drill-sweeper:2026-11-23T18:15");
    expect(slotInstanceId("savings-ledger", at)).toBe("savings-ledger:2026-11-23T18:15");
    expect(slotInstanceId("drill-heartbeat", new Date("2026-11-23T18:15:59Z"))).toBe(slotInstanceId("drill-heartbeat", at));
  });

  it("a sweep is named by its policy and its slot, or by a run's label", () => {
    expect(sweepInstanceId("stop-idle-nonprod-vms", new Date("2026-11-23T18:00:00Z"))).toBe(
      "sweep:stop-idle-nonprod-vms:2026-11-23T18:00:00.000Z",
    );
    expect(sweepInstanceId("stop-idle-nonprod-vms", "report-2026-11-23T18:00")).toBe("sweep:stop-idle-nonprod-vms:report-2026-11-23T18:00");
  });

  it("a budget response is named by budget, threshold type, threshold and period", () => {
    expect(budgetInstanceId({ budgetName: " Odoo Prod ", thresholdType: "Actual", thresholdPercent: 100 }, "2026-11-01")).toBe(
      "budget:odoo-prod:actual:100:2026-11-01",
    );
  });
});
