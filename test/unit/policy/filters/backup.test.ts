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

describe("backup filter on a soft-deleted item", () => {
  const vm = resource({ name: "vm-odoo-prod-worker-01" });
  const fact = {
    protected: false,
    vaultId: VAULT,
    softDeleted: { deletedAt: "2026-11-20T08:15:00.000Z", purgeAt: "2026-12-04T08:15:00.000Z" },
  };

  it("matches unprotected, the reason giving its dates and that it must be undeleted", () => {
    const ctx = context({ resources: [vm], facts: { backup: { [vm.id.toLowerCase()]: fact } } });
    expect(check(backupFilter, "{ backup: unprotected }", vm, ctx)).toEqual({
      outcome: "match",
      reason:
        "not protected by Azure Backup: backup item soft-deleted in vault rsv-odoo-westeurope on 2026-11-20, purged on 2026-12-04: undelete to protect again",
    });
  });

  it("is not protected", () => {
    const ctx = context({ resources: [vm], facts: { backup: { [vm.id.toLowerCase()]: fact } } });
    expect(check(backupFilter, "{ backup: protected }", vm, ctx).outcome).toBe("no-match");
  });
});
