/**
 * The schedule actions on PostgreSQL servers and scale sets: what `stop`, `deallocate` and `start`
 * estimate, refuse and say, at plan time and in their executors' assessment, on tiny fixtures.
 */
import { describe, expect, it } from "vitest";
import { deallocateAction } from "../../../shared/actions/deallocate.ts";
import { startAction } from "../../../shared/actions/start.ts";
import { stopAction } from "../../../shared/actions/stop.ts";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { parsePolicyText } from "../../../shared/policy/loader.ts";
import type { EvaluationContext } from "../../../shared/policy/registry.ts";
import type { InventoryResource } from "../../../shared/policy/types.ts";
import type { ExecutorContext } from "../../../shared/remediation/executor.ts";
import { instanceViewsFromRows, scaleSetsToRead } from "../../../shared/inventory/instanceViews.ts";
import { instancesOf } from "../../../shared/resourceTypes/vmScaleSet.ts";
import { actionArgs, context, NOW, resource, resourceId } from "../policy/support.ts";

const offHours = actionArgs(stopAction, "{ type: stop, hoursPerMonth: 513 }");
const AKS_GROUP = "MC_rg-odoo-dev_aks-odoo-dev_westeurope";

function assess<A>(module: { executor?: { assess(ctx: ExecutorContext<A>): unknown } }, subject: InventoryResource, ctx = context()) {
  return module.executor?.assess({ resource: subject, args: {}, evaluation: ctx } as unknown as ExecutorContext<A>);
}

const server = (name: string, properties: Record<string, unknown> = {}, spec: Partial<InventoryResource> = {}): InventoryResource =>
  resource({
    kind: "postgresql-server",
    name,
    sku: "Standard_D2ds_v5",
    powerState: "running",
    ...spec,
    tags: { environment: "dev", ...spec.tags },
    properties: { state: "Ready", ...properties },
  });

describe("stop (PostgreSQL)", () => {
  const ctx = context();

  it("1. refuses a server in high-availability mode, naming the mode", () => {
    const ha = server("psql-odoo-test-ha", { highAvailability: { mode: "ZoneRedundant" } });
    expect(stopAction.refuses?.(ha, offHours, ctx)).toBe("high availability ZoneRedundant: Azure cannot stop it");
    expect(assess(stopAction, ha)).toEqual({
      status: "refused",
      reason: "psql-odoo-test-ha: high availability ZoneRedundant: Azure cannot stop it",
    });
  });

  it("2. refuses a read replica, naming its role", () => {
    const replica = server("psql-odoo-test-reports-replica", { replica: { role: "AsyncReplica" } });
    expect(stopAction.refuses?.(replica, offHours, ctx)).toBe("a read replica (replica role AsyncReplica): Azure cannot stop it");
  });

  it("3. refuses a primary whose read replicas the inventory shows, naming them (a restored copy is no replica)", () => {
    const primary = server("psql-odoo-test-reports", { replica: { role: "Primary" } });
    const replica = server("psql-odoo-test-reports-replica", { replica: { role: "AsyncReplica" }, sourceServerResourceId: primary.id });
    const restored = server("psql-odoo-test-reports-drill", { replica: { role: "Primary" }, sourceServerResourceId: primary.id });
    const withReplica = context({ resources: [primary, replica, restored] });
    expect(stopAction.refuses?.(primary, offHours, withReplica)).toBe(
      "it has read replica (psql-odoo-test-reports-replica): Azure cannot stop it",
    );
    expect(stopAction.refuses?.(primary, offHours, context({ resources: [primary, restored] }))).toBeUndefined();
  });

  it("4. says when Azure started it again after 7 days stopped, Governor's tag still on it", () => {
    const started = server(
      "psql-odoo-dev",
      {},
      { tags: { "governor-stopped-by": "stop-offhours-nonprod-postgres; since 2026-11-16T19:30:00Z" } },
    );
    expect(stopAction.describe?.(started, offHours, ctx)).toContain(
      "started again by Azure after 7 days stopped (stop-offhours-nonprod-postgres stopped it on 2026-11-16T19:30:00Z; Azure starts a stopped server after 7 days)",
    );
  });

  it("5. says a server started sooner was started outside Governor, not by Azure", () => {
    const started = server(
      "psql-odoo-dev",
      {},
      { tags: { "governor-stopped-by": "stop-offhours-nonprod-postgres; since 2026-11-23T06:00:00Z" } },
    );
    expect(stopAction.describe?.(started, offHours, ctx)).toContain(
      "started again outside Governor (a person or another tool) since stop-offhours-nonprod-postgres stopped it on 2026-11-23T06:00:00Z",
    );
  });

  it("compliant: a stoppable server saves its compute SKU's price for the hours outside its schedule, storage still billed", () => {
    const dev = server("psql-odoo-dev", {}, { sku: "Standard_B2s" });
    expect(stopAction.refuses?.(dev, offHours, ctx)).toBeUndefined();
    expect(assess(stopAction, dev)).toEqual({ status: "todo" });
    expect(stopAction.savings?.(dev, offHours, ctx)).toBeCloseTo(0.074 * 513);
    expect(stopAction.describe?.(dev, offHours, ctx)).toBe(
      "stop PostgreSQL server psql-odoo-dev (Standard_B2s): Standard_B2s at 0.074 EUR/h × 513 h = 37.96 EUR/month (compute only: storage and backups are still billed)",
    );
  });

  it("saves nothing on a stopped server, has nothing to do on one, joins one stopping, and names an unknown SKU", () => {
    expect(stopAction.savings?.(server("s", { state: "Stopped" }, { powerState: "stopped" }), offHours, ctx)).toBe(0);
    expect(assess(stopAction, server("s", { state: "Stopped" }, { powerState: "stopped" }))).toEqual({
      status: "done",
      reason: "s is already stopped",
    });
    expect(assess(stopAction, server("s", { state: "Stopping" }, { powerState: "stopping" }))).toEqual({
      status: "in-progress",
      reason: "s is stopping",
    });
    expect(stopAction.describe?.(server("s", {}, { sku: "Standard_Q9" }), offHours, ctx)).toContain(
      "no price for PostgreSQL compute Standard_Q9",
    );
  });
});

