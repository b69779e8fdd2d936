/**
 * Azure Policy remediation tasks started by Governor, on the local runtime against the emulator
 * with the Governor baseline assigned (DoNotEnforce, as the template assigns it) and the pack's
 * required-tags policy set to `azurePolicyRemediation` with an approval: the sweep hands Azure
 * Policy only the resources it also finds non-compliant and Governor's guards let through, the
 * approval is asked as for Governor's own changes, each resource is checked again before the task
 * is created, the task runs as an LRO the workflow polls on durable timers, and each resource's
 * outcome is recorded from the task's deployments.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import {
  approvalInstanceId,
  EVENTS,
  ORCHESTRATIONS,
  policyRemediationInstanceId,
  remediationInstanceId,
} from "../../orchestrations/names.ts";
import type { SweepInput, SweepResult } from "../../orchestrations/sweep.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { policyInsightsClient, resourcesClient } from "../../shared/azure/clients.ts";
import { emulatorTarget, type AzureTarget } from "../../shared/azure/target.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "../../shared/azurePolicy/names.ts";
import { AZURE_POLICY_REMEDIATION } from "../../shared/azurePolicy/remediationTasks.ts";
import { deployExport } from "../support/azurePolicy.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const PACK = readFileSync(DEFAULT_POLICIES, "utf8");
/** required-tags with an approval, handing what Azure Policy also reports to remediation tasks. */
const HANDING = PACK.replace(
  /(- name: required-tags\n(?:.*\n)*?    action: \{ type: tag, inherit: \[owner, environment, cost-center, application\] \}\n)/,
  "$1    approval: { approvers: [platform-team], timeout: 8h }\n    azurePolicyRemediation: true\n",
);

let app: LocalApp;
let target: AzureTarget;
let assignmentId: string;
let sweeps = 0;

async function nonCompliant(): Promise<Map<string, string[]>> {
  const insights = await policyInsightsClient(target);
  const byReference = new Map<string, string[]>();
  for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", app.sample.subscriptionId, {
    queryOptions: { filter: `PolicyAssignmentId eq '${assignmentId}' and ComplianceState eq 'NonCompliant'` },
  })) {
    if (state.policyDefinitionAction?.toLowerCase() !== "modify") continue;
    const list = byReference.get(state.policyDefinitionReferenceId as string) ?? [];
    list.push((state.resourceId as string).toLowerCase());
    byReference.set(state.policyDefinitionReferenceId as string, list);
  }
  return byReference;
}

/** Runs until only people are awaited, moving the virtual clock over the polls of running tasks. */
async function settle(): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    await app.runtime.whenIdle();
    const status = await app.runtime.getStatus(policyRemediationInstanceId("required-tags", `handing-${sweeps}`));
    if ((status?.customStatus as { stage?: string } | undefined)?.stage !== "task-running") return;
    app.clock.advance(60_000);
  }
  throw new Error("the remediation task never ended");
}

async function startSweep(): Promise<string> {
  sweeps += 1;
  const instanceId = `sweep:required-tags:handing-${sweeps}`;
  const input: SweepInput = { policy: "required-tags", scope: `handing-${sweeps}`, trigger: { type: "cli" } };
  await app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId, input });
  await settle();
  return instanceId;
}

async function approve(instanceId: string, by: string): Promise<void> {
  await app.runtime.raiseEvent(approvalInstanceId(instanceId), EVENTS.approvalDecision, { decision: "approve", decidedBy: by });
  await settle();
}

async function exempt(resourceId: string, until: string): Promise<void> {
  const client = await resourcesClient(target);
  await client.tagsOperations.beginUpdateAtScopeAndWait(resourceId, {
    operation: "Merge",
    properties: { tags: { "governor-exempt-until": until } },
  });
}

beforeAll(async () => {
  const workDir = mkdtempSync(join(tmpdir(), "governor-policy-remediation-"));
  const policyFile = join(workDir, "policies.yaml");
  expect(HANDING).not.toBe(PACK);
  writeFileSync(policyFile, HANDING);
  app = await startLocalApp({ workDir, policyFile, logger: quiet, taskHub: "GovernorPolicyRemediation" });
  target = emulatorTarget(app.emulator, app.sample.subscriptionId);
  await deployExport(app.emulator, app.sample.subscriptionId, PACK, "DoNotEnforce");
  assignmentId = `/subscriptions/${app.sample.subscriptionId}/providers/Microsoft.Authorization/policyAssignments/${GOVERNOR_ASSIGNMENT_NAME}`;
}, 120_000);
afterAll(async () => app?.close());

