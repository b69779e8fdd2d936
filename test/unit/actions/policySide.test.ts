import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { deallocateAction } from "../../../shared/actions/deallocate.ts";
import { deleteAction } from "../../../shared/actions/delete.ts";
import { type DowngradeArgs, downgradeAction } from "../../../shared/actions/downgrade.ts";
import type { ExecutorContext } from "../../../shared/remediation/executor.ts";
import { enrollBackupAction, enrollmentTarget } from "../../../shared/actions/enrollBackup.ts";
import { POLICY_ACTIONS } from "../../../shared/actions/index.ts";
import { noticeTargets, notifyAction, recipients } from "../../../shared/actions/notify.ts";
import { restoreDrillAction } from "../../../shared/actions/restoreDrill.ts";
import {
  snapshotNameOf,
  snapshotTags,
  type SnapshotThenDeleteArgs,
  snapshotThenDeleteAction,
} from "../../../shared/actions/snapshotThenDelete.ts";
import { stopAction } from "../../../shared/actions/stop.ts";
import { plannedTags, tagAction } from "../../../shared/actions/tag.ts";
import { actionObjectSchema } from "../../../shared/policy/schema.ts";
import { actionArgs, context, resource, resourceId } from "../policy/support.ts";

const VAULTS = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults";

describe("built-in actions", () => {
  it.each(POLICY_ACTIONS.map((action) => [action.name, action] as const))(
    "%s: its example is valid and it names what it applies to",
    (_name, action) => {
      const example = parseYaml(action.example) as { action: unknown };
      const object = typeof example.action === "string" ? { type: example.action } : (example.action as Record<string, unknown>);
      const validate = new Ajv({ strict: false }).compile(actionObjectSchema(action.name, action.argsSchema));
      expect(validate(object)).toBe(true);
      const { type: _type, ...args } = object;
      expect(() => action.parse?.(args)).not.toThrow();
      expect(action.appliesTo.length).toBeGreaterThan(0);
    },
  );
});

describe("deallocate", () => {
  const ctx = context();

  it("1. saves a month of the VM size's hourly price, and shows the arithmetic", () => {
    const vm = resource({ name: "vm-odoo-dev-01", sku: "Standard_D4s_v5" });
    const args = actionArgs(deallocateAction, "{ type: deallocate }");
    expect(deallocateAction.savings?.(vm, args, ctx)).toBeCloseTo(0.212 * 730);
    expect(deallocateAction.describe?.(vm, args, ctx)).toBe(
      "deallocate vm-odoo-dev-01 (compute billing stops, disks kept): Standard_D4s_v5 at 0.212 EUR/h × 730 h = 154.76 EUR/month",
    );
  });

  it("2. counts only the hours the policy says the VM stops", () => {
    const vm = resource({ sku: "Standard_D4s_v5" });
    expect(deallocateAction.savings?.(vm, actionArgs(deallocateAction, "{ type: deallocate, hoursPerMonth: 400 }"), ctx)).toBeCloseTo(
      0.212 * 400,
    );
  });

  it("3. uses settings.prices before the bundled table", () => {
    const vm = resource({ sku: "Standard_D4s_v5" });
    expect(deallocateAction.savings?.(vm, {}, context({ settings: { prices: { Standard_D4s_v5: 0.1 } } }))).toBeCloseTo(73);
  });

  it("saves nothing for an unknown size, and says there is no price", () => {
    const vm = resource({ sku: "Standard_Z99" });
    expect(deallocateAction.savings?.(vm, {}, ctx)).toBe(0);
    expect(deallocateAction.describe?.(vm, {}, ctx)).toContain("no price for Standard_Z99 (add it to settings.prices)");
  });

  it("saves nothing on a VM already deallocated", () => {
    expect(deallocateAction.savings?.(resource({ powerState: "deallocated" }), {}, ctx)).toBe(0);
  });

  it("rejects an impossible number of hours", () => {
    expect(() => actionArgs(deallocateAction, "{ type: deallocate, hoursPerMonth: 1000 }")).toThrow("schema:");
  });
});

