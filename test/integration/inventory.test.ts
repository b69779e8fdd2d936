/**
 * Inventory and facts through the real SDK clients against the emulator: Resource Graph pages,
 * batch metrics grouped by region and namespace, backup coverage from the vaults, and the same
 * answers when a tenth of the requests are throttled.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { generateEstate } from "../../emulator/estate/generate.ts";
import { type EstateDefinition, type EstateResource, estateResourceId } from "../../emulator/estate/load.ts";
import { type SampleEstate, sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { createRequestCounter, type FactRequestsByKind, gatherFacts, gatherInventory } from "../../shared/inventory/gather.ts";
import { aggregatePoints, metricFact } from "../../shared/inventory/metrics.ts";
import { type Inventory, type InventoryResource, kindOfArmType, metricKey, type ResourceKind } from "../../shared/policy/types.ts";

const HOUR_MS = 3_600_000;
const CPU_72H = { type: "metric", metric: "Percentage CPU", aggregation: "average", windowMs: 72 * HOUR_MS } as const;
const CPU_P95_7D = { type: "metric", metric: "Percentage CPU", aggregation: "p95-of-max", windowMs: 7 * 24 * HOUR_MS } as const;
const SWEEP: FactRequestsByKind = { "virtual-machine": [CPU_72H, CPU_P95_7D, { type: "backup" }] };

/** The resources of an estate that Resource Graph lists: top-level, in a resource group. */
function listedResources(estate: EstateDefinition): EstateResource[] {
  return estate.resources.filter((entry) => entry.resourceGroup !== undefined && entry.type.split("/").length === 2);
}

const idOf = (subscriptionId: string, entry: EstateResource): string =>
  estateResourceId(subscriptionId, entry.resourceGroup, entry.type, entry.name).toLowerCase();

function byId(inventory: Inventory): Map<string, InventoryResource> {
  return new Map(inventory.resources.map((resource) => [resource.id.toLowerCase(), resource]));
}

/** Records the resource ids of every batch metrics call the gatherer makes. */
function batchRecorder(): { policy: PipelinePolicy; batches: Array<{ namespace: string; ids: string[] }> } {
  const batches: Array<{ namespace: string; ids: string[] }> = [];
  return {
    batches,
    policy: {
      name: "testBatchRecorder",
      sendRequest: (request, next) => {
        if (request.url.includes("metrics:getBatch") && typeof request.body === "string") {
          const { resourceids } = JSON.parse(request.body) as { resourceids: string[] };
          batches.push({ namespace: new URL(request.url).searchParams.get("metricnamespace") ?? "", ids: resourceids });
        }
        return next(request);
      },
    },
  };
}

async function start(
  estate: SampleEstate,
  options: { resourceGraphQuota?: false } = {},
): Promise<{ emulator: Emulator; target: AzureTarget }> {
  const emulator = await startEmulator({
    estate: estate.estate,
    subscriptionId: estate.subscriptionId,
    clock: new VirtualClock(estate.now),
    ...options,
  });
  return { emulator, target: emulatorTarget(emulator, estate.subscriptionId) };
}

