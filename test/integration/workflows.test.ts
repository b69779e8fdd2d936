/**
 * The real orchestrators and activities on the local Durable runtime, against the emulated
 * subscription and Azurite: a plan carried out end to end, as `governor apply` does it.
 */
import { resourceEndState } from "../support/endState.ts";
import { changeKey } from "../../emulator/store.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RemediateResult } from "../../orchestrations/remediate.ts";
import { remediationsFor } from "../../orchestrations/remediations.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { parseStoppedBy } from "../../shared/remediation/stoppedBy.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { PolicySet } from "../../shared/policy/types.ts";
import { finishWorkflows, type LocalApp, startLocalApp } from "../../local/localApp.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function runPlan(app: LocalApp, set: PolicySet, scope: string): Promise<RemediateResult[]> {
  // Planned outside an activity: the sweep's plan activity is tried again (3 times) when its SDK retries
  // run out, so this call gets the retries the two together give. With 10 % of requests failing, a
  // Resource Graph page answered 503 four times in a row exhausted the SDK's three retries (seen twice).
  const target = emulatorTarget(app.emulator, app.sample.subscriptionId, { retryOptions: { maxRetries: 8, retryDelayInMs: 100 } });
  const { evaluation } = await plan(target, set, app.clock.now(), builtinRegistry());
  const starts = remediationsFor(evaluation, set, { scope, trigger: { type: "cli" }, autoApprove: true });
  for (const start of starts) await app.runtime.startNew("remediate", { instanceId: start.instanceId, input: start.input });
  const statuses = await finishWorkflows(
    app,
    starts.map((start) => start.instanceId),
  );
  for (const status of statuses) expect(status.runtimeStatus, `${status.instanceId}: ${JSON.stringify(status.output)}`).toBe("Completed");
  return statuses.map((status) => status.output as RemediateResult);
}

const power = (app: LocalApp, name: string): string | undefined =>
  app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((vm) => vm.arm.name === name)?.sim.powerState;
const tags = (app: LocalApp, name: string): Record<string, string> =>
  app.emulator.core.store.list().find((resource) => resource.arm.name === name)?.arm.tags ?? {};
const exists = (app: LocalApp, name: string): boolean => app.emulator.core.store.list().some((resource) => resource.arm.name === name);