describe("stop (AKS)", () => {
  const ctx = context();

  it("1. saves every node of every pool at its size's price for a month", () => {
    const cluster = resource({
      kind: "aks-cluster",
      name: "aks-odoo-staging",
      properties: {
        agentPoolProfiles: [
          { name: "system", count: 2, vmSize: "Standard_D4s_v5" },
          { name: "workers", count: 3, vmSize: "Standard_D2s_v5" },
        ],
      },
    });
    expect(stopAction.savings?.(cluster, {}, ctx)).toBeCloseTo((2 * 0.212 + 3 * 0.106) * 730);
    expect(stopAction.describe?.(cluster, {}, ctx)).toBe(
      "stop aks-odoo-staging (5 nodes): 2 × Standard_D4s_v5 at 0.212 EUR/h × 730 h = 309.52 EUR/month; 3 × Standard_D2s_v5 at 0.106 EUR/h × 730 h = 232.14 EUR/month",
    );
  });

  it("saves nothing on a stopped cluster", () => {
    const stopped = resource({ kind: "aks-cluster", powerState: "stopped", properties: { powerState: { code: "Stopped" } } });
    expect(stopAction.savings?.(stopped, {}, ctx)).toBe(0);
  });
});

describe("delete", () => {
  const ctx = context();

  it("1. saves a snapshot's size at the snapshot price, as an upper bound when incremental", () => {
    const snapshot = resource({
      kind: "snapshot",
      name: "snap-old",
      sku: "Standard_LRS",
      properties: { diskSizeGB: 128, incremental: true },
    });
    expect(deleteAction.savings?.(snapshot, {}, ctx)).toBeCloseTo(6.4);
    expect(deleteAction.describe?.(snapshot, {}, ctx)).toBe(
      "delete snapshot snap-old: at most 128 GB Standard_LRS at 0.05 EUR/GB-month = 6.40 EUR/month (incremental: billed on the data it holds)",
    );
  });

  it("2. prices a managed disk by the tier that holds it", () => {
    const disk = resource({ kind: "disk", name: "disk-scratch", sku: "Premium_LRS", properties: { diskSizeGB: 100 } });
    expect(deleteAction.savings?.(disk, {}, ctx)).toBeCloseTo(128 * 0.14);
    expect(deleteAction.describe?.(disk, {}, ctx)).toContain("100 GB Premium_LRS (billed as the 128 GB tier)");
  });

  it("saves nothing when the size is not known", () => {
    expect(deleteAction.savings?.(resource({ kind: "snapshot", properties: { diskSizeGB: undefined } }), {}, ctx)).toBe(0);
  });

  const assessDelete = (subject: ReturnType<typeof resource>, inventory = context({ resources: [subject] })) =>
    deleteAction.executor?.assess({ resource: subject, args: {}, evaluation: inventory } as unknown as ExecutorContext<
      Record<string, never>
    >);

  it("3. saves what an orphan costs to keep: a static public IP, a plan's instances; nothing for a NIC, an NSG or a group", () => {
    const pip = resource({ kind: "public-ip", name: "pip-old" });
    expect(deleteAction.savings?.(pip, {}, ctx)).toBeCloseTo(3.65);
    expect(deleteAction.describe?.(pip, {}, ctx)).toBe("delete public IP pip-old: Standard static ≈ 3.65 EUR/month");
    expect(deleteAction.savings?.(resource({ kind: "app-service-plan", sku: "B1" }), {}, ctx)).toBeCloseTo(12.41);
    const nic = resource({ kind: "network-interface", name: "nic-old" });
    expect(deleteAction.savings?.(nic, {}, ctx)).toBe(0);
    expect(deleteAction.describe?.(nic, {}, ctx)).toBe("delete network interface nic-old: no charge: clutter");
    expect(assessDelete(pip)).toEqual({ status: "todo" });
  });

  it("4. refuses an orphan the fresh read shows in use, whatever the policy says", () => {
    const vm = resourceId("virtual-machine", "rg-odoo-dev", "vm-odoo-dev-01");
    const nic = resource({ kind: "network-interface", name: "vm-odoo-dev-01-nic", properties: { virtualMachine: { id: vm } } });
    expect(assessDelete(nic)).toEqual({
      status: "refused",
      reason: "network interface vm-odoo-dev-01-nic is in use: attached to VM vm-odoo-dev-01: never deleted",
    });
    const plan = resource({ kind: "app-service-plan", name: "asp-x", properties: { numberOfSites: undefined } });
    expect(assessDelete(plan)).toEqual({
      status: "refused",
      reason: "App Service plan asp-x: the number of apps on it (numberOfSites) is not known: never deleted",
    });
  });

  it("5. refuses a resource group that holds anything on the fresh read", () => {
    const group = resource({ kind: "resource-group", name: "rg-odoo-poc-2025" });
    const vm = resource({ name: "vm-new", resourceGroup: "rg-odoo-poc-2025" });
    expect(assessDelete(group, context({ resources: [group, vm] }))).toEqual({
      status: "refused",
      reason: "resource group rg-odoo-poc-2025 is in use: holds 1 resource (vm-new): never deleted",
    });
    expect(assessDelete(group)).toEqual({ status: "todo" });
  });

  it("joins a delete already under way", () => {
    const deleting = resource({ kind: "public-ip", name: "pip-going", properties: { provisioningState: "Deleting" } });
    expect(assessDelete(deleting)).toEqual({ status: "in-progress", reason: "pip-going is being deleted" });
  });
});