describe("deallocate (scale sets)", () => {
  const ctx = context();
  const args = actionArgs(deallocateAction, "{ type: deallocate, hoursPerMonth: 513 }");
  const scaleSet = (spec: Partial<InventoryResource> = {}): InventoryResource =>
    resource({ kind: "vm-scale-set", name: "vmss-odoo-test-workers", resourceGroup: "rg-odoo-test", ...spec });

  it("1. refuses a scale set in an AKS node resource group, naming the group", () => {
    const nodes = scaleSet({ name: "aks-system-49402142-vmss", resourceGroup: AKS_GROUP });
    expect(deallocateAction.refuses?.(nodes, args, ctx)).toBe(
      `AKS owns this scale set (node resource group ${AKS_GROUP}): left to the AKS policy, which stops its cluster; Governor never deallocates it`,
    );
    expect(assess(deallocateAction, nodes)).toMatchObject({ status: "refused" });
  });

  it("2. refuses a scale set AKS tagged as its own, wherever it lives", () => {
    const tagged = scaleSet({ tags: { environment: "dev", "aks-managed-poolName": "system", "aks-managed-coordination": "true" } });
    expect(deallocateAction.refuses?.(tagged, args, ctx)).toContain(
      "AKS owns this scale set (tags aks-managed-coordination, aks-managed-poolName)",
    );
  });

  it("3. has no price for a scale set whose instance view was not read", () => {
    const unread = scaleSet({ powerState: undefined, properties: { instanceView: undefined, extended: undefined } });
    expect(deallocateAction.savings?.(unread, args, ctx)).toBe(0);
    expect(deallocateAction.describe?.(unread, args, ctx)).toContain("no price: the scale set's instances were not read");
  });

  it("compliant: saves the instances still billed × the size's price, read from the inventory's instance view", () => {
    const inventoried = scaleSet({ powerState: undefined, properties: { instanceView: undefined, extended: undefined } });
    const facts = {
      instanceViews: {
        [inventoried.id.toLowerCase()]: {
          statusesSummary: [
            { code: "ProvisioningState/succeeded", count: 3 },
            { code: "PowerState/running", count: 2 },
            { code: "PowerState/deallocated", count: 1 },
          ],
        },
      },
    };
    const withFacts = context({ resources: [inventoried], facts });
    expect(deallocateAction.refuses?.(inventoried, args, withFacts)).toBeUndefined();
    expect(deallocateAction.savings?.(inventoried, args, withFacts)).toBeCloseTo(2 * 0.106 * 513);
    expect(deallocateAction.describe?.(inventoried, args, withFacts)).toBe(
      "deallocate scale set vmss-odoo-test-workers with 3 instances (compute billing stops, disks kept): 2 × Standard_D2s_v5 at 0.106 EUR/h × 513 h = 108.76 EUR/month",
    );
  });

  it("has nothing to do on a deallocated scale set, and joins one deallocating", () => {
    const view = (code: string) => ({ instanceView: { virtualMachine: { statusesSummary: [{ code, count: 3 }] } } });
    expect(assess(deallocateAction, scaleSet({ powerState: "deallocated", properties: view("PowerState/deallocated") }))).toMatchObject({
      status: "done",
    });
    expect(assess(deallocateAction, scaleSet({ powerState: "deallocating", properties: view("PowerState/deallocating") }))).toMatchObject({
      status: "in-progress",
    });
  });
});

