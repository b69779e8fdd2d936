/** The sample estate and its generator: realistic, consistent, and what the other tests rely on. */
import { describe, expect, it } from "vitest";
import { EmulatorCore } from "../../emulator/core.ts";
import { generateEstate } from "../../emulator/estate/generate.ts";
import { estateResourceId, loadEstate } from "../../emulator/estate/load.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
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