describe("the sample estate", () => {
  const sample = sampleEstate();
  let emulator: Emulator;
  let target: AzureTarget;
  let inventory: Inventory;
  let inventoryRequests: number;

  beforeAll(async () => {
    ({ emulator, target } = await start(sample));
    const counter = createRequestCounter();
    inventory = await gatherInventory(target, { requestCounter: counter });
    inventoryRequests = counter.requests;
  });
  afterAll(async () => emulator.close());

  describe("inventory through Resource Graph", () => {
    it("finds every resource of each family once, with its tags, sku, power state and creation time", () => {
      const found = byId(inventory);
      const expected = listedResources(sample.estate);
      expect(inventory.resources).toHaveLength(expected.length);
      const kinds = new Set<ResourceKind | undefined>();
      for (const entry of expected) {
        const resource = found.get(idOf(sample.subscriptionId, entry));
        expect(resource, entry.name).toBeDefined();
        if (!resource) continue;
        const body = entry.body as {
          tags?: Record<string, string>;
          sku?: { name: string };
          properties?: { hardwareProfile?: { vmSize: string }; timeCreated?: string; agentPoolProfiles?: Array<{ vmSize: string }> };
        };
        kinds.add(resource.kind);
        expect(resource.kind).toBe(kindOfArmType(entry.type));
        expect(resource.tags).toEqual(body.tags ?? {});
        expect(resource.resourceGroup).toBe(entry.resourceGroup?.toLowerCase());
        switch (resource.kind) {
          case "virtual-machine":
            expect(resource.sku).toBe(body.properties?.hardwareProfile?.vmSize);
            expect(resource.powerState).toBe(entry.sim?.powerState ?? "running");
            expect(resource.createdAt).toBe(body.properties?.timeCreated);
            break;
          case "disk":
          case "snapshot":
            expect(resource.sku).toBe(body.sku?.name);
            expect(resource.createdAt).toBe(body.properties?.timeCreated);
            break;
          case "aks-cluster":
            expect(resource.sku).toBe(body.properties?.agentPoolProfiles?.[0]?.vmSize);
            expect(resource.powerState).toBe("running");
            break;
          case "postgresql-server":
            expect(resource.sku).toBe(body.sku?.name);
            expect(resource.powerState).toBe("running");
            break;
          case "vm-scale-set":
            // Its instances' size; its power state is only in its instance view, read as a fact when a policy needs it.
            expect(resource.sku).toBe(body.sku?.name);
            expect(resource.powerState).toBeUndefined();
            expect(resource.createdAt).toBe(body.properties?.timeCreated);
            break;
        }
      }
      expect(kinds).toEqual(
        new Set([
          "virtual-machine",
          "disk",
          "snapshot",
          "aks-cluster",
          "postgresql-server",
          "storage-account",
          "redis-cache",
          "vm-scale-set",
          "public-ip",
          "network-interface",
          "load-balancer",
          "network-security-group",
          "app-service-plan",
          "key-vault",
          undefined,
        ]),
      );
    });

    it("keeps the properties policies read: a snapshot's source disk, a server's backup settings, an attached disk's VM", () => {
      const found = byId(inventory);
      const snapshot = inventory.resources.find((resource) => resource.name === "snap-odoo-dev-legacy-db");
      expect(snapshot?.properties).toMatchObject({
        creationData: { sourceResourceId: expect.stringContaining("vm-odoo-dev-legacy_OsDisk_1") as string },
        incremental: true,
      });
      const staging = inventory.resources.find((resource) => resource.name === "psql-odoo-staging");
      expect(staging?.properties).toMatchObject({ backup: { backupRetentionDays: 7, geoRedundantBackup: "Disabled" } });
      const osDisk = inventory.resources.find((resource) => resource.name === "vm-odoo-dev-01_OsDisk_1");
      expect(found.get(osDisk?.managedBy?.toLowerCase() ?? "")?.name).toBe("vm-odoo-dev-01");
    });

    it("reads the resource groups with their tags, in one query of ResourceContainers besides the one of Resources", () => {
      expect(Object.keys(inventory.resourceGroups).sort()).toEqual(
        sample.estate.resourceGroups.map((group) => group.name.toLowerCase()).sort(),
      );
      for (const group of sample.estate.resourceGroups) {
        expect(inventory.resourceGroups[group.name.toLowerCase()]).toMatchObject({
          name: group.name,
          location: group.location,
          tags: group.tags,
        });
      }
      expect(inventoryRequests).toBe(2);
    });
  });

  describe("metric facts through the batch API", () => {
    let facts: Awaited<ReturnType<typeof gatherFacts>>;
    const recorder = batchRecorder();
    let mark: number;

    beforeAll(async () => {
      mark = emulator.core.log.mark;
      facts = await gatherFacts(target, inventory, SWEEP, emulator.core.clock.now(), { pipelinePolicies: [recorder.policy] });
    });

    const cpu = (name: string, request: typeof CPU_72H | typeof CPU_P95_7D = CPU_72H) => {
      const resource = inventory.resources.find((candidate) => candidate.name === name);
      return facts.metrics[resource?.id.toLowerCase() ?? ""]?.[metricKey(request)];
    };

    it("gives the planted idle VMs a 72-hour CPU average under 5 % from every hour of the window, and a busy VM more", () => {
      const idle = sample.plantedViolations.filter((violation) => violation.kind === "idle-vm");
      expect(idle.length).toBeGreaterThan(2);
      for (const violation of idle) {
        const fact = facts.metrics[violation.resourceId.toLowerCase()]?.[metricKey(CPU_72H)];
        expect(fact?.value, violation.resourceId).toBeLessThan(5);
        expect(fact).toMatchObject({ points: 72, expectedPoints: 72 });
      }
      expect(cpu("vm-odoo-dev-03")?.value).toBeGreaterThan(5);
    });

    it("reads Advisor's 95th percentile of hourly maxima over 7 days: under 3 % for an idle VM, above for a business-hours one", () => {
      expect(cpu("vm-odoo-dev-01", CPU_P95_7D)).toMatchObject({ points: 168, expectedPoints: 168 });
      expect(cpu("vm-odoo-dev-01", CPU_P95_7D)?.value).toBeLessThan(3);
      expect(cpu("vm-odoo-dev-03", CPU_P95_7D)?.value).toBeGreaterThan(3);
    });

    it("records no value for a deallocated VM, and never asks Azure about it", () => {
      for (const name of ["vm-odoo-dev-04", "vm-odoo-dr-app-01"]) {
        expect(cpu(name)).toEqual({ value: null, points: 0, expectedPoints: 72 });
        const id = inventory.resources.find((resource) => resource.name === name)?.id;
        expect(recorder.batches.flatMap((batch) => batch.ids)).not.toContain(id);
      }
    });

    it("asks once per region for the running VMs, whatever the number of metrics and windows", () => {
      const calls = emulator.core.log.entries({ route: "metrics.batch", since: mark });
      // West Europe and East US have running VMs; North Europe has only the deallocated DR VM.
      expect(calls).toHaveLength(2);
      expect(calls.every((call) => call.status === 200)).toBe(true);
      const running = inventory.resources.filter((resource) => resource.kind === "virtual-machine" && resource.powerState === "running");
      expect(recorder.batches.flatMap((batch) => batch.ids).sort()).toEqual(running.map((resource) => resource.id).sort());
    });

    it("waits out a throttled batch in the client's pipeline and reads the same facts from the retry", async () => {
      emulator.core.faults.add({ route: "metrics.batch", rate429: 1, maxFaults: 1, retryAfterSeconds: 1 });
      const since = emulator.core.log.mark;
      try {
        const retried = await gatherFacts(target, inventory, SWEEP, emulator.core.clock.now());
        expect(emulator.core.log.entries({ route: "metrics.batch", since }).map((call) => call.status)).toEqual([429, 200, 200]);
        expect(retried.metrics).toEqual(facts.metrics);
      } finally {
        emulator.core.faults.clear();
      }
    });
  });

  describe("backup facts from the Recovery Services vaults", () => {
    let facts: Awaited<ReturnType<typeof gatherFacts>>;

    beforeAll(async () => {
      facts = await gatherFacts(target, inventory, { "virtual-machine": [{ type: "backup" }] }, emulator.core.clock.now());
    });

    it("finds the planted unprotected production VMs unprotected (the batch worker's item soft-deleted), and every other production VM protected by a vault in its region", () => {
      const unprotected = new Set(
        sample.plantedViolations
          .filter((violation) => violation.kind === "unprotected-prod-vm")
          .map((violation) => violation.resourceId.toLowerCase()),
      );
      expect(unprotected.size).toBe(2);
      const vaultRegion = new Map(facts.vaults.map((vault) => [vault.id, vault.location]));
      const productionVms = inventory.resources.filter(
        (resource) => resource.kind === "virtual-machine" && resource.tags.environment === "prod",
      );
      expect(productionVms.length).toBeGreaterThan(unprotected.size);
      for (const vm of productionVms) {
        const fact = facts.backup[vm.id.toLowerCase()];
        if (vm.name === "vm-odoo-prod-worker-01") {
          // Planted soft-deleted three days before the sample's now: purged 14 days after its deletion.
          expect(fact, vm.name).toMatchObject({
            protected: false,
            softDeleted: { deletedAt: "2026-11-20T19:30:00.000Z", purgeAt: "2026-12-04T19:30:00.000Z" },
          });
          expect(fact?.policyId, vm.name).toBeUndefined();
        } else if (unprotected.has(vm.id.toLowerCase())) {
          expect(fact, vm.name).toEqual({ protected: false });
        } else {
          expect(fact?.protected, vm.name).toBe(true);
          expect(vaultRegion.get(fact?.vaultId ?? ""), vm.name).toBe(vm.location);
          expect(fact?.policyId, vm.name).toMatch(/\/backupPolicies\/policy-gold$/);
        }
      }
      const everyVm = inventory.resources
        .filter((resource) => resource.kind === "virtual-machine")
        .map((resource) => resource.id.toLowerCase());
      expect(Object.keys(facts.backup).sort()).toEqual(everyVm.sort());
    });

    it("lists a vault per region with its VM backup policies, for enrolment", () => {
      const byRegion = Object.fromEntries(facts.vaults.map((vault) => [vault.location, vault]));
      expect(Object.keys(byRegion).sort()).toEqual(["northeurope", "westeurope"]);
      expect(byRegion.westeurope?.name).toBe("rsv-odoo-westeurope");
      expect(byRegion.westeurope?.policies.map((id) => id.split("/").at(-1))).toEqual(
        expect.arrayContaining(["policy-gold", "policy-silver"]),
      );
      expect(byRegion.northeurope?.policies.map((id) => id.split("/").at(-1))).toContain("policy-gold");
    });
  });
});

