/**
 * What one Azure Backup item says about its VM (shared/inventory/backupItem.ts): a protected
 * item as Microsoft's example answers it, a stopped one, and a soft-deleted one as the REST
 * reference describes it (isScheduledForDeferredDelete, deferredDeleteTimeInUTC, empty policyId);
 * no example of a soft-deleted item exists among the reference payloads.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { backupFactOfItem, preferredFact, type ProtectedItemLike } from "../../shared/inventory/backupItem.ts";

const VAULT = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-odoo-westeurope";
const ITEM = `${VAULT}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-odoo-prod;vm-odoo-prod-worker-01/protectedItems/VM;iaasvmcontainerv2;rg-odoo-prod;vm-odoo-prod-worker-01`;

const example = JSON.parse(
  readFileSync(new URL("../fixtures/azure-examples/recovery-services-backup/backup-protected-items-list.json", import.meta.url), "utf8"),
) as { responses: { 200: { body: { value: ProtectedItemLike[] } } } };

const softDeleted = (extra: Record<string, unknown> = {}): ProtectedItemLike => ({
  id: ITEM,
  properties: {
    protectedItemType: "Microsoft.Compute/virtualMachines",
    protectionState: "ProtectionStopped",
    policyId: "",
    isScheduledForDeferredDelete: true,
    deferredDeleteTimeInUTC: "2026-11-20T08:15:00Z",
    ...extra,
  },
});

describe("the fact a backup item states", () => {
  it("a protected item of Microsoft's example is protection, with its policy and Azure's item id", () => {
    const item = example.responses[200].body.value[0] as ProtectedItemLike;
    const fact = backupFactOfItem(VAULT, item);
    expect(fact).toMatchObject({ protected: true, vaultId: VAULT, itemId: item.id });
    expect(fact.policyId).toMatch(/backupPolicies\/testPolicy1$/);
    expect(fact.softDeleted).toBeUndefined();
  });

  it("a stopped item keeps its data but is no protection", () => {
    const fact = backupFactOfItem(VAULT, { id: ITEM, properties: { protectionState: "ProtectionStopped" } });
    expect(fact).toEqual({ protected: false, vaultId: VAULT, itemId: ITEM });
  });

  it("a soft-deleted item is its own state: deleted when Azure says, purged 14 days later, no policy", () => {
    expect(backupFactOfItem(VAULT, softDeleted())).toEqual({
      protected: false,
      vaultId: VAULT,
      itemId: ITEM,
      softDeleted: { deletedAt: "2026-11-20T08:15:00.000Z", purgeAt: "2026-12-04T08:15:00.000Z" },
    });
  });

  it("a soft-deleted item's own retention decides its purge (enhanced soft delete keeps longer)", () => {
    expect(backupFactOfItem(VAULT, softDeleted({ softDeleteRetentionPeriodInDays: 30 })).softDeleted?.purgeAt).toBe(
      "2026-12-20T08:15:00.000Z",
    );
  });

  it("a soft-deleted item without its time is still soft-deleted, its dates unknown rather than invented", () => {
    expect(backupFactOfItem(VAULT, softDeleted({ deferredDeleteTimeInUTC: undefined })).softDeleted).toEqual({});
  });

  it("the SDK's Date for deferredDeleteTimeInUTC is read like the string", () => {
    const fact = backupFactOfItem(VAULT, softDeleted({ deferredDeleteTimeInUTC: new Date("2026-11-20T08:15:00Z") }));
    expect(fact.softDeleted?.deletedAt).toBe("2026-11-20T08:15:00.000Z");
  });
});

describe("which item speaks for a VM with several", () => {
  const none = { protected: false };
  const stopped = { protected: false, vaultId: VAULT };
  const deleted = backupFactOfItem(VAULT, softDeleted());
  const protectedFact = { protected: true, vaultId: `${VAULT}-2` };

  it("protection wins over a soft-deleted item, in either order", () => {
    expect(preferredFact(deleted, protectedFact)).toBe(protectedFact);
    expect(preferredFact(protectedFact, deleted)).toBe(protectedFact);
  });

  it("a soft-deleted item wins over a stopped one: it is what blocks protection", () => {
    expect(preferredFact(stopped, deleted)).toBe(deleted);
    expect(preferredFact(deleted, stopped)).toBe(deleted);
  });

  it("any item replaces the absence of one", () => {
    expect(preferredFact(none, stopped)).toBe(stopped);
  });
});