describe("remediation workflows on the local runtime (auto-approved)", () => {
  let app: LocalApp;
  let set: PolicySet;
  let results: RemediateResult[];

  beforeAll(async () => {
    app = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-wf-")), logger: quiet });
    set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
    results = await runPlan(app, set, "2026-11-23T19:30");
  }, 180_000);
  afterAll(async () => app.close());

  it("deallocates the idle dev VMs and leaves production running", () => {
    expect(power(app, "vm-odoo-dev-01")).toBe("deallocated");
    expect(power(app, "vm-odoo-dev-02")).toBe("deallocated");
    for (const name of ["vm-odoo-prod-app-01", "vm-odoo-prod-app-02", "vm-odoo-prod-cron-01", "vm-edi-gateway-01"])
      expect(power(app, name)).toBe("running");
    expect(power(app, "vm-odoo-test-loadgen")).toBe("running");
  });

  it("starts the off-hours AKS cluster again when its schedule window opens the next morning", () => {
    const offHours = results.find((result) => result.policy === "stop-offhours-nonprod-aks");
    expect(offHours?.outcomes).toEqual([expect.objectContaining({ outcome: "applied", action: "stop" })]);
    expect(offHours?.restarts).toEqual([expect.objectContaining({ outcome: "applied", action: "start" })]);
    const cluster = app.emulator.core.store
      .list({ type: "Microsoft.ContainerService/managedClusters" })
      .find((item) => item.arm.name === "aks-odoo-dev");
    expect((cluster?.arm.properties as { powerState?: { code?: string } }).powerState?.code).toBe("Running");
    // Started again: the stop's owner is cleared.
    expect(tags(app, "aks-odoo-dev")["governor-stopped-by"]).toBeUndefined();
    // Mon-Fri 08:00-18:00 Europe/Brussels: Tuesday 24 November, 08:00 local is 07:00 UTC.
    expect(app.clock.now().toISOString() >= "2026-11-24T07:00:00.000Z").toBe(true);
  });

  it("leaves a VM two policies deallocated stopped in the morning, naming the idle policy as the reason (one owner per stop)", () => {
    expect(power(app, "vm-odoo-training-01")).toBe("deallocated");
    const offHours = results.find((result) => result.policy === "stop-offhours-nonprod-vms");
    const idle = results.find((result) => result.policy === "stop-idle-nonprod-vms");
    const stops = [...(offHours?.outcomes ?? []), ...(idle?.outcomes ?? [])].filter((outcome) =>
      outcome.resourceId.endsWith("/vm-odoo-training-01"),
    );
    // Both policies find it running; whichever is second joins or finds the first's deallocation.
    expect(stops.map((outcome) => outcome.outcome)).not.toContain("failed");
    expect(stops).toHaveLength(2);
    const restart = offHours?.restarts?.find((outcome) => outcome.resourceId.endsWith("/vm-odoo-training-01"));
    expect(restart).toMatchObject({ outcome: "skipped", action: "start" });
    expect(restart?.reason).toContain("stop-idle-nonprod-vms");
    // Whoever stopped it is on the resource for a person reading the portal.
    expect(["stop-idle-nonprod-vms", "stop-offhours-nonprod-vms"]).toContain(
      parseStoppedBy(tags(app, "vm-odoo-training-01")["governor-stopped-by"])?.policy,
    );
  });

  it("starts a VM only the off-hours policy stopped when its schedule window opens, and clears its owner", () => {
    const offHours = results.find((result) => result.policy === "stop-offhours-nonprod-vms");
    const qa = (outcomes: RemediateResult["outcomes"] | undefined) =>
      outcomes?.find((outcome) => outcome.resourceId.endsWith("/vm-odoo-qa-01"));
    expect(qa(offHours?.outcomes)).toMatchObject({ outcome: "applied", action: "deallocate" });
    expect(qa(offHours?.restarts)).toMatchObject({ outcome: "applied", action: "start" });
    expect(power(app, "vm-odoo-qa-01")).toBe("running");
    expect(tags(app, "vm-odoo-qa-01")["governor-stopped-by"]).toBeUndefined();
  });

  it("stops the dev PostgreSQL server outside its schedule and starts it when the schedule opens; the HA server and staging's stay up", () => {
    const offHours = results.find((result) => result.policy === "stop-offhours-nonprod-postgres");
    expect(offHours?.outcomes).toEqual([
      expect.objectContaining({ resourceId: expect.stringMatching(/\/psql-odoo-dev$/) as unknown, outcome: "applied", action: "stop" }),
    ]);
    expect(offHours?.restarts).toEqual([expect.objectContaining({ outcome: "applied", action: "start" })]);
    const state = (name: string) =>
      (
        app.emulator.core.store.list({ type: "Microsoft.DBforPostgreSQL/flexibleServers" }).find((item) => item.arm.name === name)?.arm
          .properties as { state?: string } | undefined
      )?.state;
    expect(state("psql-odoo-dev")).toBe("Ready");
    expect(tags(app, "psql-odoo-dev")["governor-stopped-by"]).toBeUndefined();
    for (const name of ["psql-odoo-test-ha", "psql-odoo-staging", "psql-odoo-prod"]) expect(state(name), name).toBe("Ready");
    const stops = app.emulator.core.log.entries({ route: "flexibleServers.stop" }).map((entry) => entry.path.split("/").at(-2));
    expect(stops).toEqual(["psql-odoo-dev"]);
  });

  it("deallocates the test scale set outside its schedule and starts it again; the scale set AKS owns is never sent anything", () => {
    const offHours = results.find((result) => result.policy === "stop-offhours-nonprod-scale-sets");
    expect(offHours?.outcomes).toEqual([expect.objectContaining({ outcome: "applied", action: "deallocate" })]);
    expect(offHours?.restarts).toEqual([expect.objectContaining({ outcome: "applied", action: "start" })]);
    const scaleSets = app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachineScaleSets" });
    expect(scaleSets.map((item) => [item.arm.name, item.sim.powerState]).sort()).toEqual([
      ["aks-system-49402142-vmss", "running"],
      ["vmss-odoo-test-workers", "running"],
    ]);
    const sent = app.emulator.core.log
      .entries()
      .filter((entry) => entry.method === "POST" && entry.route.startsWith("virtualMachineScaleSets."))
      .map((entry) => [entry.route, entry.path.split("/").at(-2)]);
    expect(sent).toEqual([
      ["virtualMachineScaleSets.deallocate", "vmss-odoo-test-workers"],
      ["virtualMachineScaleSets.start", "vmss-odoo-test-workers"],
    ]);
  });

  it("downgrades the unattached Premium disk that must stay to Standard HDD, and deletes nothing of it", () => {
    const disk = app.emulator.core.store
      .list({ type: "Microsoft.Compute/disks" })
      .find((item) => item.arm.name === "disk-odoo-test-archive");
    expect((disk?.arm.sku as { name?: string } | undefined)?.name).toBe("Standard_LRS");
    const downgrade = results.find((result) => result.policy === "downgrade-kept-unattached-disks");
    expect(downgrade?.outcomes).toEqual([expect.objectContaining({ outcome: "applied", action: "downgrade" })]);
  });

  it("resizes the oversized test VM to the size its finding named, running again, and leaves the busy one as it was", () => {
    const vm = (name: string) =>
      app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((item) => item.arm.name === name);
    const resize = results.find((result) => result.policy === "rightsize-nonprod-vms");
    expect(resize?.outcomes).toEqual([expect.objectContaining({ outcome: "applied", action: "resize" })]);
    const size = (name: string) => (vm(name)?.arm.properties as { hardwareProfile?: { vmSize?: string } }).hardwareProfile?.vmSize;
    expect(size("vm-odoo-test-reporting-01")).not.toBe("Standard_D16s_v5");
    expect(vm("vm-odoo-test-reporting-01")?.arm.tags?.["governor-resize"]).toMatch(
      new RegExp(`^${size("vm-odoo-test-reporting-01")} from Standard_D16s_v5; running;`),
    );
    expect(power(app, "vm-odoo-test-reporting-01")).toBe("running");
    expect(size("vm-odoo-test-build-01")).toBe("Standard_D4s_v5");
  });

  it("deletes the non-production orphans, and leaves their in-use and production counterparts", () => {
    for (const name of [
      "pip-odoo-dev-old-bastion",
      "nic-odoo-dev-05-detached",
      "lb-odoo-test-legacy",
      "nsg-odoo-test-old",
      "asp-odoo-dev-webhooks",
    ])
      expect(exists(app, name), name).toBe(false);
    expect(app.emulator.core.store.getGroup(app.sample.subscriptionId, "rg-odoo-poc-2025")).toBeUndefined();
    for (const name of [
      "pip-odoo-prod-lb",
      "lb-odoo-prod",
      "pip-edi-gateway-01",
      "nsg-edi-gateway",
      "pip-natgw-odoo-westeurope",
      "pe-psql-odoo-prod-nic",
      "asp-edi-portal-prod",
      "vm-odoo-dev-01-nic",
    ])
      expect(exists(app, name), name).toBe(true);
    for (const policy of [
      "delete-orphaned-public-ips",
      "delete-orphaned-network-interfaces",
      "delete-orphaned-load-balancers",
      "delete-orphaned-network-security-groups",
      "delete-empty-app-service-plans",
      "delete-empty-resource-groups",
    ])
      expect(results.find((result) => result.policy === policy)?.outcomes, policy).toEqual([
        expect.objectContaining({ outcome: "applied", action: "delete" }),
      ]);
  });

  it("snapshots the disk detached 40 days ago, tagged to expire in 30 days, before deleting it", () => {
    expect(exists(app, "disk-odoo-dev-02-data-old")).toBe(false);
    expect(tags(app, "disk-odoo-dev-02-data-old-governor-snapshot")).toMatchObject({
      environment: "dev",
      "expires-on": "2026-12-23",
      "governor-snapshot-of": "disk-odoo-dev-02-data-old",
    });
  });

  it("records the stop and the start that undid it as two outcomes in the audit trail", async () => {
    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
    const recorded = await trail.query({ policy: "stop-offhours-nonprod-aks", kind: "outcome" });
    expect(
      recorded.filter((record) => record.resourceId?.endsWith("/aks-odoo-dev")).map((record) => [record.action, record.outcome]),
    ).toEqual([
      ["stop", "applied"],
      ["start", "applied"],
    ]);
  });

  it("deletes expired snapshots and keeps the kept ones", () => {
    expect(exists(app, "snap-odoo-dev-01-2026-05-12")).toBe(false);
    expect(exists(app, "snap-odoo-dev-legacy-db")).toBe(false);
    expect(exists(app, "snap-odoo-dev-golden-image")).toBe(true);
    expect(exists(app, "snap-odoo-dev-01-2026-11-20")).toBe(true);
    expect(exists(app, "snap-odoo-prod-app-01-data-2026-06-30")).toBe(true);
  });

  it("merges tags inherited from the resource group without replacing the resource's own", () => {
    const migration = app.emulator.core.store.list().find((resource) => resource.arm.name === "vm-migration-temp-01");
    expect(migration?.arm.tags).toMatchObject({
      owner: "partner@odoo-hosting.example",
      "expires-on": "2026-10-31",
      "cost-center": "CC-2000",
    });
    const untagged = app.emulator.core.store.list().find((resource) => resource.arm.name === "vm-odoo-test-02");
    expect(untagged?.arm.tags).toMatchObject({ environment: "test", "cost-center": "CC-2000", application: "odoo" });
  });

  it("enrols the unprotected production VMs in the vault of their region, never one whose item is soft-deleted", () => {
    const items = app.emulator.core.store.list({
      type: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
    });
    const itemOf = (vm: string) =>
      items.find((item) => String((item.arm.properties as { sourceResourceId?: string }).sourceResourceId).endsWith(`/${vm}`));
    expect(itemOf("vm-wms-connector-01")?.arm.properties?.policyId).toMatch(/policy-gold$/);
    // The pack does not consent to undelete: the batch worker's item stays soft-deleted, with no policy.
    expect(itemOf("vm-odoo-prod-worker-01")?.sim.softDeletedAt).toBeDefined();
    expect(itemOf("vm-odoo-prod-worker-01")?.arm.properties?.policyId).toBeUndefined();
  });

  it("reports every outcome, and nothing failed", () => {
    const outcomes = results.flatMap((result) => result.outcomes);
    expect(outcomes.length).toBeGreaterThan(10);
    expect(outcomes.filter((outcome) => outcome.outcome === "failed")).toEqual([]);
    for (const outcome of outcomes) expect(outcome.reason.length).toBeGreaterThan(0);
  });

  it("records the plan, the approval and each outcome in the audit trail", async () => {
    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
    const records = await trail.query({ policy: "stop-idle-nonprod-vms" });
    const kinds = new Set(records.map((record) => record.kind));
    // `action`: each change marked sent before it was sent.
    expect([...kinds].sort()).toEqual(["action", "approval", "decision", "outcome"]);
    const outcome = records.find((record) => record.kind === "outcome" && record.resourceId?.endsWith("/vm-odoo-dev-01"));
    expect(outcome).toMatchObject({ outcome: "applied", actor: { type: "governor" } });
    expect(outcome?.instanceId).toMatch(/^remediate:stop-idle-nonprod-vms:/);
  });

  it("a second run changes nothing: what the plan still lists is already done", async () => {
    const before = app.emulator.core.log.total;
    const again = await runPlan(app, set, "2026-11-23T19:30");
    for (const result of again) expect(result.counts.applied, result.policy).toBe(0);
    const writes = app.emulator.core.log
      .entries({ since: before })
      .filter((entry) => entry.method !== "GET" && entry.route !== "resourceGraph.resources" && entry.route !== "metrics.batch");
    expect(writes).toEqual([]);
  });
});

