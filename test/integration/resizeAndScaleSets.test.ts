/**
 * The Compute operations of rightsizing and scale-set schedules through the real
 * ComputeManagementClient: the Resource SKUs of a region with their capabilities, the sizes a VM
 * can take (its hardware cluster's while it runs, the region's once deallocated), resizing by
 * PATCH (refused in place across clusters, done after a deallocation), a disk's SKU changed only
 * while no running VM holds it, and scale sets deallocated and started with their power state in
 * the instance view.
 */
import { ComputeManagementClient, type ResourceSku } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { costBetween, hourlyCost } from "../../emulator/costs/meter.ts";
import { hourlyPrice } from "../../shared/policy/prices.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-test";
const AKS_NODES = "MC_rg-odoo-dev_aks-odoo-dev_westeurope";
const FAST = { updateIntervalInMs: 10 };
const disk = (name: string): string => `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/${name}`;

const vm = (name: string, size: string, diskName: string): EstateDefinition["resources"] => [
  {
    type: "Microsoft.Compute/disks",
    resourceGroup: RG,
    name: diskName,
    body: {
      location: "westeurope",
      sku: { name: "Premium_LRS" },
      properties: { creationData: { createOption: "FromImage" }, osType: "Linux", diskSizeGB: 128 },
    },
  },
  {
    type: "Microsoft.Compute/virtualMachines",
    resourceGroup: RG,
    name,
    body: {
      location: "westeurope",
      tags: { environment: "test" },
      properties: {
        hardwareProfile: { vmSize: size },
        storageProfile: {
          osDisk: {
            name: diskName,
            createOption: "Attach",
            osType: "Linux",
            managedDisk: { id: disk(diskName), storageAccountType: "Premium_LRS" },
          },
        },
      },
    },
    sim: { powerState: "running", workload: "steady" },
  },
];

const estate: EstateDefinition = {
  resourceGroups: [
    { name: RG, location: "westeurope", tags: { environment: "test" } },
    { name: AKS_NODES, location: "westeurope", tags: { environment: "dev" } },
  ],
  resources: [
    ...vm("vm-odoo-test-reporting-01", "Standard_D16s_v5", "vm-odoo-test-reporting-01_OsDisk_1"),
    ...vm("vm-odoo-test-batch-01", "Standard_D8s_v5", "vm-odoo-test-batch-01_OsDisk_1"),
    ...vm("vm-odoo-test-billing-01", "Standard_D8s_v5", "vm-odoo-test-billing-01_OsDisk_1"),
    {
      type: "Microsoft.Compute/disks",
      resourceGroup: RG,
      name: "disk-odoo-test-archive",
      body: {
        location: "westeurope",
        sku: { name: "Premium_LRS" },
        properties: { creationData: { createOption: "Empty" }, diskSizeGB: 256 },
      },
      sim: { lastOwnershipUpdateTime: "2026-10-14T09:00:00.000Z" },
    },
    {
      type: "Microsoft.Compute/virtualMachineScaleSets",
      resourceGroup: RG,
      name: "vmss-odoo-test-workers",
      body: { location: "westeurope", tags: { environment: "test" }, sku: { name: "Standard_D2s_v5", capacity: 3 }, properties: {} },
    },
    {
      type: "Microsoft.Compute/virtualMachineScaleSets",
      resourceGroup: AKS_NODES,
      name: "aks-system-12345678-vmss",
      body: {
        location: "westeurope",
        tags: { environment: "dev", "aks-managed-poolName": "system" },
        sku: { name: "Standard_D2s_v5", capacity: 2 },
        properties: {},
      },
    },
  ],
};