describe("start (PostgreSQL servers and scale sets)", () => {
  it("1. refuses a scale set AKS owns: AKS starts its nodes with its cluster", () => {
    const nodes = resource({ kind: "vm-scale-set", name: "aks-system-49402142-vmss", resourceGroup: AKS_GROUP, powerState: "deallocated" });
    expect(assess(startAction, nodes)).toEqual({
      status: "refused",
      reason: `aks-system-49402142-vmss: AKS owns this scale set (node resource group ${AKS_GROUP}): AKS starts its nodes with its cluster; Governor never starts it`,
    });
  });

  it("compliant: starts a stopped server and a deallocated scale set, and has nothing to do on running ones", () => {
    expect(startAction.appliesTo).toEqual(expect.arrayContaining(["postgresql-server", "vm-scale-set"]));
    expect(assess(startAction, server("psql-odoo-dev", { state: "Stopped" }, { powerState: "stopped" }))).toEqual({ status: "todo" });
    expect(assess(startAction, resource({ kind: "vm-scale-set", powerState: "deallocated" }))).toEqual({ status: "todo" });
    expect(assess(startAction, server("psql-odoo-dev"))).toMatchObject({ status: "done" });
  });
});

describe("a scale set's power from its instance view", () => {
  it("1. every instance in one state is that state", () => {
    expect(instancesOf([{ code: "PowerState/deallocated", count: 3 }])).toEqual({
      powerState: "deallocated",
      instances: 3,
      billed: 0,
      seen: "3 × PowerState/deallocated",
    });
  });

  it("2. a transition under way wins over the instances already there", () => {
    expect(
      instancesOf([
        { code: "PowerState/deallocated", count: 1 },
        { code: "PowerState/deallocating", count: 2 },
      ]).powerState,
    ).toBe("deallocating");
  });

  it("3. running while any instance runs, every instance but the deallocated billed", () => {
    expect(
      instancesOf([
        { code: "PowerState/running", count: 1 },
        { code: "PowerState/deallocated", count: 2 },
      ]),
    ).toMatchObject({ powerState: "running", instances: 3, billed: 1 });
  });

  it("no power state for a scale set without instances", () => {
    expect(instancesOf([{ code: "ProvisioningState/succeeded", count: 0 }])).toEqual({
      powerState: undefined,
      instances: 0,
      billed: 0,
      seen: "no instances",
    });
  });
});

