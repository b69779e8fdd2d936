import { ComputeManagementClient, type VirtualMachine, type VirtualMachineInstanceView } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SUBSCRIPTION_ID } from "../../emulator/core.ts";
import type { EstateDefinition, EstateResource } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { graphClientFor, queryAllRows } from "../../shared/inventory/resourceGraph.ts";
import { rawRequest } from "../support/http.ts";

const SUB = DEFAULT_SUBSCRIPTION_ID;
const RG = "rg-odoo-test";
const TRAINING_RG = "rg-odoo-training";
const FAST = { updateIntervalInMs: 10 };

const vm = (resourceGroup: string, name: string, powerState = "running"): EstateResource => ({
  type: "Microsoft.Compute/virtualMachines",
  resourceGroup,
  name,
  body: { location: "westeurope", tags: { environment: "test" }, properties: { hardwareProfile: { vmSize: "Standard_B2ms" } } },
  sim: { powerState, workload: "idle" },
});

const estate: EstateDefinition = {
  resourceGroups: [
    { name: RG, location: "westeurope", tags: { environment: "test" } },
    { name: TRAINING_RG, location: "westeurope", tags: { environment: "training" } },
  ],
  resources: [
    vm(RG, "vm-test-idle-01"),
    vm(RG, "vm-test-idle-02"),
    vm(RG, "vm-test-cycle-01"),
    vm(RG, "vm-test-disks-01"),
    {
      type: "Microsoft.Compute/disks",
      resourceGroup: RG,
      name: "disk-test-db-01",
      body: {
        location: "westeurope",
        sku: { name: "Premium_LRS" },
        properties: { creationData: { createOption: "Empty" }, diskSizeGB: 256 },
      },
    },
    {
      type: "Microsoft.Compute/snapshots",
      resourceGroup: RG,
      name: "snap-test-db-01-2026-11-20",
      body: {
        location: "westeurope",
        tags: { environment: "test" },
        properties: {
          creationData: {
            createOption: "Copy",
            sourceResourceId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/disk-test-db-01`,
          },
          diskSizeGB: 256,
          timeCreated: "2026-11-20T02:00:00.000Z",
        },
      },
    },
    {
      type: "Microsoft.Compute/snapshots",
      resourceGroup: RG,
      name: "snap-test-db-01-2026-11-27",
      body: {
        location: "westeurope",
        tags: { environment: "test" },
        properties: {
          creationData: {
            createOption: "Copy",
            sourceResourceId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/disk-test-db-01`,
          },
          diskSizeGB: 256,
          timeCreated: "2026-11-27T02:00:00.000Z",
        },
      },
    },
    { ...vm(RG, "vm-test-updating-01"), provisioningState: "Updating" },
    ...["01", "02", "03", "04", "05"].map((index) => vm(TRAINING_RG, `vm-training-${index}`, "deallocated")),
  ],
};