let emulator: Emulator;
let client: ComputeManagementClient;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false, lroPolls: 1 });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  const target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new ComputeManagementClient(target.credential, target.subscriptionId, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

function capability(sku: ResourceSku | undefined, name: string): string | undefined {
  return sku?.capabilities?.find((entry) => entry.name === name)?.value;
}

async function powerCodes(resourceGroup: string, name: string): Promise<string[]> {
  const view = await client.virtualMachineScaleSets.getInstanceView(resourceGroup, name);
  return (view.virtualMachine?.statusesSummary ?? [])
    .map((entry) => `${entry.code}×${entry.count}`)
    .filter((code) => code.startsWith("PowerState/"));
}

describe("Resource SKUs and VM sizes", () => {
  it("lists a region's VM sizes with the capabilities rightsizing compares", async () => {
    const skus: ResourceSku[] = [];
    for await (const sku of client.resourceSkus.list({ filter: "location eq 'westeurope'" })) skus.push(sku);
    const d4 = skus.find((sku) => sku.resourceType === "virtualMachines" && sku.name === "Standard_D4s_v5");
    expect(d4?.locations).toEqual(["westeurope"]);
    expect({
      vCPUs: capability(d4, "vCPUs"),
      MemoryGB: capability(d4, "MemoryGB"),
      PremiumIO: capability(d4, "PremiumIO"),
      AcceleratedNetworkingEnabled: capability(d4, "AcceleratedNetworkingEnabled"),
      MaxDataDiskCount: capability(d4, "MaxDataDiskCount"),
      MaxNetworkInterfaces: capability(d4, "MaxNetworkInterfaces"),
      CpuArchitectureType: capability(d4, "CpuArchitectureType"),
    }).toEqual({
      vCPUs: "4",
      MemoryGB: "16",
      PremiumIO: "True",
      AcceleratedNetworkingEnabled: "True",
      MaxDataDiskCount: "8",
      MaxNetworkInterfaces: "2",
      CpuArchitectureType: "x64",
    });
    expect(
      capability(
        skus.find((sku) => sku.name === "Standard_D2ps_v5"),
        "CpuArchitectureType",
      ),
    ).toBe("Arm64");
    expect(skus.some((sku) => sku.resourceType === "disks" && sku.name === "Standard_LRS")).toBe(true);
  });

  it("offers a running VM the sizes of its hardware cluster, and a deallocated one every size of the region", async () => {
    const running: string[] = [];
    for await (const size of client.virtualMachines.listAvailableSizes(RG, "vm-odoo-test-batch-01")) running.push(size.name as string);
    expect(running).toEqual(expect.arrayContaining(["Standard_D2s_v5", "Standard_E4s_v5"]));
    expect(running).not.toContain("Standard_B2ms");
    expect(running).not.toContain("Standard_D2as_v5");
  });
});

describe("resizing a VM", () => {
  it("resizes a running VM by PATCH within its hardware cluster, and it keeps running", async () => {
    const resized = await client.virtualMachines.beginUpdateAndWait(
      RG,
      "vm-odoo-test-reporting-01",
      { hardwareProfile: { vmSize: "Standard_D4s_v5" } },
      FAST,
    );
    expect(resized.hardwareProfile?.vmSize).toBe("Standard_D4s_v5");
    const view = await client.virtualMachines.instanceView(RG, "vm-odoo-test-reporting-01");
    expect(view.statuses?.find((status) => status.code?.startsWith("PowerState/"))?.code).toBe("PowerState/running");
    expect(
      changes.filter((change) => change.resourceId.endsWith("/vm-odoo-test-reporting-01")).map((change) => change.operationName),
    ).toEqual(["Microsoft.Compute/virtualMachines/write"]);
  });

  it("refuses to resize a running VM to a size its cluster does not have (409 OperationNotAllowed), and resizes it once deallocated", async () => {
    await expect(
      client.virtualMachines.beginUpdateAndWait(RG, "vm-odoo-test-batch-01", { hardwareProfile: { vmSize: "Standard_B2ms" } }, FAST),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: "OperationNotAllowed",
      message: expect.stringContaining("current hardware cluster") as unknown,
    });
    expect((await client.virtualMachines.get(RG, "vm-odoo-test-batch-01")).hardwareProfile?.vmSize).toBe("Standard_D8s_v5");

    await client.virtualMachines.beginDeallocateAndWait(RG, "vm-odoo-test-batch-01", FAST);
    const offered: string[] = [];
    for await (const size of client.virtualMachines.listAvailableSizes(RG, "vm-odoo-test-batch-01")) offered.push(size.name as string);
    expect(offered).toContain("Standard_B2ms");
    await client.virtualMachines.beginUpdateAndWait(RG, "vm-odoo-test-batch-01", { hardwareProfile: { vmSize: "Standard_B2ms" } }, FAST);
    await client.virtualMachines.beginStartAndWait(RG, "vm-odoo-test-batch-01", FAST);
    expect((await client.virtualMachines.get(RG, "vm-odoo-test-batch-01")).hardwareProfile?.vmSize).toBe("Standard_B2ms");
  });

  it("refuses a size without premium storage for a VM on premium disks, and a size that does not exist", async () => {
    await client.virtualMachines.beginDeallocateAndWait(RG, "vm-odoo-test-reporting-01", FAST);
    await expect(
      client.virtualMachines.beginUpdateAndWait(RG, "vm-odoo-test-reporting-01", { hardwareProfile: { vmSize: "Standard_D4_v5" } }, FAST),
    ).rejects.toMatchObject({ statusCode: 409, code: "OperationNotAllowed" });
    await expect(
      client.virtualMachines.beginUpdateAndWait(RG, "vm-odoo-test-reporting-01", { hardwareProfile: { vmSize: "Standard_Q9_v9" } }, FAST),
    ).rejects.toMatchObject({ statusCode: 400, code: "InvalidParameter" });
  });
});