describe("a refusal in the plan", () => {
  const registry = builtinRegistry();
  const yaml = `
version: 1
settings: { timeZone: Europe/Brussels }
policies:
  - name: stop-servers
    resource: postgresql-server
    mode: enforce
    when:
      - power-state: running
    action: stop
    approval: { required: true, approvers: [platform-team] }
`;

  it("1. blocks the finding with guard refused and the values seen, counting no change against the caps", () => {
    const set = parsePolicyText(yaml, "test.yaml", registry);
    const ha = server("psql-odoo-test-ha", { highAvailability: { mode: "SameZone" } });
    const dev = server("psql-odoo-dev");
    const ctx: EvaluationContext = context({ resources: [ha, dev] });
    const { findings, summary } = evaluate(set, ctx.inventory, ctx.facts, NOW, registry);
    const byName = Object.fromEntries(findings.map((finding) => [finding.resourceName, finding]));
    expect(byName["psql-odoo-test-ha"]).toMatchObject({ verdict: "blocked", guard: "refused" });
    expect(byName["psql-odoo-test-ha"]?.reason).toContain("high availability SameZone: Azure cannot stop it");
    expect(byName["psql-odoo-dev"]).toMatchObject({ verdict: "needs-approval" });
    expect(summary.policies[0]).toMatchObject({ blocked: 1, needsApproval: 1 });
    expect(summary.estimatedMonthlySavings).toBeCloseTo(0.195 * 730);
  });

  it("compliant: a server Azure can stop is not blocked", () => {
    const set = parsePolicyText(yaml, "test.yaml", registry);
    const dev = server("psql-odoo-dev", { highAvailability: { mode: "Disabled" } });
    const ctx = context({ resources: [dev] });
    expect(evaluate(set, ctx.inventory, ctx.facts, NOW, registry).findings).toEqual([
      expect.objectContaining({ resourceId: resourceId("postgresql-server", "rg-odoo-dev", "psql-odoo-dev"), verdict: "needs-approval" }),
    ]);
  });
});

describe("scale sets' power from Resource Graph's instances", () => {
  const group = "/subscriptions/s/resourceGroups/rg-odoo-test/providers/Microsoft.Compute/virtualMachineScaleSets";
  const wanted = new Set([`${group}/vmss-a`.toLowerCase(), `${group}/vmss-empty`.toLowerCase()]);

  it("1. counts each scale set's instances by power state, whatever the case of their ids", () => {
    const rows = [
      { id: `${group}/vmss-a/virtualMachines/0`, powerState: "PowerState/running" },
      { id: `${group.toUpperCase()}/VMSS-A/VIRTUALMACHINES/1`, powerState: "PowerState/running" },
      { id: `${group}/vmss-a/virtualMachines/2`, powerState: "PowerState/deallocated" },
    ];
    expect(instanceViewsFromRows(rows, wanted)[`${group}/vmss-a`.toLowerCase()]).toEqual({
      statusesSummary: [
        { code: "PowerState/running", count: 2 },
        { code: "PowerState/deallocated", count: 1 },
      ],
    });
  });

  it("2. leaves out the instances of scale sets no policy may act on, and an instance without a state yet", () => {
    const rows = [
      { id: `${group}/aks-system-vmss/virtualMachines/0`, powerState: "PowerState/running" },
      { id: `${group}/vmss-a/virtualMachines/0`, powerState: "" },
    ];
    const facts = instanceViewsFromRows(rows, wanted);
    expect(Object.keys(facts).sort()).toEqual([...wanted].sort());
    expect(facts[`${group}/vmss-a`.toLowerCase()]).toEqual({ statusesSummary: [] });
  });

  it("3. reads no AKS-owned, Flexible or freshly read scale set", () => {
    const uniform = resource({ kind: "vm-scale-set", name: "vmss-a", powerState: undefined, properties: { instanceView: undefined } });
    const aks = resource({ kind: "vm-scale-set", name: "aks-system-vmss", resourceGroup: AKS_GROUP, powerState: undefined });
    const flexible = resource({
      kind: "vm-scale-set",
      name: "vmss-flex",
      powerState: undefined,
      properties: { orchestrationMode: "Flexible" },
    });
    const fresh = resource({ kind: "vm-scale-set", name: "vmss-fresh" });
    expect(scaleSetsToRead([uniform, aks, flexible, fresh]).map((scaleSet) => scaleSet.name)).toEqual(["vmss-a"]);
  });

  it("compliant: a scale set with no instance has an empty count: nothing runs, nothing is billed", () => {
    expect(instanceViewsFromRows([], wanted)[`${group}/vmss-empty`.toLowerCase()]).toEqual({ statusesSummary: [] });
    expect(instancesOf([])).toMatchObject({ powerState: undefined, billed: 0 });
  });
});
