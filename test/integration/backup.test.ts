/**
 * Azure Backup of VMs through the real Recovery Services clients: enabling protection is a
 * long-running PUT tracked by the operation URLs it answers with; a protected VM leaves the
 * protectable items and joins the protected items; a vault in another region is refused; enabling
 * protection again changes nothing.
 */
import { RecoveryServicesClient, type Vault } from "@azure/arm-recoveryservices";
import type { ProtectedItemResource, RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { backupClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { APP_RG, goldPolicy, productionVm, vault, VAULT_RG } from "../support/backupEstate.ts";
import { failureOf } from "../support/remediation.ts";

const WEST = "rsv-odoo-westeurope";
const NORTH = "rsv-odoo-northeurope";
const VM_FILTER = "backupManagementType eq 'AzureIaasVM'";

const vm = productionVm;

const estate: EstateDefinition = {
  resourceGroups: [
    { name: VAULT_RG, location: "westeurope" },
    { name: APP_RG, location: "westeurope" },
  ],
  resources: [
    vault(WEST, "westeurope"),
    vault(NORTH, "northeurope"),
    goldPolicy(WEST),
    vm("vm-odoo-prod-app-01", "westeurope"),
    vm("vm-odoo-prod-worker-01", "westeurope"),
    vm("vm-odoo-dr-app-01", "northeurope"),
  ],
};

let emulator: Emulator;
let backup: RecoveryServicesBackupClient;
let vaults: RecoveryServicesClient;
let sub: string;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  sub = emulator.core.subscriptionId;
  const target = emulatorTarget(emulator, sub);
  backup = await backupClient(target);
  vaults = new RecoveryServicesClient(target.credential, sub, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

const vmId = (name: string): string => `/subscriptions/${sub}/resourceGroups/${APP_RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
const policyId = (vaultName: string, policy: string): string =>
  `/subscriptions/${sub}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${vaultName}/backupPolicies/${policy}`;
const names = (vmName: string) => ({
  container: `iaasvmcontainer;iaasvmcontainerv2;${APP_RG};${vmName}`,
  item: `vm;iaasvmcontainerv2;${APP_RG};${vmName}`,
});
const protection = (vmName: string, policy: string): ProtectedItemResource => ({
  properties: { protectedItemType: "Microsoft.Compute/virtualMachines", sourceResourceId: vmId(vmName), policyId: policy },
});

async function protectableVms(vaultName: string): Promise<string[]> {
  const found: string[] = [];
  for await (const item of backup.backupProtectableItems.list(vaultName, VAULT_RG, { filter: VM_FILTER })) {
    found.push(item.properties?.friendlyName as string);
  }
  return found;
}

async function protectedVms(vaultName: string): Promise<Array<{ name?: string; source?: string; policy?: string }>> {
  const found: Array<{ name?: string; source?: string; policy?: string }> = [];
  for await (const item of backup.backupProtectedItems.list(vaultName, VAULT_RG, { filter: `${VM_FILTER} and itemType eq 'VM'` })) {
    found.push({ name: item.name, source: item.properties?.sourceResourceId, policy: item.properties?.policyId });
  }
  return found;
}

/** Enables protection as Governor does: the PUT, then the operation it answers with, polled through the SDK. */
async function enableProtection(
  vaultName: string,
  vmName: string,
  policy: string,
): Promise<{ status: number; item?: ProtectedItemResource }> {
  const { container, item } = names(vmName);
  let status = 0;
  let asyncOperation: string | undefined;
  const body = await backup.protectedItems.createOrUpdate(vaultName, VAULT_RG, "Azure", container, item, protection(vmName, policy), {
    onResponse: (response) => {
      status = response.status;
      asyncOperation = response.headers.get("azure-asyncoperation");
    },
  });
  if (status === 200) return { status, item: body };
  expect(status).toBe(202);
  const operationId = new URL(asyncOperation as string).pathname.split("/").at(-1) as string;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const state = await backup.protectedItemOperationStatuses.get(vaultName, VAULT_RG, "Azure", container, item, operationId);
    if (state.status !== "InProgress") {
      expect(state.status).toBe("Succeeded");
      break;
    }
  }
  const result = await backup.protectedItemOperationResults.get(vaultName, VAULT_RG, "Azure", container, item, operationId);
  return { status, item: result };
}

describe("Recovery Services vaults and policies through the real clients", () => {
  it("lists vaults by subscription and resource group and reads one", async () => {
    const all: Vault[] = [];
    for await (const found of vaults.vaults.listBySubscriptionId()) all.push(found);
    const inGroup: Vault[] = [];
    for await (const found of vaults.vaults.listByResourceGroup(VAULT_RG)) inGroup.push(found);
    expect(all.map((found) => [found.name, found.location])).toEqual([
      [WEST, "westeurope"],
      [NORTH, "northeurope"],
    ]);
    expect(inGroup).toHaveLength(2);
    expect(await vaults.vaults.get(VAULT_RG, WEST)).toMatchObject({ name: WEST, properties: { provisioningState: "Succeeded" } });
  });

  it("lists a vault's policies, its DefaultPolicy included, and reads one", async () => {
    const policies: string[] = [];
    for await (const policy of backup.backupPolicies.list(WEST, VAULT_RG, { filter: VM_FILTER })) policies.push(policy.name as string);
    expect(policies).toEqual(["DefaultPolicy", "policy-gold"]);
    const gold = await backup.protectionPolicies.get(WEST, VAULT_RG, "policy-gold");
    expect(gold.properties).toMatchObject({ backupManagementType: "AzureIaasVM", protectedItemsCount: 0 });
  });
});

describe("enabling VM protection through the real RecoveryServicesBackupClient", () => {
  it("protects a VM: 202 with operation URLs under the item, then it is protected and no longer protectable", async () => {
    expect(await protectableVms(WEST)).toEqual(["vm-odoo-prod-app-01", "vm-odoo-prod-worker-01"]);
    const since = changes.length;

    const { status, item } = await enableProtection(WEST, "vm-odoo-prod-app-01", policyId(WEST, "policy-gold"));

    expect(status).toBe(202);
    expect(item?.name).toBe(`VM;iaasvmcontainerv2;${APP_RG};vm-odoo-prod-app-01`);
    expect(item?.properties).toMatchObject({
      protectedItemType: "Microsoft.Compute/virtualMachines",
      sourceResourceId: vmId("vm-odoo-prod-app-01"),
      policyId: policyId(WEST, "policy-gold"),
      protectionState: "IRPending",
    });
    expect(await protectedVms(WEST)).toEqual([
      { name: item?.name, source: vmId("vm-odoo-prod-app-01"), policy: policyId(WEST, "policy-gold") },
    ]);
    expect(await protectableVms(WEST)).toEqual(["vm-odoo-prod-worker-01"]);
    expect(changes.slice(since)).toEqual([
      expect.objectContaining({
        kind: "write",
        resourceId: item?.id,
        operationName: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/write",
      }),
    ]);

    // The first backup runs at the policy's time (01:00 UTC), after which the VM is Protected.
    emulator.core.clock.advance(18 * 3_600_000);
    const { container, item: itemName } = names("vm-odoo-prod-app-01");
    const later = await backup.protectedItems.get(WEST, VAULT_RG, "Azure", container, itemName);
    expect(later.properties).toMatchObject({ protectionState: "Protected", lastBackupStatus: "Completed" });
    expect((await backup.protectionPolicies.get(WEST, VAULT_RG, "policy-gold")).properties?.protectedItemsCount).toBe(1);
  });

  it("enabling protection again with the same policy answers 200 at once and raises no event", async () => {
    const since = changes.length;
    const { status, item } = await enableProtection(WEST, "vm-odoo-prod-app-01", policyId(WEST, "policy-gold"));
    expect(status).toBe(200);
    expect(item?.properties?.sourceResourceId).toBe(vmId("vm-odoo-prod-app-01"));
    expect(await protectedVms(WEST)).toHaveLength(1);
    expect(changes.slice(since)).toEqual([]);
  });

  it("refuses to protect a VM in a vault of another region, with 400 and the reason", async () => {
    const since = changes.length;
    const error = await failureOf(enableProtection(WEST, "vm-odoo-dr-app-01", policyId(WEST, "policy-gold")));
    expect(error).toMatchObject({ statusCode: 400, code: "BadRequest" });
    expect(error.message).toMatch(/northeurope.*westeurope.*in its own region/);
    expect(await protectedVms(WEST)).toHaveLength(1);
    expect(changes.slice(since)).toEqual([]);
    // In the vault of its own region it is protectable, and protection works.
    expect(await protectableVms(NORTH)).toEqual(["vm-odoo-dr-app-01"]);
    expect((await enableProtection(NORTH, "vm-odoo-dr-app-01", policyId(NORTH, "DefaultPolicy"))).status).toBe(202);
    expect(await protectableVms(NORTH)).toEqual([]);
  });

  it("refuses a policy of another vault and a VM that does not exist", async () => {
    const otherVault = await failureOf(enableProtection(WEST, "vm-odoo-prod-worker-01", policyId(NORTH, "DefaultPolicy")));
    expect(otherVault.statusCode).toBe(400);
    expect(otherVault.message).toMatch(/not found in vault/);
    await expect(enableProtection(WEST, "vm-missing", policyId(WEST, "policy-gold"))).rejects.toMatchObject({ statusCode: 404 });
  });
});