function finalState(app: LocalApp): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const resource of app.emulator.core.store.list()) {
    state[resource.arm.id.toLowerCase()] = resourceEndState(resource);
  }
  return state;
}

describe("remediation workflows with 10% of requests failing (429 and 5xx)", () => {
  it("end in the same state as without faults and act on no resource twice", async () => {
    const calm = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-wf-calm-")), logger: quiet });
    const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
    let expected: Record<string, unknown>;
    try {
      await runPlan(calm, set, "calm");
      expected = finalState(calm);
    } finally {
      await calm.close();
    }

    const stormy = await startLocalApp({
      workDir: mkdtempSync(join(tmpdir(), "governor-wf-faults-")),
      logger: quiet,
      taskHub: "GovernorFaults",
    });
    try {
      const changes = new Map<string, number>();
      stormy.emulator.core.store.changes.on("change", (change) => {
        const key = changeKey(change);
        changes.set(key, (changes.get(key) ?? 0) + 1);
      });
      stormy.emulator.core.faults.add({ rate429: 0.05, rate5xx: 0.05, retryAfterSeconds: 1 });
      const results = await runPlan(stormy, set, "faults");
      stormy.emulator.core.faults.clear();

      const outcomes = results.flatMap((result) => result.outcomes);
      // Retries absorb 10% of faults (six failures in a row would be needed to exhaust them): nothing is left failed.
      expect(outcomes.filter((outcome) => outcome.outcome === "failed")).toEqual([]);
      expect(finalState(stormy)).toEqual(expected);
      expect([...changes.entries()].filter(([, count]) => count > 1)).toEqual([]);
      expect(stormy.emulator.core.log.entries().filter((entry) => entry.fault !== undefined).length).toBeGreaterThan(5);
    } finally {
      await stormy.close();
    }
  }, 300_000);
});