describe("downgrade", () => {
  const ctx = context();
  const premium = resource({ kind: "disk", name: "disk-archive", sku: "Premium_LRS", properties: { diskSizeGB: 512 } });
  const standard = actionArgs(downgradeAction, "{ type: downgrade }");
  const assess = (disk: typeof premium, args: DowngradeArgs) =>
    downgradeAction.executor?.assess({ resource: disk, args } as unknown as ExecutorContext<DowngradeArgs>);

  it("1. a Premium disk that must stay saves the price difference to Standard HDD, both prices named", () => {
    expect(standard).toEqual({ to: "Standard_LRS" });
    expect(downgradeAction.savings?.(premium, standard, ctx)).toBeCloseTo(512 * 0.14 - 512 * 0.044);
    expect(downgradeAction.describe?.(premium, standard, ctx)).toBe(
      "downgrade disk-archive to Standard_LRS: 512 GB Premium_LRS at 0.14 EUR/GB-month = 71.68 EUR/month, then 512 GB Standard_LRS at 0.044 EUR/GB-month = 22.53 EUR/month",
    );
    expect(assess(premium, standard)).toEqual({ status: "todo" });
  });

  it("2. a disk attached to a VM since the plan is refused, whatever the policy says", () => {
    const attached = { ...premium, managedBy: resourceId("virtual-machine", "rg-odoo-dev", "vm-odoo-dev-01") };
    expect(assess(attached, standard)).toEqual({
      status: "refused",
      reason: "disk disk-archive is attached to VM vm-odoo-dev-01: Governor changes the SKU of unattached disks only",
    });
  });

  it("3. a target that is not cheaper storage is refused by the schema", () => {
    expect(() => actionArgs(downgradeAction, "{ type: downgrade, to: Premium_LRS }")).toThrow(/schema/);
  });

  it("a disk already at the target is done and saves nothing", () => {
    const already = { ...premium, sku: "Standard_LRS" };
    expect(downgradeAction.savings?.(already, standard, ctx)).toBe(0);
    expect(downgradeAction.describe?.(already, standard, ctx)).toBe(
      "downgrade disk-archive to Standard_LRS: already Standard_LRS: nothing to save",
    );
    expect(assess(already, standard)).toEqual({ status: "done", reason: "disk-archive is already Standard_LRS" });
  });
});

