/**
 * Microsoft.Network through the real NetworkManagementClient: what uses a public IP, a NIC, a load
 * balancer pool or an NSG shows on it (the references that make orphans visible), orphans are
 * deleted by long-running operations the SDK's pollers follow, resources still in use are refused
 * with Network's codes, and Resource Graph sees the same references.
 */
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { networkShapes } from "../shapes/network.cases.ts";

const RG = "rg-network";
const FAST = { updateIntervalInMs: 10 };

let emulator: Emulator;
let client: NetworkManagementClient;
let graph: ResourceGraphClient;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  // The shape cases' estate: a VM with its NIC, public IP, NSG and load balancer pool, a NAT gateway, and orphans beside them.
  const estate: EstateDefinition = networkShapes.estate;
  emulator = await startEmulator({ estate, throttle: false, lroPolls: 1 });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  const target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new NetworkManagementClient(target.credential, target.subscriptionId, { endpoint: target.armEndpoint, ...target.clientOptions });
  graph = new ResourceGraphClient(target.credential, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

const id = (type: string, name: string): string =>
  `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/${type}/${name}`;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

describe("references that tell used network resources from orphans", () => {
  it("shows a public IP's IP configuration, a NAT gateway's address as its natGateway, and neither on an orphan", async () => {
    const used = await client.publicIPAddresses.get(RG, "pip-odoo-app-01");
    expect(used.ipConfiguration?.id).toBe(`${id("networkInterfaces", "vm-odoo-app-01-nic")}/ipConfigurations/ipconfig1`);
    expect(used.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const natAddress = await client.publicIPAddresses.get(RG, "pip-natgw-odoo");
    expect(natAddress.natGateway?.id).toBe(id("natGateways", "natgw-odoo"));
    const orphan = await client.publicIPAddresses.get(RG, "pip-odoo-orphan");
    expect(orphan.ipConfiguration).toBeUndefined();
    expect(orphan.natGateway).toBeUndefined();
    const listed = await all(client.publicIPAddresses.listAll());
    expect(listed.map((address) => address.name).sort()).toEqual(["pip-natgw-odoo", "pip-odoo-app-01", "pip-odoo-orphan"]);
  });

  it("shows the VM that holds a NIC, and no VM and no private endpoint on a detached one", async () => {
    const held = await client.networkInterfaces.get(RG, "vm-odoo-app-01-nic");
    expect(held.virtualMachine?.id).toBe(
      `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-odoo-app-01`,
    );
    expect(held.macAddress).toMatch(/^00-0D-3A-/);
    const detached = await client.networkInterfaces.get(RG, "nic-odoo-detached");
    expect(detached.virtualMachine).toBeUndefined();
    expect(detached.privateEndpoint).toBeUndefined();
    expect((await all(client.networkInterfaces.list(RG))).map((nic) => nic.name).sort()).toEqual([
      "nic-odoo-detached",
      "vm-odoo-app-01-nic",
    ]);
  });

  it("shows a load balancer pool's members, an NSG's subnets and NICs, and nothing on an NSG used by nothing", async () => {
    const balancer = await client.loadBalancers.get(RG, "lb-odoo-app");
    expect(balancer.backendAddressPools?.[0]?.backendIPConfigurations?.map((member) => member.id)).toEqual([
      `${id("networkInterfaces", "vm-odoo-app-01-nic")}/ipConfigurations/ipconfig1`,
    ]);
    const nsg = await client.networkSecurityGroups.get(RG, "nsg-odoo-app");
    expect(nsg.subnets?.map((subnet) => subnet.id)).toEqual([`${id("virtualNetworks", "vnet-odoo")}/subnets/snet-app`]);
    expect(nsg.networkInterfaces?.map((nic) => nic.id)).toEqual([id("networkInterfaces", "vm-odoo-app-01-nic")]);
    expect(nsg.defaultSecurityRules).toHaveLength(6);
    const unused = await client.networkSecurityGroups.get(RG, "nsg-odoo-old");
    expect(unused.subnets ?? []).toEqual([]);
    expect(unused.networkInterfaces ?? []).toEqual([]);
  });

  it("gives Resource Graph the same references, so an inventory query finds the orphans", async () => {
    const answer = await graph.resources({
      subscriptions: [emulator.core.subscriptionId],
      query: [
        "Resources",
        "| where type =~ 'microsoft.network/publicipaddresses'",
        "| where isnull(properties.ipConfiguration) and isnull(properties.natGateway)",
        "| project name",
      ].join("\n"),
    });
    expect(answer.data).toEqual([{ name: "pip-odoo-orphan" }]);
    const nics = await graph.resources({
      subscriptions: [emulator.core.subscriptionId],
      query: "Resources | where type =~ 'microsoft.network/networkinterfaces' and isnull(properties.virtualMachine) | project name",
    });
    expect(nics.data).toEqual([{ name: "nic-odoo-detached" }]);
  });
});

describe("deleting network resources", () => {
  it("refuses to delete a public IP, a NIC or an NSG still in use with Network's 400s, and changes nothing", async () => {
    await expect(client.publicIPAddresses.beginDeleteAndWait(RG, "pip-odoo-app-01", FAST)).rejects.toMatchObject({
      statusCode: 400,
      code: "PublicIPAddressCannotBeDeleted",
    });
    await expect(client.networkInterfaces.beginDeleteAndWait(RG, "vm-odoo-app-01-nic", FAST)).rejects.toMatchObject({
      statusCode: 400,
      code: "NicInUse",
    });
    await expect(client.networkSecurityGroups.beginDeleteAndWait(RG, "nsg-odoo-app", FAST)).rejects.toMatchObject({
      statusCode: 400,
      code: "InUseNetworkSecurityGroupCannotBeDeleted",
    });
    expect((await client.publicIPAddresses.get(RG, "pip-odoo-app-01")).provisioningState).toBe("Succeeded");
    expect(changes.filter((change) => change.kind === "delete")).toEqual([]);
  });

  it("deletes an orphaned public IP, NIC and NSG through the SDK's pollers: Deleting until done, then 404 and one event each", async () => {
    const poller = await client.publicIPAddresses.beginDelete(RG, "pip-odoo-orphan", FAST);
    expect((await client.publicIPAddresses.get(RG, "pip-odoo-orphan")).provisioningState).toBe("Deleting");
    await poller.pollUntilDone();
    await client.networkInterfaces.beginDeleteAndWait(RG, "nic-odoo-detached", FAST);
    await client.networkSecurityGroups.beginDeleteAndWait(RG, "nsg-odoo-old", FAST);
    for (const call of [
      client.publicIPAddresses.get(RG, "pip-odoo-orphan"),
      client.networkInterfaces.get(RG, "nic-odoo-detached"),
      client.networkSecurityGroups.get(RG, "nsg-odoo-old"),
    ]) {
      await expect(call).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    }
    expect(changes.filter((change) => change.kind === "delete").map((change) => change.operationName)).toEqual([
      "Microsoft.Network/publicIPAddresses/delete",
      "Microsoft.Network/networkInterfaces/delete",
      "Microsoft.Network/networkSecurityGroups/delete",
    ]);
  });

  it("frees a public IP once the NIC that used it lets go, so the IP can be deleted, and a second delete answers 204", async () => {
    const nic = await client.networkInterfaces.get(RG, "vm-odoo-app-01-nic");
    const configuration = nic.ipConfigurations?.[0];
    if (!configuration) throw new Error("the NIC has no IP configuration");
    await client.networkInterfaces.beginCreateOrUpdateAndWait(
      RG,
      "vm-odoo-app-01-nic",
      { ...nic, ipConfigurations: [{ ...configuration, publicIPAddress: undefined }] },
      FAST,
    );
    expect((await client.publicIPAddresses.get(RG, "pip-odoo-app-01")).ipConfiguration).toBeUndefined();
    await client.publicIPAddresses.beginDeleteAndWait(RG, "pip-odoo-app-01", FAST);
    await expect(client.publicIPAddresses.beginDeleteAndWait(RG, "pip-odoo-app-01", FAST)).resolves.toBeUndefined();
  });

  it("creates a NIC on a subnet and an NSG with a PUT followed to Succeeded", async () => {
    const nsg = await client.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, "nsg-odoo-new", { location: "westeurope" }, FAST);
    expect(nsg.provisioningState).toBe("Succeeded");
    const nic = await client.networkInterfaces.beginCreateOrUpdateAndWait(
      RG,
      "nic-odoo-new",
      {
        location: "westeurope",
        networkSecurityGroup: { id: nsg.id },
        ipConfigurations: [{ name: "ipconfig1", subnet: { id: `${id("virtualNetworks", "vnet-odoo")}/subnets/snet-app` } }],
      },
      FAST,
    );
    expect(nic.provisioningState).toBe("Succeeded");
    expect(nic.ipConfigurations?.[0]?.privateIPAddress).toMatch(/^10\./);
    expect((await client.networkSecurityGroups.get(RG, "nsg-odoo-new")).networkInterfaces?.map((entry) => entry.id)).toEqual([nic.id]);
  });
});
