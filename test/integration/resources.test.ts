import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEstate } from "../../emulator/estate/load.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";

let emulator: Emulator;
let client: ResourceManagementClient;

beforeAll(async () => {
  emulator = await startEmulator({ throttle: false });
  const target = emulatorTarget(emulator, emulator.core.subscriptionId);
  client = new ResourceManagementClient(target.credential, target.subscriptionId, {
    endpoint: target.armEndpoint,
    ...target.clientOptions,
  });
});
afterAll(async () => emulator.close());

describe("resource groups and tags through the real ResourceManagementClient", () => {
  it("creates a resource group, reads it back and merges tags without touching others", async () => {
    const created = await client.resourceGroups.createOrUpdate("rg-smoke", { location: "westeurope", tags: { owner: "ops" } });
    expect(created.name).toBe("rg-smoke");
    const id = created.id as string;
    await client.tagsOperations.updateAtScope(id, { operation: "Merge", properties: { tags: { environment: "dev" } } });
    const tags = await client.tagsOperations.getAtScope(id);
    expect(tags.properties?.tags).toEqual({ owner: "ops", environment: "dev" });
  });
});

describe("generic resources list", () => {
  it("lists top-level resources with their tags, not child resources or subscription-scope budgets, and filters by type", async () => {
    const sample = sampleEstate({ subscriptionId: emulator.core.subscriptionId });
    loadEstate(emulator.core, sample.estate);

    const all: Array<{ type?: string; tags?: Record<string, string> }> = [];
    for await (const resource of client.resources.list()) all.push(resource);
    const types = new Set(all.map((resource) => resource.type));
    expect(types.has("Microsoft.Compute/virtualMachines")).toBe(true);
    expect([...types].filter((type) => (type ?? "").split("/").length > 2)).toEqual([]);
    expect(types.has("Microsoft.Consumption/budgets")).toBe(false);

    const vms: string[] = [];
    for await (const vm of client.resources.list({ filter: "resourceType eq 'Microsoft.Compute/virtualMachines'" }))
      vms.push(vm.name as string);
    expect(vms.length).toBe(emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).length);
    expect(vms).toContain("vm-odoo-dev-01");
  });

  it("refuses a $filter it does not understand instead of guessing", async () => {
    await expect(client.resources.list({ filter: "substringof('odoo', name)" }).next()).rejects.toMatchObject({ statusCode: 400 });
  });
});
