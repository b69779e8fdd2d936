/**
 * Management locks through the real ManagementLockClient, and what they refuse: a list at a
 * resource includes the locks it inherits; a CanNotDelete lock refuses the delete of its resource
 * and of the group around it (409 ScopeLocked) until it is removed; a ReadOnly lock refuses writes
 * and actions too. Resource groups are deleted with their contents by a long-running operation.
 */
import { ComputeManagementClient } from "@azure/arm-compute";
import { ManagementLockClient } from "@azure/arm-locks";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { graphClientFor, queryAllRows } from "../../shared/inventory/resourceGraph.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const PROD = "rg-odoo-prod";
const DR = "rg-odoo-dr";
const POC = "rg-odoo-poc-2025";
const OLD = "rg-odoo-old-pilot";
const FAST = { updateIntervalInMs: 10 };

const vm = (resourceGroup: string, name: string): EstateDefinition["resources"][number] => ({
  type: "Microsoft.Compute/virtualMachines",
  resourceGroup,
  name,
  body: { location: "westeurope", properties: { hardwareProfile: { vmSize: "Standard_D2s_v5" } } },
});

const estate: EstateDefinition = {
  resourceGroups: [PROD, DR, POC, OLD].map((name) => ({ name, location: "westeurope", tags: { environment: "prod" } })),
  resources: [
    {
      type: "Microsoft.DBforPostgreSQL/flexibleServers",
      resourceGroup: PROD,
      name: "psql-odoo-prod",
      body: { location: "westeurope", properties: { version: "17" } },
    },
    { type: "Microsoft.Cache/redis", resourceGroup: PROD, name: "redis-odoo-prod", body: { location: "westeurope", properties: {} } },
    vm(DR, "vm-odoo-dr-app-01"),
    vm(OLD, "vm-odoo-old-pilot-01"),
    {
      type: "Microsoft.Compute/disks",
      resourceGroup: OLD,
      name: "disk-odoo-old-pilot-data",
      body: { location: "westeurope", properties: { creationData: { createOption: "Empty" }, diskSizeGB: 64 } },
    },
  ],
  locks: [
    {
      scope: `/subscriptions/${SUB}/resourceGroups/${PROD}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod`,
      name: "lock-psql-odoo-prod",
      level: "CanNotDelete",
    },
    {
      scope: `/subscriptions/${SUB}/resourceGroups/${DR}`,
      name: "lock-rg-odoo-dr",
      level: "CanNotDelete",
      notes: "DR standby: never deleted",
    },
  ],
};

let emulator: Emulator;
let locks: ManagementLockClient;
let resources: ResourceManagementClient;
let compute: ComputeManagementClient;
let target: AzureTarget;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false, lroPolls: 1 });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  target = emulatorTarget(emulator, emulator.core.subscriptionId);
  const options = { endpoint: target.armEndpoint, ...target.clientOptions };
  locks = new ManagementLockClient(target.credential, target.subscriptionId, options);
  resources = new ResourceManagementClient(target.credential, target.subscriptionId, options);
  compute = new ComputeManagementClient(target.credential, target.subscriptionId, options);
});
afterAll(async () => emulator.close());

async function names<T extends { name?: string }>(pages: AsyncIterable<T>): Promise<string[]> {
  const found: string[] = [];
  for await (const item of pages) found.push(item.name as string);
  return found.sort();
}