let emulator: Emulator;
let target: AzureTarget;
let client: ComputeManagementClient;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  // One status poll answers InProgress before each operation completes, so transitional states show.
  emulator = await startEmulator({ estate, throttle: false, lroPolls: 1, listPageSize: 2 });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new ComputeManagementClient(target.credential, target.subscriptionId, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

function powerState(view: VirtualMachineInstanceView): string | undefined {
  return view.statuses?.find((status) => status.code?.startsWith("PowerState/"))?.code;
}

function changesFor(name: string): ResourceChange[] {
  return changes.filter((change) => change.resourceId.toLowerCase().endsWith(`/${name.toLowerCase()}`));
}

describe("virtual machines through the real ComputeManagementClient", () => {
  it("creates a VM, reads it back with a stable vmId, no password, and its OS disk made and attached", async () => {
    const created = await client.virtualMachines.beginCreateOrUpdateAndWait(
      RG,
      "vm-test-new-01",
      {
        location: "West Europe",
        tags: { environment: "test", owner: "ops" },
        hardwareProfile: { vmSize: "Standard_D2s_v5" },
        storageProfile: {
          imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
          osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS" } },
        },
        osProfile: { computerName: "vm-test-new-01", adminUsername: "odoo", adminPassword: "S3cret-never-returned!" },
        networkProfile: {
          networkInterfaces: [
            { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/nic-test-new-01` },
          ],
        },
      },
      FAST,
    );
    expect(created.provisioningState).toBe("Succeeded");

    const read = await client.virtualMachines.get(RG, "vm-test-new-01");
    expect(read).toMatchObject({
      name: "vm-test-new-01",
      location: "westeurope",
      tags: { environment: "test", owner: "ops" },
      vmId: created.vmId,
      provisioningState: "Succeeded",
      hardwareProfile: { vmSize: "Standard_D2s_v5" },
    });
    expect(read.osProfile?.adminPassword).toBeUndefined();
    expect(read.timeCreated?.toISOString()).toBe(emulator.core.nowIso());

    const osDiskName = read.storageProfile?.osDisk?.name as string;
    const osDisk = await client.disks.get(RG, osDiskName);
    expect(osDisk.managedBy).toBe(read.id);
    expect(osDisk.diskState).toBe("Attached");
    expect(changesFor("vm-test-new-01").map((change) => change.operationName)).toEqual(["Microsoft.Compute/virtualMachines/write"]);
  });

  it("deallocates a running VM: deallocating while the operation runs, then PowerState/deallocated and one change event", async () => {
    const poller = await client.virtualMachines.beginDeallocate(RG, "vm-test-idle-01", FAST);
    const during = await client.virtualMachines.instanceView(RG, "vm-test-idle-01");
    expect(powerState(during)).toBe("PowerState/deallocating");
    expect(changesFor("vm-test-idle-01")).toEqual([]);

    await poller.pollUntilDone();
    const after = await client.virtualMachines.instanceView(RG, "vm-test-idle-01");
    expect(powerState(after)).toBe("PowerState/deallocated");
    expect(after.vmAgent).toBeUndefined();
    expect(changesFor("vm-test-idle-01")).toMatchObject([
      {
        kind: "action",
        operationName: "Microsoft.Compute/virtualMachines/deallocate/action",
        resourceType: "Microsoft.Compute/virtualMachines",
      },
    ]);
  });

  it("deallocates with beginDeallocateAndWait, and a second deallocate succeeds without changing anything or emitting a change", async () => {
    await client.virtualMachines.beginDeallocateAndWait(RG, "vm-test-idle-02", FAST);
    const first = await client.virtualMachines.get(RG, "vm-test-idle-02", { expand: "instanceView" });
    expect(powerState(first.instanceView as VirtualMachineInstanceView)).toBe("PowerState/deallocated");
    const eventsAfterFirst = changesFor("vm-test-idle-02").length;
    expect(eventsAfterFirst).toBe(1);

    await client.virtualMachines.beginDeallocateAndWait(RG, "vm-test-idle-02", FAST);
    const second = await client.virtualMachines.instanceView(RG, "vm-test-idle-02");
    expect(powerState(second)).toBe("PowerState/deallocated");
    expect(changesFor("vm-test-idle-02")).toHaveLength(eventsAfterFirst);
  });

  it("powers off a VM that stays allocated (stopped), deallocates it, then starts it again", async () => {
    await client.virtualMachines.beginPowerOffAndWait(RG, "vm-test-cycle-01", FAST);
    expect(powerState(await client.virtualMachines.instanceView(RG, "vm-test-cycle-01"))).toBe("PowerState/stopped");
    await client.virtualMachines.beginDeallocateAndWait(RG, "vm-test-cycle-01", FAST);
    expect(powerState(await client.virtualMachines.instanceView(RG, "vm-test-cycle-01"))).toBe("PowerState/deallocated");
    await client.virtualMachines.beginStartAndWait(RG, "vm-test-cycle-01", FAST);
    expect(powerState(await client.virtualMachines.instanceView(RG, "vm-test-cycle-01"))).toBe("PowerState/running");
    expect(changesFor("vm-test-cycle-01").map((change) => change.operationName)).toEqual([
      "Microsoft.Compute/virtualMachines/powerOff/action",
      "Microsoft.Compute/virtualMachines/deallocate/action",
      "Microsoft.Compute/virtualMachines/start/action",
    ]);
  });

  it("lists VMs across pages by following nextLink, in the resource group, the subscription and the region", async () => {
    const pages: string[][] = [];
    for await (const page of client.virtualMachines.list(TRAINING_RG).byPage()) pages.push(page.map((item) => item.name as string));
    expect(pages).toEqual([["vm-training-01", "vm-training-02"], ["vm-training-03", "vm-training-04"], ["vm-training-05"]]);

    const all: VirtualMachine[] = [];
    for await (const item of client.virtualMachines.listAll({ statusOnly: "true" })) all.push(item);
    const training = all.filter((item) => item.id?.includes(`/resourceGroups/${TRAINING_RG}/`));
    expect(training).toHaveLength(5);
    expect(training.map((item) => powerState(item.instanceView as VirtualMachineInstanceView))).toEqual(
      Array(5).fill("PowerState/deallocated"),
    );

    const inRegion: string[] = [];
    for await (const item of client.virtualMachines.listByLocation("westeurope")) inRegion.push(item.name as string);
    expect(inRegion).toEqual(expect.arrayContaining(["vm-training-05", "vm-test-idle-01"]));
  });

  it("shows a VM the estate planted mid-update as Updating, with its instance view, until a change of it completes", async () => {
    const planted = await client.virtualMachines.get(RG, "vm-test-updating-01", { expand: "instanceView" });
    expect(planted.provisioningState).toBe("Updating");
    expect(planted.instanceView?.statuses?.map((status) => status.code)).toContain("ProvisioningState/updating");
    expect(powerState(planted.instanceView ?? {})).toBe("PowerState/running");
    const listed: VirtualMachine[] = [];
    for await (const each of client.virtualMachines.list(RG)) listed.push(each);
    expect(listed.find((each) => each.name === "vm-test-updating-01")?.provisioningState).toBe("Updating");

    await client.virtualMachines.beginUpdateAndWait(RG, "vm-test-updating-01", { tags: { environment: "test", touched: "yes" } }, FAST);
    expect((await client.virtualMachines.get(RG, "vm-test-updating-01")).provisioningState).toBe("Succeeded");
  });

  it("answers 404 ResourceNotFound for a VM that does not exist, and ResourceGroupNotFound when the group is missing", async () => {
    await expect(client.virtualMachines.get(RG, "vm-does-not-exist")).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    await expect(client.virtualMachines.get("rg-missing", "vm-any")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceGroupNotFound",
    });
  });

  it("refuses a PUT without a location with 400 in ARM's error shape, and creates nothing", async () => {
    const path = `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-no-location?api-version=2025-04-01`;
    const answer = await rawRequest(emulator, "PUT", path, { properties: { hardwareProfile: { vmSize: "Standard_B2s" } } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "LocationRequired" } });
    expect((await rawRequest(emulator, "GET", path)).status).toBe(404);
  });
});

describe("managed disks and snapshots through the real ComputeManagementClient", () => {
  const diskId = (name: string): string =>
    `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/${name}`;

  it("shows a disk attached while a VM holds it (managedBy, Attached) and unattached once detached, when it can be deleted", async () => {
    const before = await client.disks.get(RG, "disk-test-db-01");
    expect(before.managedBy).toBeUndefined();
    expect(before.diskState).toBe("Unattached");

    const model = await client.virtualMachines.get(RG, "vm-test-disks-01");
    model.storageProfile = {
      ...model.storageProfile,
      dataDisks: [{ lun: 0, createOption: "Attach", managedDisk: { id: diskId("disk-test-db-01") } }],
    };
    await client.virtualMachines.beginCreateOrUpdateAndWait(RG, "vm-test-disks-01", model, FAST);
    const attached = await client.disks.get(RG, "disk-test-db-01");
    expect(attached.managedBy).toBe(model.id);
    expect(attached.diskState).toBe("Attached");
    await expect(client.disks.beginDeleteAndWait(RG, "disk-test-db-01", FAST)).rejects.toMatchObject({ statusCode: 409 });

    const attachedModel = await client.virtualMachines.get(RG, "vm-test-disks-01");
    attachedModel.storageProfile = { ...attachedModel.storageProfile, dataDisks: [] };
    await client.virtualMachines.beginCreateOrUpdateAndWait(RG, "vm-test-disks-01", attachedModel, FAST);
    const detached = await client.disks.get(RG, "disk-test-db-01");
    expect(detached.managedBy).toBeUndefined();
    expect(detached.diskState).toBe("Unattached");

    await client.disks.beginDeleteAndWait(RG, "disk-test-db-01", FAST);
    await expect(client.disks.get(RG, "disk-test-db-01")).rejects.toMatchObject({ statusCode: 404 });
    expect(changesFor("disk-test-db-01").map((change) => change.operationName)).toEqual(["Microsoft.Compute/disks/delete"]);
  });

  it("refuses to delete a snapshot while a disk is being created from it (409 Conflict), then deletes it once the copy is done", async () => {
    const snapshot = await client.snapshots.get(RG, "snap-test-db-01-2026-11-20");
    expect(snapshot.timeCreated?.toISOString()).toBe("2026-11-20T02:00:00.000Z");

    const copy = await client.disks.beginCreateOrUpdate(
      RG,
      "disk-test-db-01-restored",
      { location: "westeurope", creationData: { createOption: "Copy", sourceResourceId: snapshot.id as string } },
      FAST,
    );
    await expect(client.snapshots.beginDeleteAndWait(RG, "snap-test-db-01-2026-11-20", FAST)).rejects.toMatchObject({
      statusCode: 409,
      code: "Conflict",
    });
    expect(changesFor("snap-test-db-01-2026-11-20")).toEqual([]);

    const restored = await copy.pollUntilDone();
    expect(restored).toMatchObject({ provisioningState: "Succeeded", diskSizeGB: 256, creationData: { sourceResourceId: snapshot.id } });
    await client.snapshots.beginDeleteAndWait(RG, "snap-test-db-01-2026-11-20", FAST);
    await expect(client.snapshots.get(RG, "snap-test-db-01-2026-11-20")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    expect(changesFor("snap-test-db-01-2026-11-20").map((change) => change.operationName)).toEqual(["Microsoft.Compute/snapshots/delete"]);
  });

  it("shows a snapshot Deleting in a GET and in Resource Graph while its delete runs, then answers 404", async () => {
    const name = "snap-test-db-01-2026-11-27";
    const stateInGraph = async (): Promise<unknown[]> => {
      const graph = await graphClientFor(target);
      const rows = await queryAllRows(
        graph,
        target.subscriptionId,
        `Resources | where name =~ '${name}' | project name, state = tostring(properties.provisioningState)`,
      );
      return rows.map((row) => row.state);
    };
    expect((await client.snapshots.get(RG, name)).provisioningState).toBe("Succeeded");

    const poller = await client.snapshots.beginDelete(RG, name, FAST);
    expect((await client.snapshots.get(RG, name)).provisioningState).toBe("Deleting");
    expect(await stateInGraph()).toEqual(["Deleting"]);

    await poller.pollUntilDone();
    await expect(client.snapshots.get(RG, name)).rejects.toMatchObject({ statusCode: 404 });
    expect(await stateInGraph()).toEqual([]);
    expect(changesFor(name).map((change) => change.operationName)).toEqual(["Microsoft.Compute/snapshots/delete"]);
  });

  it("answers 204 to the delete of a snapshot that does not exist, as Azure does", async () => {
    const path = `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/snapshots/snap-never-existed?api-version=2025-01-02`;
    expect((await rawRequest(emulator, "DELETE", path)).status).toBe(204);
  });
});
