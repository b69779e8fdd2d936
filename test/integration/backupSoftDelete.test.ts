/**
 * Azure Backup's soft delete and discovery, through the real RecoveryServicesBackupClient and
 * ComputeManagementClient against the emulator: stopping protection with its data deleted keeps
 * the item 14 days as soft-deleted, which the backup facts report and Azure refuses to protect
 * again; enroll-backup refuses it without the policy's consent and, with it (and a person's
 * approval), undeletes then protects it; a VM created after the vault last looked is enrolled
 * after Governor refreshes the vault's containers.
 */
import type { ProtectedItemResource, RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import type { EstateDefinition, EstateResource } from "../../emulator/estate/load.ts";
import { SOFT_DELETED_ERROR_CODE } from "../../emulator/routes/backup.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { backupClient, computeClient } from "../../shared/azure/clients.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { gatherBackupFacts } from "../../shared/inventory/backup.ts";
import { readResource } from "../../shared/inventory/readResource.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";
import type { InventoryResource } from "../../shared/policy/types.ts";
import { applyRemediation, type RemediationDeps, type RemediationRequest } from "../../shared/remediation/index.ts";
import { APP_RG, goldPolicy, productionVm, vault, VAULT_RG } from "../support/backupEstate.ts";
import { failureOf, remediationRequest } from "../support/remediation.ts";

const NOW = new Date("2026-11-23T19:30:00Z");
const VAULT = "rsv-odoo-westeurope";
const VM_FILTER = "backupManagementType eq 'AzureIaasVM'";
const FAST = { pollIntervalMs: 5, retryDelayMs: 20, maxRetryDelayMs: 200 };
const registry = builtinRegistry();

const vm = (name: string): EstateResource => productionVm(name);

const protectedItem = (vmName: string, sub: string): EstateResource => ({
  type: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
  resourceGroup: VAULT_RG,
  name: `${VAULT}/Azure/iaasvmcontainer;iaasvmcontainerv2;${APP_RG};${vmName}/vm;iaasvmcontainerv2;${APP_RG};${vmName}`,
  body: {
    properties: {
      protectedItemType: "Microsoft.Compute/virtualMachines",
      sourceResourceId: `/subscriptions/${sub}/resourceGroups/${APP_RG}/providers/Microsoft.Compute/virtualMachines/${vmName}`,
      policyId: `/subscriptions/${sub}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}/backupPolicies/policy-gold`,
    },
  },
});

const SUB = "7f3c2a91-0b4e-4d6a-9c1f-2e8b5d4a6c30";
const estate: EstateDefinition = {
  resourceGroups: [
    { name: VAULT_RG, location: "westeurope" },
    { name: APP_RG, location: "westeurope" },
  ],
  resources: [
    vault(VAULT, "westeurope", {}),
    goldPolicy(VAULT),
    vm("vm-odoo-prod-worker-01"),
    vm("vm-odoo-prod-worker-02"),
    vm("vm-odoo-prod-worker-03"),
    protectedItem("vm-odoo-prod-worker-01", SUB),
    protectedItem("vm-odoo-prod-worker-02", SUB),
    protectedItem("vm-odoo-prod-worker-03", SUB),
  ],
};

const POLICIES = `version: 1
policies:
  - name: backup-production-vms
    resource: virtual-machine
    mode: enforce
    when:
      - environment: [prod]
      - backup: unprotected
    action: { type: enroll-backup, tier: gold }
  - name: backup-production-vms-undelete
    resource: virtual-machine
    mode: enforce
    when:
      - environment: [prod]
      - backup: unprotected
    action: { type: enroll-backup, tier: gold, undeleteSoftDeleted: true }
    approval: { required: true, approvers: [platform-team] }
`;
const set = parsePolicyText(POLICIES, "policies/backup.yaml", registry);

let emulator: Emulator;
let target: AzureTarget;
let backup: RecoveryServicesBackupClient;

beforeAll(async () => {
  emulator = await startEmulator({ estate, clock: new VirtualClock(NOW), subscriptionId: SUB, throttle: false });
  target = emulatorTarget(emulator, SUB);
  backup = await backupClient(target);
});
afterAll(async () => emulator.close());

const vmId = (name: string): string => `/subscriptions/${SUB}/resourceGroups/${APP_RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
const names = (vmName: string) => ({
  container: `iaasvmcontainer;iaasvmcontainerv2;${APP_RG};${vmName}`,
  item: `vm;iaasvmcontainerv2;${APP_RG};${vmName}`,
});
const goldPolicyId = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}/backupPolicies/policy-gold`;

/** Stop protection and delete data, as a person would in the portal: a DELETE of the protected item. */
async function stopWithDelete(vmName: string): Promise<void> {
  const { container, item } = names(vmName);
  await backup.protectedItems.delete(VAULT, VAULT_RG, "Azure", container, item);
  emulator.core.lro.settleAll();
}

async function item(vmName: string) {
  const { container, item: itemName } = names(vmName);
  return (await backup.protectedItems.get(VAULT, VAULT_RG, "Azure", container, itemName)).properties as unknown as Record<string, unknown>;
}

async function protectableVms(): Promise<string[]> {
  const found: string[] = [];
  for await (const each of backup.backupProtectableItems.list(VAULT, VAULT_RG, { filter: VM_FILTER })) {
    found.push(each.properties?.friendlyName as string);
  }
  return found;
}

const deps = (): RemediationDeps => ({
  target,
  config: { killSwitch: false, dryRun: false },
  policySet: set,
  registry,
  now: () => emulator.core.clock.now(),
  options: FAST,
});

function request(policy: string, resourceId: string, approvedBy?: string): RemediationRequest {
  return remediationRequest(set, policy, resourceId, approvedBy === undefined ? {} : { approvedBy });
}

const writesOf = (since: number) =>
  emulator.core.log
    .entries({ since })
    .filter((entry) => entry.method !== "GET")
    .map((entry) => `${entry.method} ${entry.route}`);

describe("soft delete, as Azure Backup keeps a deleted item", () => {
  it("a DELETE leaves the item 14 days, stopped, scheduled for deletion, without a policy", async () => {
    await stopWithDelete("vm-odoo-prod-worker-01");
    expect(await item("vm-odoo-prod-worker-01")).toMatchObject({
      protectionState: "ProtectionStopped",
      isScheduledForDeferredDelete: true,
      deferredDeleteTimeInUTC: new Date(NOW),
      policyId: "",
    });
    // Not protectable either: it has to be undeleted first.
    expect(await protectableVms()).not.toContain("vm-odoo-prod-worker-01");
  });

  it("the emulator refuses a PUT protecting a soft-deleted item, with Azure's error code", async () => {
    const { container, item: itemName } = names("vm-odoo-prod-worker-01");
    const body: ProtectedItemResource = {
      properties: {
        protectedItemType: "Microsoft.Compute/virtualMachines",
        sourceResourceId: vmId("vm-odoo-prod-worker-01"),
        policyId: goldPolicyId,
      },
    };
    const refused = await failureOf(backup.protectedItems.createOrUpdate(VAULT, VAULT_RG, "Azure", container, itemName, body));
    expect(refused.statusCode).toBe(400);
    expect(refused.code).toBe(SOFT_DELETED_ERROR_CODE);
    expect(refused.message).toMatch(/undelete it before protecting it again/);
    expect((await item("vm-odoo-prod-worker-01")).isScheduledForDeferredDelete).toBe(true);
  });

  it("the backup facts call it soft-deleted, with when it was deleted and when it is purged", async () => {
    const resource = (await readResource(target, vmId("vm-odoo-prod-worker-01"))) as InventoryResource;
    const { backup: facts } = await gatherBackupFacts(target, [resource]);
    expect(facts[resource.id.toLowerCase()]).toMatchObject({
      protected: false,
      softDeleted: { deletedAt: NOW.toISOString(), purgeAt: "2026-12-07T19:30:00.000Z" },
    });
  });

  it("without the policy's consent, enrolment refuses it with that reason and sends nothing", async () => {
    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(request("backup-production-vms", vmId("vm-odoo-prod-worker-01")), deps());
    expect(outcome.outcome).toBe("skipped");
    expect(outcome.reason).toMatch(
      /soft-deleted in vault rsv-odoo-westeurope on 2026-11-23, purged on 2026-12-07: undelete to protect again/,
    );
    expect(writesOf(mark)).toEqual([]);
    expect((await item("vm-odoo-prod-worker-01")).isScheduledForDeferredDelete).toBe(true);
  });

  it("with consent and an approval, Governor undeletes the item, then protects it with the policy's backup policy", async () => {
    await stopWithDelete("vm-odoo-prod-worker-02");
    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(
      request("backup-production-vms-undelete", vmId("vm-odoo-prod-worker-02"), "maria@nordwind.example"),
      deps(),
    );
    expect(outcome).toMatchObject({
      outcome: "applied",
      after: { protected: true, backupPolicyId: expect.stringMatching(/policy-gold$/) as unknown },
    });
    expect(writesOf(mark)).toEqual(["PUT protectedItems.createOrUpdate", "PUT protectedItems.createOrUpdate"]);
    const now = await item("vm-odoo-prod-worker-02");
    expect(now.isScheduledForDeferredDelete).toBeUndefined();
    expect(now.policyId).toBe(goldPolicyId);
    expect(now.protectionState).not.toBe("ProtectionStopped");
  });

  it("an undelete sent again (an activity delivered twice) changes nothing", async () => {
    const { container, item: itemName } = names("vm-odoo-prod-worker-02");
    const before = await item("vm-odoo-prod-worker-02");
    const again = await backup.protectedItems.createOrUpdate(VAULT, VAULT_RG, "Azure", container, itemName, {
      properties: {
        protectedItemType: "Microsoft.Compute/virtualMachines",
        sourceResourceId: vmId("vm-odoo-prod-worker-02"),
        isRehydrate: true,
      },
    });
    expect(again.properties?.policyId).toBe(goldPolicyId);
    expect(await item("vm-odoo-prod-worker-02")).toEqual(before);
  });

  it("after 14 days the item is purged and the VM is protectable again", async () => {
    await stopWithDelete("vm-odoo-prod-worker-03");
    emulator.core.clock.set(new Date(NOW.getTime() + 15 * 86_400_000));
    const { container, item: itemName } = names("vm-odoo-prod-worker-03");
    expect((await failureOf(backup.protectedItems.get(VAULT, VAULT_RG, "Azure", container, itemName))).statusCode).toBe(404);
    expect(await protectableVms()).toContain("vm-odoo-prod-worker-03");
  });
});

describe("discovery before enrolment", () => {
  it("a VM created after the vault last looked is enrolled once Governor refreshes the vault's containers", async () => {
    const compute = await computeClient(target);
    await compute.virtualMachines.beginCreateOrUpdateAndWait(
      APP_RG,
      "vm-odoo-prod-worker-04",
      { location: "westeurope", tags: { environment: "prod" }, hardwareProfile: { vmSize: "Standard_D4s_v5" } },
      { updateIntervalInMs: 5 },
    );
    expect(await protectableVms()).not.toContain("vm-odoo-prod-worker-04");

    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(request("backup-production-vms", vmId("vm-odoo-prod-worker-04")), deps());
    expect(outcome).toMatchObject({ outcome: "applied", after: { protected: true } });
    const sent = emulator.core.log.entries({ since: mark }).map((entry) => entry.route);
    // Listed, refreshed and followed, listed again, then protected under the protectable item's names.
    expect(sent.filter((route) => route === "backupProtectableItems.list")).toHaveLength(2);
    expect(sent).toContain("protectionContainers.refresh");
    expect(sent).toContain("protectionContainerRefreshOperationResults.get");
    expect(sent.indexOf("protectionContainers.refresh")).toBeLessThan(sent.indexOf("protectedItems.createOrUpdate"));
    const put = emulator.core.log.entries({ since: mark }).find((entry) => entry.route === "protectedItems.createOrUpdate");
    expect(decodeURIComponent(put?.path ?? "")).toContain(
      "/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-odoo-prod;vm-odoo-prod-worker-04/protectedItems/VM;iaasvmcontainerv2;rg-odoo-prod;vm-odoo-prod-worker-04",
    );
  });

  it("a VM the vault already knows is enrolled without a refresh", async () => {
    const created = emulator.core.materialise("Microsoft.Compute/virtualMachines", {
      id: vmId("vm-odoo-prod-worker-05"),
      name: "vm-odoo-prod-worker-05",
      body: { location: "westeurope", tags: { environment: "prod" }, properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } } },
    });
    emulator.core.store.put(created);
    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(request("backup-production-vms", vmId("vm-odoo-prod-worker-05")), deps());
    expect(outcome.outcome).toBe("applied");
    expect(emulator.core.log.entries({ since: mark }).map((entry) => entry.route)).not.toContain("protectionContainers.refresh");
  });
});
