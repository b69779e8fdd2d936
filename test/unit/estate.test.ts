/** The sample estate and its generator: realistic, consistent, and what the other tests rely on. */
import { describe, expect, it } from "vitest";
import { EmulatorCore } from "../../emulator/core.ts";
import { generateEstate } from "../../emulator/estate/generate.ts";
import { estateResourceId, loadEstate } from "../../emulator/estate/load.ts";
import { sampleEstate, sampleEstates, type SampleEstates, subscriptionIdAt } from "../../emulator/estate/sample.ts";
import { allResourceTypes } from "../../emulator/routes/index.ts";

function loaded(estate: ReturnType<typeof sampleEstate>): EmulatorCore {
  const core = new EmulatorCore({ subscriptionId: estate.subscriptionId });
  for (const handler of allResourceTypes()) core.registerType(handler);
  loadEstate(core, estate.estate);
  return core;
}

describe("sample estate", () => {
  const sample = sampleEstate();
  const core = loaded(sample);

  it("covers every environment of an Odoo distributor, each in its own resource group", () => {
    const environments = new Set(sample.estate.resourceGroups.map((group) => group.tags?.environment));
    expect([...environments]).toEqual(expect.arrayContaining(["prod", "staging", "dev", "test", "training", "dr"]));
    const types = new Set(core.store.list().map((resource) => resource.arm.type));
    expect([...types]).toEqual(
      expect.arrayContaining([
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/disks",
        "Microsoft.Compute/snapshots",
        "Microsoft.ContainerService/managedClusters",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.Cache/redis",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.RecoveryServices/vaults",
        "Microsoft.Consumption/budgets",
      ]),
    );
  });

  it("plants every kind of drift on resources that exist", () => {
    const kinds = new Set(sample.plantedViolations.map((violation) => violation.kind));
    expect([...kinds].sort()).toEqual(
      [
        "disallowed-region",
        "disallowed-size",
        "expired-resource",
        "idle-vm",
        "missing-tags",
        "off-hours-aks",
        "off-hours-vm",
        "old-snapshot",
        "postgres-backup",
        "unprotected-prod-vm",
        "orphan-public-ip",
        "orphan-network-interface",
        "orphan-load-balancer",
        "orphan-network-security-group",
        "empty-app-service-plan",
        "empty-resource-group",
        "unattached-disk",
        "kept-premium-disk",
        "rightsize-vm",
        "off-hours-postgres",
        "postgres-cannot-stop",
        "off-hours-scale-set",
        "postgres-public-access",
        "postgres-tls",
        "postgres-no-ha",
        "storage-public-blob",
        "storage-tls",
        "storage-insecure-transfer",
        "redis-non-ssl-port",
        "missing-lock",
        "missing-diagnostics",
      ].sort(),
    );
    for (const violation of sample.plantedViolations) {
      const group = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(violation.resourceId);
      const found = group ? core.store.getGroup(group[1] as string, group[2] as string) : core.store.get(violation.resourceId);
      expect(found, violation.resourceId).toBeDefined();
    }
  });

  it("never plants a disruptive finding on an untouchable resource", () => {
    const untouchable = new Set(sample.untouchable.map((entry) => entry.resourceId.toLowerCase()));
    const disruptive = sample.plantedViolations.filter((violation) =>
      [
        "idle-vm",
        "old-snapshot",
        "off-hours-aks",
        "off-hours-vm",
        "expired-resource",
        "orphan-public-ip",
        "orphan-network-interface",
        "orphan-load-balancer",
        "orphan-network-security-group",
        "empty-app-service-plan",
        "empty-resource-group",
        "unattached-disk",
        "kept-premium-disk",
        "rightsize-vm",
        "off-hours-postgres",
        "off-hours-scale-set",
      ].includes(violation.kind),
    );
    for (const violation of disruptive) expect(untouchable.has(violation.resourceId.toLowerCase()), violation.resourceId).toBe(false);
    for (const entry of sample.untouchable) expect(core.store.get(entry.resourceId), entry.resourceId).toBeDefined();
  });

  it("attaches every VM's OS disk to its VM", () => {
    for (const vm of core.store.list({ type: "Microsoft.Compute/virtualMachines" })) {
      const osDisk = (vm.arm.properties?.storageProfile as { osDisk: { managedDisk: { id: string } } }).osDisk.managedDisk.id;
      expect(core.store.get(osDisk)?.arm.managedBy, vm.arm.name).toBe(vm.arm.id);
    }
  });

  it("gives every VM the NICs it names, each showing that VM, on a subnet of the VM's region", () => {
    for (const vm of core.store.list({ type: "Microsoft.Compute/virtualMachines" })) {
      const nics = (vm.arm.properties?.networkProfile as { networkInterfaces: Array<{ id: string }> }).networkInterfaces;
      expect(nics.length, vm.arm.name).toBeGreaterThan(0);
      for (const { id } of nics) {
        const nic = core.store.get(id);
        expect(nic, `${vm.arm.name}: ${id}`).toBeDefined();
        const shown = core.view(nic as NonNullable<typeof nic>);
        expect((shown.properties?.virtualMachine as { id: string }).id).toBe(vm.arm.id);
        expect(nic?.arm.location).toBe(vm.arm.location);
        const subnet = (shown.properties?.ipConfigurations as Array<{ properties: { subnet?: { id: string } } }>)[0]?.properties.subnet?.id;
        expect(core.store.get((subnet ?? "").replace(/\/subnets\/[^/]+$/, ""))?.arm.location, vm.arm.name).toBe(vm.arm.location);
      }
    }
  });

  it("loads the locks and diagnostic settings the baselines read", () => {
    const prodPg = sample.estate.resources.find((entry) => entry.name === "psql-odoo-prod");
    expect(prodPg).toBeDefined();
    const prodPgId = `/subscriptions/${sample.subscriptionId}/resourceGroups/rg-odoo-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod`;
    expect(core.locks.covering(prodPgId).map((lock) => lock.name)).toEqual(["lock-psql-odoo-prod"]);
    expect(core.diagnosticSettings.list(prodPgId).map((setting) => setting.name)).toEqual(["diag-psql-odoo-prod"]);
    const drVm = `/subscriptions/${sample.subscriptionId}/resourceGroups/rg-odoo-dr/providers/Microsoft.Compute/virtualMachines/vm-odoo-dr-app-01`;
    expect(core.locks.covering(drVm).map((lock) => lock.name)).toEqual(["lock-rg-odoo-dr"]);
  });

  it("builds ids for child and subscription-scope resources", () => {
    expect(estateResourceId("s", "rg", "Microsoft.ContainerService/managedClusters/agentPools", "aks/system")).toBe(
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/agentPools/system",
    );
    expect(estateResourceId("s", undefined, "Microsoft.Consumption/budgets", "b")).toBe(
      "/subscriptions/s/providers/Microsoft.Consumption/budgets/b",
    );
    expect(() => estateResourceId("s", "rg", "Microsoft.ContainerService/managedClusters/agentPools", "aks")).toThrow(/does not fit type/);
  });

  it("refuses an entry whose resource group the estate does not define, naming both", () => {
    const core = new EmulatorCore();
    expect(() =>
      loadEstate(core, {
        resourceGroups: [],
        resources: [
          { type: "Microsoft.Storage/storageAccounts", resourceGroup: "rg-missing", name: "st1", body: { location: "westeurope" } },
        ],
      }),
    ).toThrow(/st1 names resource group rg-missing/);
  });
});

