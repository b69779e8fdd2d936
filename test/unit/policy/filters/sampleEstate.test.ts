/**
 * The built-in filters find the drift planted in the sample estate, with the conditions of the
 * built-in pack, and nothing else: every match is either planted or named here with its reason.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { builtinFilters } from "../../../../shared/policy/filters/index.ts";
import type { ViolationKind } from "../../../../emulator/estate/sample.ts";
import type { ConditionResult, InventoryResource, ResourceKind } from "../../../../shared/policy/types.ts";
import { condition, sampleInventory } from "../support.ts";

const { sample, inventory, ctx } = sampleInventory();

/** A condition in YAML: one filter, or `not:` one filter, as the pack writes them. */
function holds(yaml: string, subject: InventoryResource): ConditionResult["outcome"] {
  const negated = yaml.startsWith("not:");
  const text = negated ? yaml.slice(4) : yaml;
  const raw = parseYaml(text) as Record<string, unknown>;
  const filter = builtinFilters.find((candidate) => candidate.key in raw);
  if (!filter) throw new Error(`no filter for ${text}`);
  const outcome = filter.evaluate(subject, condition(filter, text), ctx).outcome;
  if (!negated) return outcome;
  return outcome === "match" ? "no-match" : outcome === "no-match" ? "match" : outcome;
}

/** Names of the resources of a kind that match every condition. */
function matching(kind: ResourceKind, conditions: string[]): string[] {
  return inventory.resources
    .filter((subject) => kind === "any" || subject.kind === kind)
    .filter((subject) => conditions.every((yaml) => holds(yaml, subject) === "match"))
    .map((subject) => subject.name)
    .sort();
}

function planted(kind: ViolationKind): string[] {
  return sample.plantedViolations
    .filter((violation) => violation.kind === kind)
    .map((violation) => violation.resourceId.split("/").at(-1) as string)
    .sort();
}

const NON_PROD = "{ environment: [dev, test, training, staging] }";

describe("the built-in filters on the sample estate", () => {
  it("find the idle non-production VMs, never the deallocated one (no CPU data is not idleness)", () => {
    const idle = matching("virtual-machine", [
      NON_PROD,
      "{ power-state: running }",
      "{ metric: Percentage CPU, aggregation: average, over: 72h, below: 5 }",
    ]);
    // vm-odoo-test-loadgen is idle too: the exemption guard keeps it, not the filters.
    expect(idle).toEqual([...planted("idle-vm"), "vm-odoo-test-loadgen"].sort());
    expect(idle).not.toContain("vm-odoo-dev-04");
  });

  it("find the snapshots past retention, never the kept one nor the newest of a live disk", () => {
    const old = matching("snapshot", [
      NON_PROD,
      "{ age: { olderThan: 90d, from: created } }",
      'not: { tag: keep, equals: "true" }',
      "{ last-snapshot-of-disk: false }",
    ]);
    expect(old).toEqual(planted("old-snapshot"));
  });

  it("find the production VMs that Azure Backup does not protect", () => {
    expect(matching("virtual-machine", ["{ environment: [prod] }", "{ backup: unprotected }"])).toEqual(planted("unprotected-prod-vm"));
  });

  it("find the resources missing a required tag (and the OS disks and NICs their VMs were created with)", () => {
    const required = ["owner", "environment", "cost-center", "application"];
    const missing = inventory.resources
      .filter((subject) => required.some((name) => holds(`{ tag: ${name}, present: false }`, subject) === "match"))
      .map((subject) => subject.name)
      .sort();
    expect(missing).toEqual(
      [
        ...planted("missing-tags"),
        "vm-migration-temp-01_OsDisk_1",
        "vm-migration-temp-01-nic",
        "vm-odoo-test-02_OsDisk_1",
        "vm-odoo-test-02-nic",
      ].sort(),
    );
  });

  it("find the VM in a region nobody allowed (with its OS disk, NIC and VNet) and the size nobody allowed", () => {
    expect(matching("any", ["{ location: { notIn: [westeurope, northeurope] } }"])).toEqual(
      [...planted("disallowed-region"), "vm-odoo-test-eastus-m64_OsDisk_1", "vm-odoo-test-eastus-m64-nic", "vnet-odoo-test-eastus"].sort(),
    );
    const sizes =
      "[Standard_B2ms, Standard_B4ms, Standard_D2s_v5, Standard_D4s_v5, Standard_D8s_v5, Standard_D16s_v5, Standard_E4s_v5, Standard_E8s_v5]";
    expect(matching("virtual-machine", [`{ sku: { notIn: ${sizes} } }`])).toEqual(planted("disallowed-size"));
  });

  it("find the expired migration VM (and its OS disk and NIC, which carry the same tags)", () => {
    expect(matching("any", ["{ expired: { tag: expires-on } }"])).toEqual(
      [...planted("expired-resource"), "vm-migration-temp-01_OsDisk_1", "vm-migration-temp-01-nic"].sort(),
    );
  });

  it("find the PostgreSQL servers keeping backups fewer than 14 days or without geo-redundant backup", () => {
    const shortRetention = matching("postgresql-server", ["{ value: properties.backup.backupRetentionDays, below: 14 }"]);
    const noGeoBackup = matching("postgresql-server", ["{ value: properties.backup.geoRedundantBackup, equals: Disabled }"]);
    expect(shortRetention).toEqual(["psql-odoo-dev", "psql-odoo-staging", "psql-odoo-test-ha"]);
    expect([...new Set([...shortRetention, ...noGeoBackup])].sort()).toEqual(planted("postgres-backup"));
  });

  it("find the unattached scratch disk, the one detached 40 days ago and the kept archive, and nothing the VMs use", () => {
    expect(matching("disk", ["{ disk-attached: false }"])).toEqual([
      "disk-odoo-dev-02-data-old",
      "disk-odoo-dev-scratch",
      "disk-odoo-test-archive",
    ]);
  });
});
