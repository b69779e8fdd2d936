/**
 * The inventory carries what the loaded policies read: a `value` filter on a property outside the
 * descriptors' paths finds its planted value through Resource Graph (the real ResourceGraphClient
 * against the emulator's KQL) and through `readResource` (an ARM GET), and every described type
 * is read again at its descriptor's api-version.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { gatherInventory } from "../../shared/inventory/gather.ts";
import { resourceGroupAsResource } from "../../shared/inventory/inventoryResource.ts";
import { readResource } from "../../shared/inventory/readResource.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { evaluate } from "../../shared/policy/evaluate.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";
import type { PolicySet } from "../../shared/policy/types.ts";
import { RESOURCE_TYPES } from "../../shared/resourceTypes/index.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const NOW = new Date("2026-11-23T10:00:00Z");
const GROUP = "rg-odoo-files";

const storageId = (name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.Storage/storageAccounts/${name}`;

/** Two storage accounts that differ only in properties no descriptor projects. */
function estate(): EstateDefinition {
  const account = (name: string, minimumTlsVersion: string, allowedIp: string) => ({
    type: "Microsoft.Storage/storageAccounts",
    resourceGroup: GROUP,
    name,
    body: {
      location: "westeurope",
      tags: { environment: "prod" },
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
      properties: {
        accessTier: "Hot",
        minimumTlsVersion,
        networkAcls: { defaultAction: "Deny", ipRules: [{ value: allowedIp, action: "Allow" }] },
      },
    },
  });
  return {
    resourceGroups: [{ name: GROUP, location: "westeurope", tags: { environment: "prod" } }],
    resources: [account("stodoolegacyexports", "TLS1_0", "203.0.113.7"), account("stodoofiles", "TLS1_2", "198.51.100.20")],
  };
}

const POLICIES = `version: 1
policies:
  - name: storage-old-tls
    resource: storage-account
    when:
      - { value: properties.minimumTlsVersion, equals: TLS1_0 }
    action: notify
  - name: storage-open-to-partner
    resource: storage-account
    when:
      - { value: properties.networkAcls.ipRules.0.value, equals: 203.0.113.7 }
    action: notify
`;

describe("a value filter on a property no descriptor projects", () => {
  const registry = builtinRegistry();
  let emulator: Emulator;
  let target: AzureTarget;
  let set: PolicySet;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: estate(), subscriptionId: SUB, clock: new VirtualClock(NOW) });
    target = emulatorTarget(emulator, SUB);
    set = parsePolicyText(POLICIES, "storage.yaml", registry);
  });
  afterAll(async () => emulator.close());

  it("reads as not set in an inventory of the descriptors' paths alone (what every policy saw before it declared its paths)", async () => {
    const inventory = await gatherInventory(target);
    const legacy = inventory.resources.find((resource) => resource.name === "stodoolegacyexports");
    expect(legacy?.properties).toEqual({ accessTier: "Hot" });
  });

  it("finds the planted value through Resource Graph when a policy reads it, on the one account that has it", async () => {
    const { evaluation, inventory } = await plan(target, set, NOW, registry);
    const found = (policy: string) =>
      evaluation.findings
        .filter((finding) => finding.policy === policy)
        .map((finding) => [finding.resourceName, finding.reason.split(";")[0]]);
    expect(found("storage-old-tls")).toEqual([["stodoolegacyexports", "properties.minimumTlsVersion = TLS1_0"]]);
    expect(found("storage-open-to-partner")).toEqual([["stodoolegacyexports", "properties.networkAcls.ipRules.0.value = 203.0.113.7"]]);
    // The list is projected whole (up to the index), the account's other settings are not.
    expect(inventory.resources.find((resource) => resource.name === "stodoofiles")?.properties).toEqual({
      accessTier: "Hot",
      minimumTlsVersion: "TLS1_2",
      networkAcls: { ipRules: [{ value: "198.51.100.20", action: "Allow" }] },
    });
  });

  it("finds the same value through readResource, and the policies decide on the fresh read as on the inventory", async () => {
    const fresh = await readResource(target, storageId("stodoolegacyexports"));
    expect(fresh?.properties).toMatchObject({ minimumTlsVersion: "TLS1_0", networkAcls: { ipRules: [{ value: "203.0.113.7" }] } });
    const other = await readResource(target, storageId("stodoofiles"));
    const inventory = { subscriptionId: SUB, resources: [fresh, other].filter((resource) => resource !== undefined), resourceGroups: {} };
    const findings = evaluate(set, inventory, { metrics: {}, backup: {}, vaults: [] }, NOW, registry).findings;
    expect(findings.map((finding) => [finding.policy, finding.resourceName]).sort()).toEqual([
      ["storage-old-tls", "stodoolegacyexports"],
      ["storage-open-to-partner", "stodoolegacyexports"],
    ]);
  });
});

describe("re-reading a resource of each described type", () => {
  const sample = sampleEstate();
  let emulator: Emulator;
  let target: AzureTarget;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: sample.estate, subscriptionId: sample.subscriptionId, clock: new VirtualClock(sample.now) });
    target = emulatorTarget(emulator, sample.subscriptionId);
  });
  afterAll(async () => emulator.close());

  it("asks ARM at the descriptor's api-version, and reads back the resource the inventory listed, as its kind", async () => {
    const inventory = await gatherInventory(target);
    for (const type of RESOURCE_TYPES) {
      // Groups are the inventory's ResourceContainers rows, as a resource-group policy takes them.
      const listed =
        type.kind === "resource-group"
          ? Object.values(inventory.resourceGroups).map((group) => resourceGroupAsResource(group, sample.subscriptionId))[0]
          : inventory.resources.find((resource) => resource.kind === type.kind);
      expect(listed, type.kind).toBeDefined();
      if (!listed) continue;
      const urls: string[] = [];
      const log: PipelinePolicy = {
        name: "urls",
        sendRequest: (request, next) => {
          urls.push(request.url);
          return next(request);
        },
      };
      const fresh = await readResource(target, listed.id, { policies: [log] });
      // A scale set's power state is only in its instance view: its re-read is the GET and that view, and Resource Graph has none.
      const scaleSet = type.kind === "vm-scale-set";
      const paths = scaleSet ? [listed.id.toLowerCase(), `${listed.id.toLowerCase()}/instanceview`] : [listed.id.toLowerCase()];
      expect(
        urls.map((url) => new URL(url).searchParams.get("api-version")),
        type.kind,
      ).toEqual(paths.map(() => type.reread.apiVersion));
      expect(
        urls.map((url) => new URL(url).pathname.toLowerCase()),
        type.kind,
      ).toEqual(paths);
      expect({ id: fresh?.id.toLowerCase(), kind: fresh?.kind, sku: fresh?.sku, powerState: fresh?.powerState }, type.kind).toEqual({
        id: listed.id.toLowerCase(),
        kind: type.kind,
        sku: listed.sku,
        powerState: scaleSet ? "running" : listed.powerState,
      });
      if (scaleSet) expect(listed.powerState, type.kind).toBeUndefined();
    }
  });
});