describe("generated estates", () => {
  it("reach the requested size, deterministically for a seed", () => {
    const first = generateEstate({ resources: 10_000, seed: 3 });
    const second = generateEstate({ resources: 10_000, seed: 3 });
    expect(first.estate.resources.length).toBeGreaterThanOrEqual(10_000);
    expect(first.estate.resources.length).toBeLessThan(10_100);
    expect(second.estate).toEqual(first.estate);
    const core = loaded(first);
    expect(core.store.size).toBe(first.estate.resources.length);
  });

  it("keep the sample estate's planted drift and add more of the same kinds", () => {
    const generated = generateEstate({ resources: 2_000 });
    const untagged = generated.estate.resources.filter(
      (entry) => entry.type === "Microsoft.Compute/virtualMachines" && Object.keys((entry.body.tags as object) ?? {}).length === 0,
    );
    expect(untagged.length).toBeGreaterThan(10);
    expect(generated.plantedViolations).toEqual(sampleEstate().plantedViolations);
  });

  it("spread the breadth cases over the business units: orphans, oversized VMs, scale sets, AKS node pools, locks", () => {
    const generated = generateEstate({ resources: 2_000 });
    const count = (pattern: RegExp): number => generated.estate.resources.filter((entry) => pattern.test(entry.name)).length;
    expect({
      unusedIps: count(/^pip-bu\d+-unused$/) > 3,
      detachedNics: count(/^nic-bu\d+-detached$/) > 3,
      unusedBalancers: count(/^lb-bu\d+-unused$/) > 1,
      unusedNsgs: count(/^nsg-bu\d+-unused$/) > 1,
      emptyPlans: count(/^asp-bu\d+-empty$/) > 1,
      detachedDisks: count(/^disk-bu\d+-detached$/) > 1,
      scaleSets: count(/^vmss-bu\d+-/) > 1,
      aksNodePools: count(/^aks-system-\d+-vmss$/) > 1,
    }).toEqual({
      unusedIps: true,
      detachedNics: true,
      unusedBalancers: true,
      unusedNsgs: true,
      emptyPlans: true,
      detachedDisks: true,
      scaleSets: true,
      aksNodePools: true,
    });
    const oversized = generated.estate.resources.filter((entry) => entry.sim?.workload === "light");
    expect(oversized.length).toBeGreaterThan(3);
    expect(generated.estate.resourceGroups.some((group) => /-retired$/.test(group.name))).toBe(true);
    expect((generated.estate.locks ?? []).length).toBeGreaterThan(sampleEstate().estate.locks?.length ?? 0);
  });
});