describe("management locks through the real ManagementLockClient", () => {
  it("lists the lock on a resource, the lock a resource inherits from its group, and none on an unlocked one", async () => {
    expect(
      await names(locks.managementLocks.listAtResourceLevel(PROD, "Microsoft.DBforPostgreSQL", "", "flexibleServers", "psql-odoo-prod")),
    ).toEqual(["lock-psql-odoo-prod"]);
    const inherited = [];
    for await (const lock of locks.managementLocks.listAtResourceLevel(
      DR,
      "Microsoft.Compute",
      "",
      "virtualMachines",
      "vm-odoo-dr-app-01",
    )) {
      inherited.push(lock);
    }
    expect(inherited).toMatchObject([
      {
        name: "lock-rg-odoo-dr",
        level: "CanNotDelete",
        notes: "DR standby: never deleted",
        id: `/subscriptions/${SUB}/resourceGroups/${DR}/providers/Microsoft.Authorization/locks/lock-rg-odoo-dr`,
      },
    ]);
    expect(await names(locks.managementLocks.listAtResourceLevel(PROD, "Microsoft.Cache", "", "redis", "redis-odoo-prod"))).toEqual([]);
    expect(await names(locks.managementLocks.listAtSubscriptionLevel())).toEqual(["lock-psql-odoo-prod", "lock-rg-odoo-dr"]);
    expect(await names(locks.managementLocks.listAtResourceGroupLevel(PROD, { filter: "atScope()" }))).toEqual([]);
  });

  it("creates a CanNotDelete lock on a resource (201, then 200 on the same PUT), reads it back, and refuses an unknown level", async () => {
    const created = await locks.managementLocks.createOrUpdateAtResourceLevel(
      PROD,
      "Microsoft.Cache",
      "",
      "redis",
      "redis-odoo-prod",
      "lock-redis",
      {
        level: "CanNotDelete",
        notes: "production cache",
      },
    );
    expect(created).toMatchObject({ name: "lock-redis", level: "CanNotDelete", type: "Microsoft.Authorization/locks" });
    const read = await locks.managementLocks.getAtResourceLevel(PROD, "Microsoft.Cache", "", "redis", "redis-odoo-prod", "lock-redis");
    expect(read.notes).toBe("production cache");
    await expect(
      locks.managementLocks.createOrUpdateAtResourceLevel(PROD, "Microsoft.Cache", "", "redis", "redis-odoo-prod", "lock-bad", {
        level: "NotALevel",
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      locks.managementLocks.getAtResourceLevel(PROD, "Microsoft.Cache", "", "redis", "redis-odoo-prod", "lock-bad"),
    ).rejects.toMatchObject({
      statusCode: 404,
      code: "LockNotFound",
    });
  });

  it("refuses the delete of a locked resource, and of a group whose lock it inherits, with 409 ScopeLocked, deleting nothing", async () => {
    await expect(compute.virtualMachines.beginDeleteAndWait(DR, "vm-odoo-dr-app-01", FAST)).rejects.toMatchObject({
      statusCode: 409,
      code: "ScopeLocked",
    });
    await expect(resources.resourceGroups.beginDeleteAndWait(DR, FAST)).rejects.toMatchObject({ statusCode: 409, code: "ScopeLocked" });
    // A lock on a resource inside the group refuses the group's delete too.
    await expect(resources.resourceGroups.beginDeleteAndWait(PROD, FAST)).rejects.toMatchObject({ statusCode: 409, code: "ScopeLocked" });
    expect((await compute.virtualMachines.get(DR, "vm-odoo-dr-app-01")).name).toBe("vm-odoo-dr-app-01");
    expect(changes.filter((change) => change.kind === "delete")).toEqual([]);
  });

  it("lets a VM under a CanNotDelete lock be deallocated, but not under a ReadOnly one, until the lock is deleted", async () => {
    await compute.virtualMachines.beginDeallocateAndWait(DR, "vm-odoo-dr-app-01", FAST);
    await locks.managementLocks.createOrUpdateAtResourceGroupLevel(DR, "lock-rg-odoo-dr-readonly", { level: "ReadOnly" });
    await expect(compute.virtualMachines.beginStartAndWait(DR, "vm-odoo-dr-app-01", FAST)).rejects.toMatchObject({
      statusCode: 409,
      code: "ScopeLocked",
    });
    await locks.managementLocks.deleteAtResourceGroupLevel(DR, "lock-rg-odoo-dr-readonly");
    await compute.virtualMachines.beginStartAndWait(DR, "vm-odoo-dr-app-01", FAST);
  });
});

describe("resource group deletion through the real ResourceManagementClient", () => {
  it("deletes an empty group with a long-running operation: Deleting while it runs (a GET and Resource Graph), then gone, with one event", async () => {
    const poller = await resources.resourceGroups.beginDelete(POC, FAST);
    expect((await resources.resourceGroups.get(POC)).properties?.provisioningState).toBe("Deleting");
    const rows = await queryAllRows(
      await graphClientFor(target),
      target.subscriptionId,
      `ResourceContainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' and name =~ '${POC}' | project state = tostring(properties.provisioningState)`,
    );
    expect(rows.map((row) => row.state)).toEqual(["Deleting"]);
    await poller.pollUntilDone();
    await expect(resources.resourceGroups.get(POC)).rejects.toMatchObject({ statusCode: 404, code: "ResourceGroupNotFound" });
    expect(changes.filter((change) => change.resourceId.endsWith(`/${POC}`)).map((change) => change.operationName)).toEqual([
      "Microsoft.Resources/subscriptions/resourceGroups/delete",
    ]);
  });

  it("deletes a group that still holds resources together with them, as Azure does", async () => {
    await resources.resourceGroups.beginDeleteAndWait(OLD, FAST);
    await expect(compute.disks.get(OLD, "disk-odoo-old-pilot-data")).rejects.toMatchObject({ statusCode: 404 });
    expect(
      changes
        .filter((change) => change.kind === "delete" && change.resourceId.includes(`/${OLD}`))
        .map((change) => change.operationName)
        .sort(),
    ).toEqual([
      "Microsoft.Compute/disks/delete",
      "Microsoft.Compute/virtualMachines/delete",
      "Microsoft.Resources/subscriptions/resourceGroups/delete",
    ]);
  });

  it("deletes a resource once its lock is removed", async () => {
    await locks.managementLocks.deleteAtResourceGroupLevel(DR, "lock-rg-odoo-dr");
    await compute.virtualMachines.beginDeleteAndWait(DR, "vm-odoo-dr-app-01", FAST);
    await expect(compute.virtualMachines.get(DR, "vm-odoo-dr-app-01")).rejects.toMatchObject({ statusCode: 404 });
  });
});