describe("Azure Policy remediation tasks started by Governor", () => {
  let reported: Map<string, string[]>;
  let heldByTag: string;
  let exemptedLater: string;
  let sweepId: string;

  it("hands Azure Policy only what it also reports and Governor's guards let through, and asks for approval first", async () => {
    reported = await nonCompliant();
    const all = [...new Set([...reported.values()].flat())].sort();
    expect(all.length).toBeGreaterThanOrEqual(3);
    // One resource exempt before the sweep: Governor's guard holds it, so no task gets it.
    heldByTag = all[0] as string;
    exemptedLater = all[1] as string;
    await exempt(heldByTag, "2027-06-30");

    const mark = app.emulator.core.log.mark;
    sweepId = await startSweep();
    const handing = policyRemediationInstanceId("required-tags", `handing-${sweeps}`);
    const status = await app.runtime.getStatus(handing);
    expect(status?.runtimeStatus).toBe("Running");
    expect((status?.customStatus as { stage: string }).stage).toBe("awaiting-approval");
    // Nothing is created before a person approves.
    expect(app.emulator.core.log.entries({ since: mark, route: "remediations.createOrUpdate" })).toEqual([]);
    const tasks = (status?.input as { tasks: Array<{ referenceId: string; resourceIds: string[] }> }).tasks;
    const handed = new Set(tasks.flatMap((task) => task.resourceIds.map((id) => id.toLowerCase())));
    expect(handed.has(heldByTag)).toBe(false);
    expect([...handed].sort()).toEqual(all.filter((id) => id !== heldByTag));
    for (const task of tasks) expect(reported.get(task.referenceId)?.length).toBeGreaterThanOrEqual(task.resourceIds.length);

    // Governor's own tag writes leave the handed resources out.
    const own = await app.runtime.getStatus(remediationInstanceId("required-tags", `handing-${sweeps}`));
    const planned = ((own?.input as { resources: Array<{ resourceId: string }> } | undefined)?.resources ?? []).map((row) =>
      row.resourceId.toLowerCase(),
    );
    expect(planned.filter((id) => handed.has(id))).toEqual([]);
  }, 90_000);

  it("once approved, checks each resource again, creates the task over those still allowed, and records each outcome", async () => {
    // Exempted while the approval waited: the check before the task leaves it out.
    await exempt(exemptedLater, "2027-06-30");
    const mark = app.emulator.core.log.mark;
    const handing = policyRemediationInstanceId("required-tags", `handing-${sweeps}`);
    await approve(handing, "maria@nordwind.example");
    const own = remediationInstanceId("required-tags", `handing-${sweeps}`);
    if ((await app.runtime.getStatus(own))?.runtimeStatus === "Running") await approve(own, "maria@nordwind.example");
    const sweep = await app.runtime.getStatus(sweepId);
    expect(sweep?.runtimeStatus).toBe("Completed");
    const result = sweep?.output as SweepResult;
    expect(result.azurePolicy?.error).toBeUndefined();
    expect(result.azurePolicy?.tasks.every((task) => task.provisioningState === "Succeeded")).toBe(true);

    const creates = app.emulator.core.log.entries({ since: mark, route: "remediations.createOrUpdate" });
    expect(creates.length).toBe(result.azurePolicy?.tasks.length);
    const insights = await policyInsightsClient(target);
    const created = [];
    for await (const remediation of insights.remediations.listForSubscription()) created.push(remediation);
    const targeted = created.flatMap((remediation) => remediation.filters?.resourceIds ?? []).map((id) => id.toLowerCase());
    expect(targeted).not.toContain(heldByTag);
    expect(targeted).not.toContain(exemptedLater);
    expect(created.every((remediation) => remediation.policyAssignmentId?.toLowerCase() === assignmentId.toLowerCase())).toBe(true);

    // Azure Policy now finds the handed resources compliant; the two exempt ones are untouched.
    const after = new Set([...(await nonCompliant()).values()].flat());
    for (const id of new Set(targeted)) expect(after.has(id)).toBe(false);
    expect(after.has(heldByTag)).toBe(true);
    expect(after.has(exemptedLater)).toBe(true);

    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString);
    const records = (await trail.query({ instanceId: handing })).filter((record) => record.action === AZURE_POLICY_REMEDIATION);
    const outcomes = records.filter((record) => record.kind === "outcome");
    expect(
      outcomes
        .filter((record) => record.outcome === "applied")
        .map((record) => record.resourceId?.toLowerCase())
        .sort(),
    ).toEqual([...new Set(targeted)].sort());
    const skipped = outcomes.find((record) => record.resourceId?.toLowerCase() === exemptedLater);
    expect(skipped).toMatchObject({ outcome: "skipped" });
    expect(skipped?.reason).toMatch(/^not handed to Azure Policy: .*exempt/);
    // One mark per task, sent before it was created, naming its reference, size and approver.
    const marks = records.filter((record) => record.kind === "action").map((record) => record.reason);
    expect(marks).toHaveLength(result.azurePolicy?.tasks.length ?? -1);
    for (const task of result.azurePolicy?.tasks ?? [])
      expect(marks).toContain(
        `starting remediation task ${task.name} of ${task.referenceId} (modify) over ${task.resources} resource(s), approved by maria@nordwind.example`,
      );
    expect(records.find((record) => record.kind === "approval")?.actor).toMatchObject({ id: "maria@nordwind.example" });
  }, 120_000);

  it("a second sweep hands nothing over: what Azure Policy still reports is what Governor's guards hold", async () => {
    const mark = app.emulator.core.log.mark;
    await startSweep();
    const sweep = await app.runtime.getStatus(`sweep:required-tags:handing-${sweeps}`);
    const own = remediationInstanceId("required-tags", `handing-${sweeps}`);
    if ((await app.runtime.getStatus(own))?.runtimeStatus === "Running") await approve(own, "maria@nordwind.example");
    expect((await app.runtime.getStatus(`sweep:required-tags:handing-${sweeps}`))?.runtimeStatus).toBe("Completed");
    expect(await app.runtime.getStatus(policyRemediationInstanceId("required-tags", `handing-${sweeps}`))).toBeUndefined();
    expect(sweep?.customStatus).toBeDefined();
    expect(app.emulator.core.log.entries({ since: mark, route: "remediations.createOrUpdate" })).toEqual([]);
  }, 90_000);
});