describe("snapshot-then-delete", () => {
  const ctx = context();
  const disk = resource({
    kind: "disk",
    name: "disk-odoo-dev-02-data-old",
    sku: "Premium_LRS",
    tags: { environment: "dev", owner: "dev-team@nordwind.example", "Expires-On": "2026-01-01" },
    properties: { diskSizeGB: 256, diskState: "Unattached" },
  });
  const defaults = actionArgs(snapshotThenDeleteAction, "{ type: snapshot-then-delete }");
  const assess = (subject: typeof disk, args: SnapshotThenDeleteArgs = defaults) =>
    snapshotThenDeleteAction.executor?.assess({
      resource: subject,
      args,
      evaluation: ctx,
    } as unknown as ExecutorContext<SnapshotThenDeleteArgs>);

  it("1. an unattached Premium disk is snapshotted with an expiry 30 days on, and saves its storage less the snapshot's at most", () => {
    expect(defaults).toEqual({ expiresInDays: 30 });
    expect(snapshotThenDeleteAction.savings?.(disk, defaults, ctx)).toBeCloseTo(256 * 0.14 - 256 * 0.05);
    expect(snapshotThenDeleteAction.describe?.(disk, defaults, ctx)).toBe(
      "snapshot disk disk-odoo-dev-02-data-old as disk-odoo-dev-02-data-old-governor-snapshot (expires-on 2026-12-23), then delete the disk: " +
        "256 GB Premium_LRS at 0.14 EUR/GB-month = 35.84 EUR/month, less the snapshot's at most 256 GB Standard_LRS at 0.05 EUR/GB-month = 12.80 EUR/month " +
        "for 30 days (incremental: billed on the data it holds) = 23.04 EUR/month",
    );
    expect(assess(disk)).toEqual({ status: "todo" });
  });

  it("2. the snapshot carries the disk's tags, the disk's name and the expiry, which replaces a disk tag of the same name in any case", () => {
    expect(snapshotTags(disk, "2026-12-23", ctx.settings)).toEqual({
      environment: "dev",
      owner: "dev-team@nordwind.example",
      "expires-on": "2026-12-23",
      "governor-snapshot-of": "disk-odoo-dev-02-data-old",
    });
    expect(actionArgs(snapshotThenDeleteAction, "{ type: snapshot-then-delete, expiresInDays: 7 }")).toEqual({ expiresInDays: 7 });
    expect(() => actionArgs(snapshotThenDeleteAction, "{ type: snapshot-then-delete, expiresInDays: 0 }")).toThrow(/schema/);
  });

  it("3. a disk attached to a VM since the plan is refused, whatever the policy says", () => {
    const attached = { ...disk, managedBy: resourceId("virtual-machine", "rg-odoo-dev", "vm-odoo-dev-02") };
    expect(assess(attached)).toEqual({
      status: "refused",
      reason: "disk disk-odoo-dev-02-data-old is attached to VM vm-odoo-dev-02: never deleted",
    });
  });

  it("4. a disk being exported (ActiveSAS) is refused", () => {
    const exporting = { ...disk, properties: { ...disk.properties, diskState: "ActiveSAS" } };
    expect(assess(exporting)).toEqual({
      status: "refused",
      reason: "disk disk-odoo-dev-02-data-old is ActiveSAS: only an unattached disk is snapshotted and deleted",
    });
  });

  it("5. a disk whose tags and Governor's two would pass Azure's 50 is refused, not snapshotted without them", () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, index) => [`tag-${index}`, "x"]));
    expect(assess({ ...disk, tags })).toEqual({
      status: "refused",
      reason: "disk disk-odoo-dev-02-data-old has 49 tags: its snapshot could not carry them and Governor's two (Azure allows 50)",
    });
  });

  it("names the snapshot after the disk within Azure's 80 characters", () => {
    expect(snapshotNameOf("disk-a")).toBe("disk-a-governor-snapshot");
    const long = snapshotNameOf("d".repeat(80));
    expect(long).toHaveLength(80);
    expect(long.endsWith("-governor-snapshot")).toBe(true);
  });
});