describe("kill switch", () => {
  it("stops every change while workflows still record what they would have done", async () => {
    const app = await startLocalApp({
      workDir: mkdtempSync(join(tmpdir(), "governor-wf-kill-")),
      logger: quiet,
      taskHub: "GovernorKill",
      settings: { GOVERNOR_KILL_SWITCH: "on" },
    });
    try {
      const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
      const before = finalState(app);
      const results = await runPlan(app, set, "kill");
      expect(finalState(app)).toEqual(before);
      const outcomes = results.flatMap((result) => result.outcomes);
      expect(outcomes.length).toBeGreaterThan(10);
      for (const outcome of outcomes) expect(outcome.outcome).toBe("skipped");
      expect(outcomes.find((outcome) => outcome.resourceId.endsWith("/vm-odoo-dev-01"))?.reason).toMatch(
        /kill switch on: would have deallocated/,
      );
      const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
      const recorded = await trail.query({ kind: "outcome" });
      expect(recorded.length).toBe(outcomes.length);
    } finally {
      await app.close();
      delete process.env.GOVERNOR_KILL_SWITCH;
    }
  }, 120_000);
});

describe("a change Azure keeps refusing", () => {
  it("is reported as failed with Azure's error, while the rest of the workflow goes on", async () => {
    const app = await startLocalApp({
      workDir: mkdtempSync(join(tmpdir(), "governor-wf-refused-")),
      logger: quiet,
      taskHub: "GovernorRefused",
    });
    try {
      app.emulator.core.faults.add({ route: "snapshots.delete", rate5xx: 1, status5xx: 503 });
      const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
      const results = await runPlan(app, set, "refused");
      const snapshots = results.find((result) => result.policy === "snapshot-retention-nonprod");
      expect(snapshots?.counts).toMatchObject({ failed: 3, applied: 0 });
      for (const outcome of snapshots?.outcomes ?? [])
        expect(outcome).toMatchObject({ outcome: "failed", errorCode: "ServiceUnavailable" });
      expect(power(app, "vm-odoo-dev-01")).toBe("deallocated");
      const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
      const recorded = await trail.query({ policy: "snapshot-retention-nonprod", kind: "outcome" });
      expect(recorded.map((record) => record.outcome)).toEqual(["failed", "failed", "failed"]);
    } finally {
      await app.close();
    }
  }, 180_000);
});

