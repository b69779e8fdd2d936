/**
 * Budget alerts and sweeps end to end on the local runtime, against the emulated subscription
 * and Azurite: the webhook's handler with the reference payloads, the orchestrations and their
 * activities, approvals raised as the approval endpoint raises them.
 */
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as AzureFunctions from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleBudgetAlert } from "../../functions/budgetAlerts.ts";
import type { CostResponseResult } from "../../orchestrations/costContainment.ts";
import { remediationInstanceId, sweepInstanceId } from "../../orchestrations/names.ts";
import type { SweepInput, SweepResult } from "../../orchestrations/sweep.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { loadConfig } from "../../shared/config.ts";
import { runDailyNotifications } from "../../shared/notifications/daily.ts";
import { NotificationStore } from "../../shared/notifications/store.ts";
import { tableFromConnectionString } from "../../shared/azure/tables.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import { DurableStore } from "../../local/durable/index.ts";
import { finishWorkflows, type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { readExample } from "../support/shapes.ts";

const functions = createRequire(import.meta.url)("@azure/functions") as typeof AzureFunctions;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const log = { log: () => {}, warn: () => {} };

type Json = Record<string, unknown>;

// Asymmetric matchers are typed `any`: typed once here, so the assertions read plainly.
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
const like = <T extends Record<string, unknown>>(partial: T): T => expect.objectContaining<Record<string, unknown>>(partial) as T;

/**
 * The reference common-schema alert, adjusted only in what a sample cannot know: the budget of
 * the sample estate, its subscription (the sample's is all ones), the threshold (the sample
 * notifies at 50 %; these alerts are at 100 %, the budget itself) and, when given, when it fired
 * (the emulated subscription's day rather than the sample's of 2022).
 */
function estateAlert(subscriptionId: string, thresholdType: "Actual" | "Forecasted", firedAt?: Date): Json {
  const text = JSON.stringify(readExample("cost-management/budget-alert-common-alert-schema-actual.json"))
    .replaceAll("11111111-1111-1111-1111-111111111111", subscriptionId)
    .replaceAll("Test_actual_cost_budget", "budget-nordwind-monthly");
  const payload = JSON.parse(text) as Json;
  const data = ((payload.data as Json).alertContext as Json).AlertData as Json;
  data.NotificationThresholdAmount = data.BudgetThreshold;
  data.ThresholdType = thresholdType;
  if (firedAt) ((payload.data as Json).essentials as Json).firedDateTime = firedAt.toISOString();
  return payload;
}

function post(body: Json): AzureFunctions.HttpRequest {
  return new functions.HttpRequest({
    method: "POST",
    url: "https://governor.example/api/budget-alerts",
    body: { string: JSON.stringify(body) },
    headers: { "content-type": "application/json" },
  });
}

const power = (app: LocalApp, name: string): string | undefined =>
  app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((vm) => vm.arm.name === name)?.sim.powerState;
const clusterPower = (app: LocalApp, name: string): string | undefined =>
  (
    app.emulator.core.store.list({ type: "Microsoft.ContainerService/managedClusters" }).find((item) => item.arm.name === name)?.arm
      .properties as { powerState?: { code?: string } }
  ).powerState?.code;

/** Writes to the emulated subscription since a point of its request log (reads, queries and metrics are POSTs too). */
const writesSince = (app: LocalApp, since: number) =>
  app.emulator.core.log
    .entries({ since })
    .filter((entry) => entry.method !== "GET" && entry.route !== "resourceGraph.resources" && entry.route !== "metrics.batch");

const IDLE_DEV_VMS = ["vm-odoo-dev-01", "vm-odoo-dev-02", "vm-odoo-training-01", "vm-migration-temp-01", "vm-odoo-test-eastus-m64"];
const NEVER_TOUCHED = ["vm-odoo-prod-app-01", "vm-odoo-prod-app-02", "vm-odoo-prod-cron-01", "vm-edi-gateway-01", "vm-odoo-test-loadgen"];

describe("budget alerts on the local runtime", () => {
  let app: LocalApp;
  let trail: TableAuditTrail;
  const deps = () => ({ client: app.runtime, log, now: () => app.clock.now(), subscriptionId: app.sample.subscriptionId });

  beforeAll(async () => {
    app = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-budget-")), logger: quiet, taskHub: "GovernorBudget" });
    trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
  }, 60_000);
  afterAll(async () => app.close());

  it("a forecast past the budget posts the forecast with proposals, and changes nothing", async () => {
    const before = app.emulator.core.log.total;
    const answer = await handleBudgetAlert(post(estateAlert(app.sample.subscriptionId, "Forecasted")), deps());
    expect(answer.status).toBe(202);
    const { instanceId, response } = answer.jsonBody as { instanceId: string; response: string };
    expect(response).toBe("notify");
    expect(instanceId).toBe("budget:budget-nordwind-monthly:forecasted:100:2022-12-01");

    const status = await app.runtime.waitForCompletion(instanceId, { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    const result = status.output as CostResponseResult;
    expect(result.proposals.map((proposal) => proposal.policy)).toEqual([
      "stop-idle-nonprod-vms",
      "stop-offhours-nonprod-vms",
      "stop-offhours-nonprod-aks",
      "stop-offhours-nonprod-postgres",
      "stop-offhours-nonprod-scale-sets",
    ]);
    expect(result.notice.delivery.delivered).toBe(false);

    const [notice, ...others] = await trail.query({ instanceId, kind: "notice" });
    expect(others).toEqual([]);
    expect(notice?.reason).toMatch(/^budget budget-nordwind-monthly is forecast past its 100 % threshold/);
    expect(notice?.reason).toContain("Proposed: deallocate 5 under stop-idle-nonprod-vms (vm-odoo-test-eastus-m64, vm-migration-temp-01");
    const proposed = (notice?.details as { proposals: Array<{ resources: Array<{ resourceName: string }> }> }).proposals.flatMap(
      (proposal) => proposal.resources.map((resource) => resource.resourceName),
    );
    expect(proposed).toEqual(expect.arrayContaining([...IDLE_DEV_VMS, "aks-odoo-dev"]));
    for (const name of NEVER_TOUCHED) expect(proposed).not.toContain(name);

    expect(writesSince(app, before)).toEqual([]);
    for (const name of IDLE_DEV_VMS) expect(power(app, name), name).toBe("running");
    expect(await trail.query({ kind: "outcome" })).toEqual([]);
  }, 90_000);

  it("actual spend at 100 % starts one containment however often it is delivered, and stops nothing until approved", async () => {
    const alert = estateAlert(app.sample.subscriptionId, "Actual", app.clock.now());
    const first = await handleBudgetAlert(post(alert), deps());
    const second = await handleBudgetAlert(post(alert), deps());
    expect(first).toMatchObject({ status: 202, jsonBody: { response: "contain", started: true } });
    const instanceId = (first.jsonBody as { instanceId: string }).instanceId;
    expect(instanceId).toBe("budget:budget-nordwind-monthly:actual:100:2026-11-01");
    expect(second).toMatchObject({ status: 202, jsonBody: { instanceId, started: false } });

    await app.runtime.whenIdle();
    const store = await DurableStore.open({ connectionString: app.azurite.connectionString, taskHub: "GovernorBudget" });
    const containments = (await store.listInstances()).filter((record) => record.name === "costContainment");
    expect(containments.map((record) => record.instanceId)).toEqual([instanceId]);

    const containment = await app.runtime.getStatus(instanceId);
    expect(containment?.runtimeStatus).toBe("Running");
    const remediations = (containment?.customStatus as { remediations: string[] }).remediations;
    expect(remediations).toEqual(
      [
        "stop-idle-nonprod-vms",
        "stop-offhours-nonprod-vms",
        "stop-offhours-nonprod-aks",
        "stop-offhours-nonprod-postgres",
        "stop-offhours-nonprod-scale-sets",
      ].map((policy) => remediationInstanceId(policy, instanceId)),
    );
    for (const remediation of remediations) {
      const approval = await app.runtime.getStatus(`${remediation}:approval`);
      expect(approval?.customStatus, remediation).toMatchObject({ stage: "awaiting-approval" });
      const input = (await app.runtime.getStatus(remediation))?.input as {
        approval?: { required: boolean; onTimeout: string };
        autoApprove?: boolean;
      };
      expect(input.approval).toMatchObject({ required: true, onTimeout: "skip" });
      expect(input.autoApprove).toBeUndefined();
    }
    for (const name of IDLE_DEV_VMS) expect(power(app, name), name).toBe("running");
    expect(clusterPower(app, "aks-odoo-dev")).toBe("Running");
    const [notice] = await trail.query({ instanceId, kind: "notice" });
    expect(notice?.reason).toContain("Approval asked before anything is stopped (5 workflow(s)).");

    for (const remediation of remediations)
      await app.runtime.raiseEvent(`${remediation}:approval`, "ApprovalDecision", {
        decision: "approve",
        decidedBy: "finance@nordwind.example",
      });
    await app.runtime.whenIdle();
    for (const name of IDLE_DEV_VMS) expect(power(app, name), name).toBe("deallocated");
    expect(clusterPower(app, "aks-odoo-dev")).toBe("Stopped");
    for (const name of NEVER_TOUCHED) expect(power(app, name), name).toBe("running");
    expect(clusterPower(app, "aks-odoo-staging")).toBe("Running");

    // The containment's stops hold until the budget period ends: when the schedule opens the next
    // morning, the off-hours workflows leave what the budget stopped stopped, and say why.
    const statuses = await finishWorkflows(app, [instanceId, ...remediations]);
    expect(clusterPower(app, "aks-odoo-dev")).toBe("Stopped");
    for (const name of IDLE_DEV_VMS) expect(power(app, name), name).toBe("deallocated");
    const starts = (await trail.query({ kind: "outcome" })).filter((record) => record.action === "start");
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) {
      expect(start.outcome, start.resourceId).toBe("skipped");
      expect(start.reason).toMatch(/budget budget-nordwind-monthly.*until the budget period ends \(2026-12-01\) or a person starts it/);
    }
    const done = statuses.find((status) => status.instanceId === instanceId);
    expect(done?.runtimeStatus, JSON.stringify(done?.output)).toBe("Completed");
    const result = done?.output as CostResponseResult;
    expect(result.remediations).toHaveLength(5);
    for (const remediation of result.remediations ?? []) {
      expect(remediation).toMatchObject({ status: "completed", approval: { outcome: "approved", decidedBy: "finance@nordwind.example" } });
      expect(remediation.counts?.failed, remediation.policy).toBe(0);
    }
    const approvals = await trail.query({ kind: "approval" });
    expect(approvals.map((record) => record.actor)).toEqual(Array(5).fill({ type: "person", id: "finance@nordwind.example" }));
  }, 180_000);
});

describe("a scheduled sweep, and a containment cut short, on the local runtime", () => {
  let app: LocalApp;

  beforeAll(async () => {
    app = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-sweep-")), logger: quiet, taskHub: "GovernorSweep" });
  }, 60_000);
  afterAll(async () => app.close());

  it("of stop-idle-nonprod-vms, without auto-approval, records what it found and waits for approval, as its policy requires", async () => {
    // Monday 23 November 2026, 19:00 in Brussels: the policy's slot.
    const slot = new Date("2026-11-23T18:00:00.000Z");
    const instanceId = sweepInstanceId("stop-idle-nonprod-vms", slot);
    const input: SweepInput = { policy: "stop-idle-nonprod-vms", scope: slot.toISOString(), trigger: { type: "timer", id: instanceId } };
    await app.runtime.startNew("sweep", { instanceId, input });
    await app.runtime.whenIdle();

    const sweep = await app.runtime.getStatus(instanceId);
    expect(sweep?.runtimeStatus).toBe("Running");
    const remediation = remediationInstanceId("stop-idle-nonprod-vms", slot.toISOString());
    expect(sweep?.customStatus).toMatchObject({ stage: "remediating", remediation });
    expect((await app.runtime.getStatus(`${remediation}:approval`))?.customStatus).toMatchObject({
      stage: "awaiting-approval",
      approvers: ["platform-team"],
      resources: 5,
    });
    for (const name of IDLE_DEV_VMS) expect(power(app, name), name).toBe("running");

    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
    const findings = await trail.query({ instanceId, kind: "finding" });
    expect(findings.map((record) => `${record.resourceId?.split("/").at(-1)} ${record.verdict}`).sort()).toEqual([
      "vm-migration-temp-01 needs-approval",
      "vm-odoo-dev-01 needs-approval",
      "vm-odoo-dev-02 needs-approval",
      "vm-odoo-test-eastus-m64 needs-approval",
      "vm-odoo-test-loadgen blocked",
      "vm-odoo-training-01 needs-approval",
    ]);

    // The morning digest says what waits.
    const run = await runDailyNotifications({
      config: loadConfig(process.env),
      policySet: await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry()),
      trail,
      store: new NotificationStore(tableFromConnectionString(app.azurite.connectionString, "GovernorNotifications")),
      channels: {},
      now: () => app.clock.now(),
    });
    const digest = (await trail.query({ kind: "notice", since: app.clock.now() })).find((record) => record.id === `digest:${run.date}`);
    expect(digest?.details).toMatchObject({
      opened: expect.arrayContaining([
        { policy: "stop-idle-nonprod-vms", verdict: "needs-approval", count: 5 },
        { policy: "stop-idle-nonprod-vms", verdict: "blocked", count: 1 },
      ]) as unknown,
      pending: [{ instanceId: remediation, policy: "stop-idle-nonprod-vms", resources: 5 }],
    });

    await app.runtime.raiseEvent(`${remediation}:approval`, "ApprovalDecision", {
      decision: "reject",
      decidedBy: "maria@nordwind.example",
    });
    const status = await app.runtime.waitForCompletion(instanceId, { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    expect(status.output as SweepResult).toMatchObject({
      policy: "stop-idle-nonprod-vms",
      counts: { "needs-approval": 5, blocked: 1 },
      remediation: { instanceId: remediation, approval: { outcome: "rejected" }, counts: { applied: 0, skipped: 5 } },
    });
    for (const name of IDLE_DEV_VMS) expect(power(app, name), name).toBe("running");
  }, 120_000);

  it("a containment workflow a person ends does not keep the others from finishing", async () => {
    const answer = await handleBudgetAlert(post(estateAlert(app.sample.subscriptionId, "Actual")), {
      client: app.runtime,
      log,
      now: () => app.clock.now(),
      subscriptionId: app.sample.subscriptionId,
    });
    const instanceId = (answer.jsonBody as { instanceId: string }).instanceId;
    await app.runtime.whenIdle();
    const [idle, offHoursVms, offHoursAks, offHoursPostgres, offHoursScaleSets] = [
      "stop-idle-nonprod-vms",
      "stop-offhours-nonprod-vms",
      "stop-offhours-nonprod-aks",
      "stop-offhours-nonprod-postgres",
      "stop-offhours-nonprod-scale-sets",
    ].map((policy) => remediationInstanceId(policy, instanceId)) as [string, string, string, string, string];
    await app.runtime.terminate(idle, "not during the load test");
    for (const remediation of [offHoursVms, offHoursAks, offHoursPostgres, offHoursScaleSets])
      await app.runtime.raiseEvent(`${remediation}:approval`, "ApprovalDecision", {
        decision: "approve",
        decidedBy: "maria@nordwind.example",
      });

    const statuses = await finishWorkflows(app, [instanceId, offHoursVms, offHoursAks, offHoursPostgres, offHoursScaleSets]);
    const done = statuses.find((status) => status.instanceId === instanceId);
    expect(done?.runtimeStatus, JSON.stringify(done?.output)).toBe("Completed");
    expect((done?.output as CostResponseResult).remediations).toEqual([
      like({ instanceId: idle, status: "failed", error: matching(/./) }),
      // vm-odoo-training-01 and vm-odoo-qa-01, outside their schedules.
      like({ instanceId: offHoursVms, status: "completed", counts: like({ applied: 2 }) }),
      like({ instanceId: offHoursAks, status: "completed", counts: like({ applied: 1 }) }),
      // psql-odoo-dev (the HA server is refused, staging frozen) and vmss-odoo-test-workers.
      like({ instanceId: offHoursPostgres, status: "completed", counts: like({ applied: 1 }) }),
      like({ instanceId: offHoursScaleSets, status: "completed", counts: like({ applied: 1 }) }),
    ]);
    for (const name of ["vm-odoo-dev-01", "vm-odoo-dev-02", "vm-migration-temp-01"]) expect(power(app, name), name).toBe("running");
  }, 120_000);
});