describe("tag", () => {
  const groups = [{ name: "rg-odoo-test", tags: { owner: "qa@nordwind.example", environment: "test", "cost-center": "CC-2000" } }];

  it("1. inherits the tags the resource lacks from its resource group, and reports those the group lacks too", () => {
    const vm = resource({ resourceGroup: "rg-odoo-test", tags: { Environment: "test" } });
    const ctx = context({ resources: [vm], groups });
    const args = actionArgs(tagAction, "{ type: tag, inherit: [owner, environment, cost-center, application] }");
    expect(plannedTags(vm, args, ctx)).toEqual({
      changes: { owner: "qa@nordwind.example", "cost-center": "CC-2000" },
      unresolved: ["application"],
      ownerFromEvent: false,
    });
    expect(tagAction.describe?.(vm, args, ctx)).toBe(
      "tags: add owner=qa@nordwind.example, cost-center=CC-2000; application missing on resource group rg-odoo-test too: reported to decide",
    );
    expect("savings" in tagAction).toBe(false);
  });

  it("2. sets fixed values only where they differ, and takes the owner from the event when asked", () => {
    const vm = resource({ resourceGroup: "rg-none", tags: { "managed-by": "governor" } });
    const args = actionArgs(tagAction, "{ type: tag, set: { managed-by: governor, reviewed: true }, creatorFromEvent: true }");
    expect(plannedTags(vm, args, context({ resources: [vm] }))).toEqual({
      changes: { reviewed: "true" },
      unresolved: [],
      ownerFromEvent: true,
    });
  });

  it("compliant: a fully tagged resource has nothing to add", () => {
    const vm = resource({
      resourceGroup: "rg-odoo-test",
      tags: { owner: "me", environment: "test", "cost-center": "CC-1", application: "odoo" },
    });
    const args = actionArgs(tagAction, "{ type: tag, inherit: [owner, environment, cost-center, application] }");
    expect(tagAction.describe?.(vm, args, context({ resources: [vm], groups }))).toBe("tags: nothing to add");
  });

  it("rejects a tag action with nothing to write", () => {
    expect(() => actionArgs(tagAction, "{ type: tag }")).toThrow("the tag action needs inherit, set or creatorFromEvent");
  });
});

describe("enroll-backup", () => {
  const vaults = [
    {
      id: `${VAULTS}/rsv-odoo-westeurope`,
      name: "rsv-odoo-westeurope",
      location: "westeurope",
      policies: [`${VAULTS}/rsv-odoo-westeurope/backupPolicies/policy-gold`, `${VAULTS}/rsv-odoo-westeurope/backupPolicies/policy-silver`],
    },
    {
      id: `${VAULTS}/rsv-odoo-northeurope`,
      name: "rsv-odoo-northeurope",
      location: "northeurope",
      policies: [`${VAULTS}/rsv-odoo-northeurope/backupPolicies/policy-gold`],
    },
  ];
  const groups = [{ name: "rg-odoo-staging", tags: { environment: "staging" } }];

  it("1. names the vault of the VM's region and the policy of its tier", () => {
    const vm = resource({ name: "vm-wms-connector-01" });
    const ctx = context({ resources: [vm], facts: { vaults } });
    const args = actionArgs(enrollBackupAction, "{ type: enroll-backup, tier: gold }");
    expect(enrollBackupAction.describe?.(vm, args, ctx)).toBe(
      "enrol in Azure Backup: vault rsv-odoo-westeurope (westeurope), policy policy-gold",
    );
  });

  it("2. picks the tier by environment", () => {
    const vm = resource({ resourceGroup: "rg-odoo-staging" });
    const ctx = context({ resources: [vm], groups, facts: { vaults } });
    const args = actionArgs(enrollBackupAction, "{ type: enroll-backup, policyByEnvironment: { prod: gold, staging: silver } }");
    expect(enrollmentTarget(vm, args, ctx)).toMatchObject({
      vault: { name: "rsv-odoo-westeurope" },
      policy: `${VAULTS}/rsv-odoo-westeurope/backupPolicies/policy-silver`,
    });
  });

  it("says when the VM's region has no vault, or the vault lacks the tier's policy", () => {
    const eastus = resource({ location: "eastus" });
    const args = actionArgs(enrollBackupAction, "{ type: enroll-backup }");
    expect(enrollBackupAction.describe?.(eastus, args, context({ resources: [eastus], facts: { vaults } }))).toBe(
      "cannot enrol in Azure Backup: no Recovery Services vault in eastus: a VM is backed up only to a vault in its own region, so one has to be created there first",
    );
    const north = resource({ location: "northeurope" });
    const silver = actionArgs(enrollBackupAction, "{ type: enroll-backup, tier: silver }");
    expect(enrollmentTarget(north, silver, context({ resources: [north], facts: { vaults } }))).toEqual({
      problem: "no silver backup policy in the vaults of northeurope (rsv-odoo-northeurope: policy-gold)",
    });
  });

  it("asks inventory for backup facts, and changes nothing it needs not", () => {
    expect(enrollBackupAction.facts?.(actionArgs(enrollBackupAction, "{ type: enroll-backup }"), "virtual-machine")).toEqual([
      { type: "backup" },
    ]);
    expect(enrollBackupAction.effect).toBe("modify");
  });
});