describe("a generated estate of 3,000 resources", () => {
  const generated = generateEstate({ resources: 3000 });
  let emulator: Emulator;
  let target: AzureTarget;
  let inventory: Inventory;
  let mark: number;

  beforeAll(async () => {
    ({ emulator, target } = await start(generated));
    inventory = await gatherInventory(target);
    mark = emulator.core.log.mark;
  });
  afterAll(async () => emulator.close());

  it("pages through more than 1,000 rows and finds every resource exactly once", () => {
    const expected = listedResources(generated.estate).map((entry) => idOf(generated.subscriptionId, entry));
    expect(expected.length).toBeGreaterThan(2 * 1000);
    expect(inventory.resources.map((resource) => resource.id.toLowerCase()).sort()).toEqual(expected.sort());
    const pages = emulator.core.log.entries({ route: "resourceGraph.resources" });
    // Pages of the resources query, and the resource groups' one.
    expect(pages).toHaveLength(Math.ceil(expected.length / 1000) + 1);
  });

  it("reads CPU in batches of at most 50 running VMs of one region and namespace, as few as the limits allow", async () => {
    const recorder = batchRecorder();
    const facts = await gatherFacts(target, inventory, { "virtual-machine": [CPU_72H] }, emulator.core.clock.now(), {
      pipelinePolicies: [recorder.policy],
    });

    const locationOf = new Map(inventory.resources.map((resource) => [resource.id, resource.location]));
    for (const batch of recorder.batches) {
      expect(batch.ids.length).toBeLessThanOrEqual(50);
      expect(new Set(batch.ids.map((id) => locationOf.get(id))).size).toBe(1);
      expect(batch.namespace).toBe("Microsoft.Compute/virtualMachines");
    }
    const runningByRegion = new Map<string, number>();
    for (const resource of inventory.resources) {
      if (resource.kind === "virtual-machine" && resource.powerState === "running") {
        runningByRegion.set(resource.location, (runningByRegion.get(resource.location) ?? 0) + 1);
      }
    }
    const fewest = [...runningByRegion.values()].reduce((sum, count) => sum + Math.ceil(count / 50), 0);
    const calls = emulator.core.log.entries({ route: "metrics.batch", since: mark });
    expect(calls).toHaveLength(fewest);
    expect(calls.every((call) => call.status === 200)).toBe(true);
    const vms = inventory.resources.filter((resource) => resource.kind === "virtual-machine");
    expect(Object.keys(facts.metrics)).toHaveLength(vms.length);
  });
});

