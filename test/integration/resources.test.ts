import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
