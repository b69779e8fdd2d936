import { describe, expect, it } from "vitest";
import { backupFilter } from "../../../../shared/policy/filters/backup.ts";
import { check, condition, context, resource } from "../support.ts";

const VAULT = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-odoo-westeurope";

describe("backup filter", () => {
  const vm = resource({ name: "vm-wms-connector-01" });

  it("1. matches a VM that Azure Backup does not protect", () => {
    const ctx = context({ resources: [vm], facts: { backup: { [vm.id.toLowerCase()]: { protected: false } } } });
    expect(check(backupFilter, "{ backup: unprotected }", vm, ctx)).toEqual({ outcome: "match", reason: "not protected by Azure Backup" });
  });

  it("2. matches a protected VM, naming its vault and policy", () => {
    const ctx = context({
      resources: [vm],
      facts: { backup: { [vm.id.toLowerCase()]: { protected: true, vaultId: VAULT, policyId: `${VAULT}/backupPolicies/policy-gold` } } },
    });
    expect(check(backupFilter, "{ backup: protected }", vm, ctx)).toEqual({
      outcome: "match",
      reason: "protected by Azure Backup (vault rsv-odoo-westeurope, policy policy-gold)",
    });
  });

  it("compliant: a protected VM is not unprotected", () => {
    const ctx = context({ resources: [vm], facts: { backup: { [vm.id.toLowerCase()]: { protected: true } } } });
    expect(check(backupFilter, "{ backup: unprotected }", vm, ctx).outcome).toBe("no-match");
  });

  it("is unknown, never unprotected, when the backup status was not gathered", () => {
    expect(check(backupFilter, "{ backup: unprotected }", vm)).toEqual({
      outcome: "unknown",
      reason: "backup status of this VM was not gathered",
    });
  });

  it("asks inventory for backup facts", () => {
    expect(backupFilter.facts?.(condition(backupFilter, "{ backup: unprotected }"), "virtual-machine")).toEqual([{ type: "backup" }]);
  });
});