/** A core serving every subscription of a spread estate, each seeded with its own. */
function loadedAll(spread: SampleEstates): EmulatorCore {
  const core = new EmulatorCore({
    subscriptionId: spread.subscriptionId,
    subscriptions: spread.subscriptions,
    managementGroups: spread.managementGroups,
  });
  for (const handler of allResourceTypes()) core.registerType(handler);
  loadEstate(core, spread.estate);
  for (const subscription of spread.subscriptions)
    loadEstate(core, subscription.estate ?? { resourceGroups: [], resources: [] }, subscription.subscriptionId);
  return core;
}

describe("estates spread over several subscriptions", () => {
  it("derive each subscription's id from the first's, stable and distinct", () => {
    const first = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
    expect([0, 1, 2].map((index) => subscriptionIdAt(first, index))).toEqual([
      first,
      "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f32",
      "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f33",
    ]);
    expect(subscriptionIdAt("00000000-0000-0000-0000-ffffffffffff", 1)).toBe("00000000-0000-0000-0000-000000000000");
  });

  it("generate with one subscription exactly the estate generated without the option, in mg-nordwind alone", () => {
    const plain = generateEstate({ resources: 2_000 });
    const one = generateEstate({ resources: 2_000, subscriptions: 1 });
    expect(one).toEqual(plain);
    expect(one.subscriptions).toEqual([]);
    expect(one.managementGroups).toEqual([{ name: "mg-nordwind", displayName: "Nordwind", subscriptions: [one.subscriptionId] }]);
  });

  it("generate over three subscriptions: the sample in the first, the business units taken in turn, each subscription with its own network", () => {
    const spread = generateEstate({ resources: 3_000, subscriptions: 3 });
    const estates = [
      spread.estate,
      ...spread.subscriptions.map((subscription) => subscription.estate ?? { resourceGroups: [], resources: [] }),
    ];
    const ids = [spread.subscriptionId, ...spread.subscriptions.map((subscription) => subscription.subscriptionId)];
    expect(ids).toEqual([0, 1, 2].map((index) => subscriptionIdAt(spread.subscriptionId, index)));
    expect(spread.managementGroups).toEqual([{ name: "mg-nordwind", displayName: "Nordwind", subscriptions: ids }]);

    const total = estates.reduce((sum, estate) => sum + estate.resources.length, 0);
    expect(total).toBeGreaterThanOrEqual(3_000);
    expect(total).toBeLessThan(3_100);
    const unitsOf = estates.map((estate) =>
      estate.resourceGroups.flatMap((group) => /^rg-bu(\d{4})-(?!retired)/.exec(group.name)?.[1] ?? []).map(Number),
    );
    unitsOf.forEach((units, index) =>
      expect(
        units.every((unit) => (unit - 1) % 3 === index),
        `subscription ${index}`,
      ).toBe(true),
    );
    const counts = unitsOf.map((units) => units.length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(counts.every((count) => count > 30)).toBe(true);

    const names = (estate: (typeof estates)[number]): string[] => estate.resources.map((entry) => entry.name);
    expect(names(estates[0] as (typeof estates)[number])).toContain("vm-odoo-prod-app-01");
    for (const [index, estate] of estates.entries()) {
      if (index > 0) expect(names(estate)).not.toContain("vm-odoo-prod-app-01");
      expect(names(estate).filter((name) => name.startsWith("vnet-bu-"))).toHaveLength(4);
      expect(names(estate)).toContain("law-bu-central");
      // Locks and diagnostic settings point at resources of their own subscription.
      const scopes = [
        ...(estate.locks ?? []).map((lock) => lock.scope),
        ...(estate.diagnosticSettings ?? []).map((setting) => setting.resourceId),
      ];
      expect(scopes.length).toBeGreaterThan(0);
      expect(scopes.filter((scope) => !scope.startsWith(`/subscriptions/${ids[index] as string}/`))).toEqual([]);
    }

    const core = loadedAll(spread);
    for (const [index, subscriptionId] of ids.entries()) {
      expect(core.store.list({ subscriptionId }).length, subscriptionId).toBe(estates[index]?.resources.length);
    }
  });

  it("sample three subscriptions: the sample estate in the first, a smaller subsidiary of its own in each other, every planted drift on a resource that exists", () => {
    const single = sampleEstate();
    const three = sampleEstates(3);
    expect(three.estate).toEqual(single.estate);
    expect(three.subscriptionId).toBe(single.subscriptionId);
    expect(sampleEstates(1).plantedViolations).toEqual(single.plantedViolations);
    expect(three.subscriptions.map((subscription) => subscription.displayName)).toEqual(["Nordwind Benelux", "Nordwind Alpine"]);

    const [second, third] = three.subscriptions.map((subscription) => subscription.estate?.resources ?? []);
    const namesOf = (resources: typeof second): Set<string> => new Set((resources ?? []).map((entry) => entry.name));
    expect((second ?? []).length).toBeLessThan(single.estate.resources.length / 3);
    expect([...namesOf(second)].filter((name) => namesOf(third).has(name) || namesOf(single.estate.resources).has(name))).toEqual([]);
    const types = (resources: typeof second): string[] => [...new Set((resources ?? []).map((entry) => entry.type))].sort();
    expect(types(second)).not.toEqual(types(third));

    const core = loadedAll(three);
    const otherIds = three.subscriptions.map((subscription) => subscription.subscriptionId);
    const theirs = three.plantedViolations.filter((violation) =>
      otherIds.some((id) => violation.resourceId.startsWith(`/subscriptions/${id}/`)),
    );
    expect(theirs.length).toBeGreaterThanOrEqual(4);
    for (const violation of three.plantedViolations) {
      const group = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(violation.resourceId);
      const found = group ? core.store.getGroup(group[1] as string, group[2] as string) : core.store.get(violation.resourceId);
      expect(found, violation.resourceId).toBeDefined();
    }
  });
});
