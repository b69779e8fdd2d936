/**
 * The names a protected item is written under come from the protectable item Azure returns
 * (shared/actions/common/backupItems.ts): read from Microsoft's example as it is, container and
 * item in Azure's own spelling, whether or not the id carries the fabric.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { itemNamesOf } from "../../../shared/actions/common/backupItems.ts";

const example = JSON.parse(
  readFileSync(new URL("../../fixtures/azure-examples/recovery-services-backup/protectable-items-list.json", import.meta.url), "utf8"),
) as { responses: { 200: { body: { value: Array<{ id: string }> } } } };

describe("a protectable item's names", () => {
  it("are the container and item of Microsoft's example, as spelled there", () => {
    expect(itemNamesOf(example.responses[200].body.value[0]?.id as string)).toEqual({
      container: "IaasVMContainer;iaasvmcontainer;iaasvm-rg;iaasvm-1",
      item: "VM;iaasvmcontainer;iaasvm-rg;iaasvm-1",
    });
  });

  it("are read from a protected item's id under the Azure fabric too", () => {
    const id =
      "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-odoo-prod;vm-01/protectedItems/VM;iaasvmcontainerv2;rg-odoo-prod;vm-01";
    expect(itemNamesOf(id)).toEqual({
      container: "IaasVMContainer;iaasvmcontainerv2;rg-odoo-prod;vm-01",
      item: "VM;iaasvmcontainerv2;rg-odoo-prod;vm-01",
    });
  });

  it("are none for an id that names no item", () => {
    expect(itemNamesOf("/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv")).toBeUndefined();
  });
});