describe("downgrading a disk", () => {
  it("shows when an unattached disk was last detached, and changes its SKU to Standard_LRS by PATCH", async () => {
    const archive = await client.disks.get(RG, "disk-odoo-test-archive");
    expect(archive.diskState).toBe("Unattached");
    expect(archive.lastOwnershipUpdateTime?.toISOString()).toBe("2026-10-14T09:00:00.000Z");
    const downgraded = await client.disks.beginUpdateAndWait(RG, "disk-odoo-test-archive", { sku: { name: "Standard_LRS" } }, FAST);
    expect(downgraded.sku?.name).toBe("Standard_LRS");
    expect((await client.disks.get(RG, "disk-odoo-test-archive")).sku?.name).toBe("Standard_LRS");
  });

  it("refuses to change the SKU of a disk its running VM holds, and does it once the VM is deallocated", async () => {
    await expect(
      client.disks.beginUpdateAndWait(RG, "vm-odoo-test-batch-01_OsDisk_1", { sku: { name: "Standard_LRS" } }, FAST),
    ).rejects.toMatchObject({ statusCode: 409, code: "OperationNotAllowed" });
    await client.virtualMachines.beginDeallocateAndWait(RG, "vm-odoo-test-batch-01", FAST);
    await client.disks.beginUpdateAndWait(RG, "vm-odoo-test-batch-01_OsDisk_1", { sku: { name: "Standard_LRS" } }, FAST);
    expect((await client.disks.get(RG, "vm-odoo-test-batch-01_OsDisk_1")).sku?.name).toBe("Standard_LRS");
  });
});

describe("scale sets", () => {
  it("lists the scale sets of the subscription, the AKS-owned one in its node resource group with AKS's tag", async () => {
    const found: Array<{ name?: string; tags?: Record<string, string>; capacity?: number }> = [];
    for await (const scaleSet of client.virtualMachineScaleSets.listAll())
      found.push({ name: scaleSet.name, tags: scaleSet.tags, capacity: scaleSet.sku?.capacity });
    expect(found.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: "aks-system-12345678-vmss", tags: { environment: "dev", "aks-managed-poolName": "system" }, capacity: 2 },
      { name: "vmss-odoo-test-workers", tags: { environment: "test" }, capacity: 3 },
    ]);
  });

  it("deallocates a scale set through the SDK's poller (deallocating while it runs), then starts it again", async () => {
    expect(await powerCodes(RG, "vmss-odoo-test-workers")).toEqual(["PowerState/running×3"]);
    const poller = await client.virtualMachineScaleSets.beginDeallocate(RG, "vmss-odoo-test-workers", FAST);
    expect(await powerCodes(RG, "vmss-odoo-test-workers")).toEqual(["PowerState/deallocating×3"]);
    await poller.pollUntilDone();
    expect(await powerCodes(RG, "vmss-odoo-test-workers")).toEqual(["PowerState/deallocated×3"]);
    expect((await client.virtualMachineScaleSets.get(RG, "vmss-odoo-test-workers")).sku?.capacity).toBe(3);
    await client.virtualMachineScaleSets.beginDeallocateAndWait(RG, "vmss-odoo-test-workers", FAST);
    await client.virtualMachineScaleSets.beginStartAndWait(RG, "vmss-odoo-test-workers", FAST);
    expect(await powerCodes(RG, "vmss-odoo-test-workers")).toEqual(["PowerState/running×3"]);
    expect(changes.filter((change) => change.resourceId.endsWith("/vmss-odoo-test-workers")).map((change) => change.operationName)).toEqual(
      ["Microsoft.Compute/virtualMachineScaleSets/deallocate/action", "Microsoft.Compute/virtualMachineScaleSets/start/action"],
    );
  });
});

function priceOf(size: string): number {
  const lookup = hourlyPrice(size, { currency: "EUR" });
  if (!lookup.found) throw new Error(lookup.reason);
  return lookup.price;
}

describe("what the emulated Cost Management bills", () => {
  const HOUR_MS = 3_600_000;

  it("bills a resized VM at its old size until the resize and at its new size after it", async () => {
    const start = emulator.core.clock.nowMs();
    emulator.core.clock.advance(2 * HOUR_MS);
    await client.virtualMachines.beginUpdateAndWait(
      RG,
      "vm-odoo-test-billing-01",
      { hardwareProfile: { vmSize: "Standard_D4s_v5" } },
      FAST,
    );
    emulator.core.clock.advance(2 * HOUR_MS);
    const stored = emulator.core.store.get(
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-odoo-test-billing-01`,
    );
    if (!stored) throw new Error("the VM is gone");
    const d8 = hourlyCost(stored, "running", { size: "Standard_D8s_v5" }) as number;
    const d4 = hourlyCost(stored, "running", { size: "Standard_D4s_v5" }) as number;
    expect(d4).toBeLessThan(d8);
    expect(costBetween(stored, start, start + 4 * HOUR_MS)).toBeCloseTo(2 * d8 + 2 * d4, 6);
  });

  it("bills a scale set for each instance while it runs, and nothing while it is deallocated", async () => {
    const id = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-odoo-test-workers`;
    const running = emulator.core.store.get(id);
    if (!running) throw new Error("the scale set is gone");
    expect(hourlyCost(running, "running")).toBeCloseTo(3 * priceOf("Standard_D2s_v5"), 6);
    const start = emulator.core.clock.nowMs();
    await client.virtualMachineScaleSets.beginDeallocateAndWait(RG, "vmss-odoo-test-workers", FAST);
    emulator.core.clock.advance(3 * HOUR_MS);
    expect(costBetween(running, start, start + 3 * HOUR_MS)).toBe(0);
  });
});