describe("notify", () => {
  it("1. tells the owner, from the resource group when the resource has no owner tag", () => {
    const vm = resource({ resourceGroup: "rg-odoo-test" });
    const ctx = context({ resources: [vm], groups: [{ name: "rg-odoo-test", tags: { owner: "qa@nordwind.example" } }] });
    expect(notifyAction.describe?.(vm, actionArgs(notifyAction, "{ type: notify }"), ctx)).toBe("notify qa@nordwind.example");
  });

  it("2. tells the listed addresses, and says when nobody owns the resource", () => {
    const vm = resource({ resourceGroup: "rg-none" });
    const args = actionArgs(notifyAction, "{ type: notify, to: [owner, finance@nordwind.example] }");
    expect(recipients(vm, args, context({ resources: [vm] }))).toEqual(["finance@nordwind.example"]);
    expect(notifyAction.describe?.(vm, args, context({ resources: [vm] }))).toBe(
      "notify finance@nordwind.example (no owner tag on the resource or its resource group)",
    );
    expect(notifyAction.effect).toBe("none");
  });

  it("3. reminds after 7 days unless the policy says otherwise, and refuses a reminder that is not a duration", () => {
    expect(actionArgs(notifyAction, "{ type: notify }")).toEqual({ to: ["owner"], remindAfterMs: 7 * 86_400_000 });
    expect(actionArgs(notifyAction, "{ type: notify, to: [owner], remindAfter: 36h }")).toMatchObject({ remindAfterMs: 36 * 3_600_000 });
    expect(() => actionArgs(notifyAction, "{ type: notify, remindAfter: a week }")).toThrow(/schema: .*pattern/);
  });

  it("4. an owner tag that is an email address is the recipient; a team name or no owner goes to the platform team, saying what was found", () => {
    const tagged = (owner: string | undefined) => resource({ resourceGroup: "rg-none", tags: owner === undefined ? {} : { owner } });
    const ctxOf = (vm: ReturnType<typeof resource>) => context({ resources: [vm] });
    const mail = tagged("Lea@Nordwind.example");
    expect(noticeTargets(mail, { to: ["owner"] }, ctxOf(mail))).toEqual({ addresses: ["lea@nordwind.example"] });
    const team = tagged("team-erp");
    expect(noticeTargets(team, { to: ["owner"] }, ctxOf(team))).toEqual({
      addresses: [],
      platformNote: 'owner tag "team-erp" is not an email address',
    });
    const nobody = tagged(undefined);
    expect(noticeTargets(nobody, { to: ["owner", "finance@nordwind.example"] }, ctxOf(nobody))).toEqual({
      addresses: ["finance@nordwind.example"],
      platformNote: "no owner tag on the resource or its resource group",
    });
  });
});

describe("restore-drill", () => {
  it("1. restores into a separate server with the targets from the server's tags, and never touches the source", () => {
    const server = resource({ kind: "postgresql-server", name: "psql-odoo-prod", tags: { "rto-minutes": "60", "rpo-minutes": "15" } });
    expect(restoreDrillAction.describe?.(server, actionArgs(restoreDrillAction, "{ type: restore-drill }"), context())).toBe(
      "restore drill: restore psql-odoo-prod to a point in time into a separate server, verify it, measure RTO (target 60 min) and RPO (target 15 min), then delete the copy; psql-odoo-prod itself is not touched",
    );
    expect(restoreDrillAction.effect).toBe("none");
    expect(restoreDrillAction.appliesTo).toEqual(["postgresql-server"]);
  });

  it("2. lets the policy set the targets", () => {
    const server = resource({ kind: "postgresql-server", name: "psql-odoo-staging" });
    expect(
      restoreDrillAction.describe?.(server, actionArgs(restoreDrillAction, "{ type: restore-drill, rtoMinutes: 120 }"), context()),
    ).toContain("RTO (target 120 min) and RPO (no target)");
  });
});