describe("with a tenth of the requests answered 429", () => {
  const generated = generateEstate({ resources: 3000 });
  let emulator: Emulator;
  let target: AzureTarget;

  beforeAll(async () => {
    ({ emulator, target } = await start(generated, { resourceGraphQuota: false }));
  });
  afterAll(async () => emulator.close());

  it("comes back with the same inventory and facts, the SDK waiting out each Retry-After", async () => {
    const now = emulator.core.clock.now();
    const calm = await gatherInventory(target);
    const calmFacts = await gatherFacts(target, calm, SWEEP, now);

    emulator.core.faults.add({ rate429: 0.1, retryAfterSeconds: 1 });
    const mark = emulator.core.log.mark;
    const throttled = await gatherInventory(target);
    const throttledFacts = await gatherFacts(target, throttled, SWEEP, now);

    expect(emulator.core.log.entries({ since: mark }).filter((entry) => entry.fault === "fault:429").length).toBeGreaterThan(0);
    expect(throttled).toEqual(calm);
    expect(throttledFacts).toEqual(calmFacts);
  });
});

describe("metric facts from hourly points", () => {
  const hours = (values: Array<number | undefined>, field: "average" | "maximum", startMs = 0) =>
    values.map((value, index) => ({ timeStamp: new Date(startMs + index * HOUR_MS), ...(value === undefined ? {} : { [field]: value }) }));

  it("averages only the hours with data, and counts them against the hours of the window", () => {
    const values = aggregatePoints(hours([2, undefined, 4, undefined], "average"), "average", { startMs: 0, endMs: 4 * HOUR_MS }, HOUR_MS);
    expect(metricFact(values, "average", 4 * HOUR_MS)).toEqual({ value: 3, points: 2, expectedPoints: 4 });
  });

  it("takes the 95th percentile of hourly maxima by nearest rank, so one busy hour in twenty does not count", () => {
    const maxima = [...Array.from({ length: 19 }, () => 1), 90];
    expect(
      metricFact(
        aggregatePoints(hours(maxima, "maximum"), "p95-of-max", { startMs: 0, endMs: 20 * HOUR_MS }, HOUR_MS),
        "p95-of-max",
        20 * HOUR_MS,
      ).value,
    ).toBe(1);
    const twoBusy = [...Array.from({ length: 18 }, () => 1), 80, 90];
    expect(
      metricFact(
        aggregatePoints(hours(twoBusy, "maximum"), "p95-of-max", { startMs: 0, endMs: 20 * HOUR_MS }, HOUR_MS),
        "p95-of-max",
        20 * HOUR_MS,
      ).value,
    ).toBe(80);
  });

  it("leaves out the hours before a shorter window, and has no value without data", () => {
    const values = aggregatePoints(hours([50, 50, 1, 1], "maximum"), "maximum", { startMs: 2 * HOUR_MS, endMs: 4 * HOUR_MS }, HOUR_MS);
    expect(metricFact(values, "maximum", 2 * HOUR_MS)).toEqual({ value: 1, points: 2, expectedPoints: 2 });
    expect(metricFact([], "total", 6 * HOUR_MS)).toEqual({ value: null, points: 0, expectedPoints: 6 });
  });
});