describe("approval (the seam the approvals work completes)", () => {
  let app: LocalApp;
  let set: PolicySet;
  beforeAll(async () => {
    app = await startLocalApp({
      workDir: mkdtempSync(join(tmpdir(), "governor-wf-approval-")),
      logger: quiet,
      taskHub: "GovernorApproval",
    });
    set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  }, 60_000);
  afterAll(async () => app.close());

  async function startIdleSweep(scope: string): Promise<string> {
    const { evaluation } = await plan(emulatorTarget(app.emulator, app.sample.subscriptionId), set, app.clock.now(), builtinRegistry());
    const start = remediationsFor(evaluation, set, { scope, trigger: { type: "timer" } }).find(
      (item) => item.input.policy === "stop-idle-nonprod-vms",
    );
    if (!start) throw new Error("the idle sweep found nothing");
    await app.runtime.startNew("remediate", start);
    return start.instanceId;
  }

  it("waits for a decision, then acts only on the resources approved, and records who approved", async () => {
    const id = await startIdleSweep("approval-partial");
    await app.runtime.whenIdle();
    expect((await app.runtime.getStatus(id))?.runtimeStatus).toBe("Running");
    expect(power(app, "vm-odoo-dev-01")).toBe("running");
    const dev01 = app.emulator.core.store.list().find((resource) => resource.arm.name === "vm-odoo-dev-01")?.arm.id as string;

    await app.runtime.raiseEvent(`${id}:approval`, "ApprovalDecision", {
      decision: "approve",
      resourceIds: [dev01],
      decidedBy: "maria@nordwind.example",
    });
    const status = await app.runtime.waitForCompletion(id, { timeoutMs: 60_000 });
    const result = status.output as RemediateResult;
    expect(result.approval).toMatchObject({ outcome: "partially-approved", decidedBy: "maria@nordwind.example" });
    expect(power(app, "vm-odoo-dev-01")).toBe("deallocated");
    expect(power(app, "vm-odoo-dev-02")).toBe("running");
    expect(result.outcomes.find((outcome) => outcome.resourceId.endsWith("/vm-odoo-dev-02"))).toMatchObject({ outcome: "skipped" });
    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
    const approval = (await trail.query({ instanceId: id, kind: "approval" }))[0];
    expect(approval?.actor).toEqual({ type: "person", id: "maria@nordwind.example" });
  }, 60_000);

  it("without a decision before the policy's timeout, skips everything", async () => {
    const id = await startIdleSweep("approval-timeout");
    await app.runtime.whenIdle();
    app.clock.advance(8 * 3_600_000 + 60_000);
    const status = await app.runtime.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    const result = status.output as RemediateResult;
    expect(result.approval.outcome).toBe("timed-out");
    expect(result.counts.applied).toBe(0);
    expect(power(app, "vm-odoo-dev-02")).toBe("running");
  }, 60_000);
});
