/**
 * enroll-backup and a soft-deleted backup item (pure decisions, no I/O): without the policy's
 * consent the VM is refused with the item's dates, in the plan and by the executor; with it the
 * plan says the item is undeleted first, in the vault that holds it; the consent needs an
 * approval that is required, or the policy file is refused.
 */
import { describe, expect, it } from "vitest";
import { type EnrollBackupArgs, enrollBackupAction, enrollmentTarget, softDeletedRefusal } from "../../../shared/actions/enrollBackup.ts";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { parsePolicyText, PolicyLoadError } from "../../../shared/policy/loader.ts";
import type { ExecutorContext } from "../../../shared/remediation/executor.ts";
import { actionArgs, context, resource } from "../policy/support.ts";

const VAULTS = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults";
const WEST = `${VAULTS}/rsv-odoo-westeurope`;
const WEST_B = `${VAULTS}/rsv-odoo-westeurope-b`;
const vaults = [
  { id: WEST, name: "rsv-odoo-westeurope", location: "westeurope", policies: [`${WEST}/backupPolicies/policy-gold`] },
  { id: WEST_B, name: "rsv-odoo-westeurope-b", location: "westeurope", policies: [`${WEST_B}/backupPolicies/policy-gold`] },
];
const vm = resource({ name: "vm-odoo-prod-worker-01", resourceGroup: "rg-odoo-prod", tags: { environment: "prod" } });
const softDeleted = {
  protected: false,
  vaultId: WEST_B,
  itemId: `${WEST_B}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-odoo-prod;vm-odoo-prod-worker-01/protectedItems/VM;iaasvmcontainerv2;rg-odoo-prod;vm-odoo-prod-worker-01`,
  softDeleted: { deletedAt: "2026-11-20T08:15:00.000Z", purgeAt: "2026-12-04T08:15:00.000Z" },
};
const ctx = context({ resources: [vm], facts: { vaults, backup: { [vm.id.toLowerCase()]: softDeleted } } });
const withoutConsent = actionArgs(enrollBackupAction, "{ type: enroll-backup, tier: gold }");
const withConsent = actionArgs(enrollBackupAction, "{ type: enroll-backup, tier: gold, undeleteSoftDeleted: true }");

const executorContext = (args: EnrollBackupArgs): ExecutorContext<EnrollBackupArgs> =>
  ({ resource: vm, args, evaluation: ctx }) as unknown as ExecutorContext<EnrollBackupArgs>;

describe("enroll-backup and a soft-deleted item", () => {
  it("consents to nothing by default", () => {
    expect(withoutConsent.undeleteSoftDeleted).toBe(false);
  });

  it("without consent, refuses the VM with the item's dates and what would let Governor undelete it", () => {
    const reason = enrollBackupAction.refuses?.(vm, withoutConsent, ctx);
    expect(reason).toBe(
      "backup item soft-deleted in vault rsv-odoo-westeurope-b on 2026-11-20, purged on 2026-12-04: undelete to protect again (the policy does not consent: undeleteSoftDeleted: true, with an approval, lets Governor undelete it)",
    );
    expect(enrollBackupAction.describe?.(vm, withoutConsent, ctx)).toBe(`cannot enrol in Azure Backup: ${reason}`);
  });

  it("without consent, the executor refuses it too (the facts may have changed since the plan)", () => {
    expect(enrollBackupAction.executor?.assess(executorContext(withoutConsent))).toEqual({
      status: "refused",
      reason: `cannot enrol in Azure Backup: ${softDeletedRefusal(softDeleted, withoutConsent)}`,
    });
  });

  it("with consent, plans the undelete, then protection in the vault that holds the item", () => {
    expect(enrollBackupAction.refuses?.(vm, withConsent, ctx)).toBeUndefined();
    expect(enrollmentTarget(vm, withConsent, ctx)).toMatchObject({ vault: { id: WEST_B } });
    expect(enrollBackupAction.describe?.(vm, withConsent, ctx)).toBe(
      "undelete the soft-deleted backup item (backup item soft-deleted on 2026-11-20, purged on 2026-12-04: undelete to protect again), then enrol in Azure Backup: vault rsv-odoo-westeurope-b (westeurope), policy policy-gold",
    );
    expect(enrollBackupAction.executor?.assess(executorContext(withConsent))).toEqual({ status: "todo" });
  });

  it("a VM without a soft-deleted item is enrolled as before, in the first vault of its region", () => {
    const plain = context({ resources: [vm], facts: { vaults, backup: { [vm.id.toLowerCase()]: { protected: false } } } });
    expect(enrollBackupAction.refuses?.(vm, withoutConsent, plain)).toBeUndefined();
    expect(enrollmentTarget(vm, withoutConsent, plain)).toMatchObject({ vault: { id: WEST } });
  });

  it("the consent needs an approval, the plain enrolment does not", () => {
    expect(enrollBackupAction.needsApproval?.(withConsent)).toMatch(/brings back backup data someone chose to delete/);
    expect(enrollBackupAction.needsApproval?.(withoutConsent)).toBeUndefined();
  });
});

const policyFile = (action: string, approval = "") => `version: 1
policies:
  - name: backup-production-vms
    resource: virtual-machine
    mode: enforce
    when:
      - environment: [prod]
      - backup: unprotected
    action: ${action}
${approval}`;

function loadIssues(text: string): string[] {
  try {
    parsePolicyText(text, "policies/mine.yaml", builtinRegistry());
    return [];
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
}

describe("a policy consenting to undelete", () => {
  const consent = "{ type: enroll-backup, tier: gold, undeleteSoftDeleted: true }";

  it("is refused without an approval that is required, naming the action", () => {
    expect(loadIssues(policyFile(consent))).toEqual([
      "policies[0].action: undeleteSoftDeleted brings back backup data someone chose to delete: it needs an approval that is required",
    ]);
    expect(loadIssues(policyFile(consent, "    approval: { required: false }"))).toHaveLength(1);
  });

  it("loads with an approval that is required", () => {
    expect(loadIssues(policyFile(consent, "    approval: { required: true, approvers: [platform-team] }"))).toEqual([]);
  });

  it("a policy without consent needs no approval", () => {
    expect(loadIssues(policyFile("{ type: enroll-backup, tier: gold }"))).toEqual([]);
  });

  it("a finding of a soft-deleted VM without consent is blocked, not proposed", () => {
    const set = parsePolicyText(policyFile("{ type: enroll-backup, tier: gold }"), "policies/mine.yaml", builtinRegistry());
    const registry = builtinRegistry();
    const result = evaluate(set, ctx.inventory, ctx.facts, ctx.now, registry);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ verdict: "blocked", guard: "refused" });
    expect(result.findings[0]?.reason).toMatch(/soft-deleted in vault rsv-odoo-westeurope-b on 2026-11-20, purged on 2026-12-04/);
  });
});
