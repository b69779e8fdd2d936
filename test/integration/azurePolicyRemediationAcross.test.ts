/**
 * Azure Policy remediation tasks across governed subscriptions, on the local runtime against the
 * emulator with the sample spread over two subscriptions, Governor's baseline assigned in each (as
 * the management-group template assigns it) and required-tags handing over: the sweep reads each
 * subscription's non-compliant states, and each task is created in its resources' own
 * subscription, for that subscription's assignment, and its outcomes recorded.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { sampleEstates } from "../../emulator/estate/sample.ts";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { ORCHESTRATIONS, policyRemediationInstanceId } from "../../orchestrations/names.ts";
import type { SweepInput, SweepResult } from "../../orchestrations/sweep.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { policyInsightsClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { governorAssignmentId } from "../../shared/azurePolicy/names.ts";
import { AZURE_POLICY_REMEDIATION } from "../../shared/azurePolicy/remediationTasks.ts";
import { deployExport } from "../support/azurePolicy.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const PACK = readFileSync(DEFAULT_POLICIES, "utf8");
const HANDING = PACK.replace(
  /(- name: required-tags\n(?:.*\n)*?    action: \{ type: tag, inherit: \[owner, environment, cost-center, application\] \}\n)/,
  "$1    approval: { approvers: [platform-team], timeout: 8h }\n    azurePolicyRemediation: true\n",
);
const sample = sampleEstates(2);
const second = sample.subscriptions[0]?.subscriptionId as string;
const SCOPE = "handing-across";

let app: LocalApp;

beforeAll(async () => {
  const workDir = mkdtempSync(join(tmpdir(), "governor-policy-remediation-across-"));
  const policyFile = join(workDir, "policies.yaml");
  expect(HANDING).not.toBe(PACK);
  writeFileSync(policyFile, HANDING);
  app = await startLocalApp({
    workDir,
    policyFile,
    sample,
    logger: quiet,
    taskHub: "GovernorPolicyRemediationAcross",
    settings: { GOVERNOR_SUBSCRIPTION_IDS: second },
  });
  for (const subscriptionId of [sample.subscriptionId, second]) await deployExport(app.emulator, subscriptionId, PACK, "DoNotEnforce");
}, 120_000);
afterAll(async () => app?.close());

/** Non-compliant resources of Governor's modify references in one subscription, as Policy Insights reports them: `<reference>|<id>`. */
async function nonCompliant(subscriptionId: string): Promise<Set<string>> {
  const insights = await policyInsightsClient(emulatorTarget(app.emulator, subscriptionId));
  const ids = new Set<string>();
  for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", subscriptionId, {
    queryOptions: { filter: `PolicyAssignmentId eq '${governorAssignmentId(subscriptionId)}' and ComplianceState eq 'NonCompliant'` },
  }))
    if (state.policyDefinitionAction?.toLowerCase() === "modify")
      ids.add(`${state.policyDefinitionReferenceId}|${(state.resourceId as string).toLowerCase()}`);
  return ids;
}

async function settle(): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    await app.runtime.whenIdle();
    const status = await app.runtime.getStatus(policyRemediationInstanceId("required-tags", SCOPE));
    if ((status?.customStatus as { stage?: string } | undefined)?.stage !== "task-running") return;
    app.clock.advance(60_000);
  }
  throw new Error("the remediation tasks never ended");
}

describe("Azure Policy remediation tasks across governed subscriptions", () => {
  it("creates each task in its resources' own subscription, for that subscription's assignment, and records each outcome", async () => {
    const reported = { home: await nonCompliant(sample.subscriptionId), second: await nonCompliant(second) };
    expect(reported.second.size).toBeGreaterThan(0);
    expect(reported.home.size).toBeGreaterThan(0);

    const instanceId = `sweep:required-tags:${SCOPE}`;
    const input: SweepInput = { policy: "required-tags", scope: SCOPE, trigger: { type: "cli" }, autoApprove: true };
    await app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId, input });
    await settle();
    const sweep = await app.runtime.getStatus(instanceId);
    expect(sweep?.runtimeStatus).toBe("Completed");
    const result = sweep?.output as SweepResult;
    expect(result.azurePolicy?.error).toBeUndefined();

    // Each subscription's tasks are its own: made there, for its assignment, over its resources only.
    const targeted: string[] = [];
    const pairs: string[] = [];
    for (const subscriptionId of [sample.subscriptionId, second]) {
      const insights = await policyInsightsClient(emulatorTarget(app.emulator, subscriptionId));
      const own = `/subscriptions/${subscriptionId.toLowerCase()}/`;
      let tasks = 0;
      for await (const remediation of insights.remediations.listForSubscription()) {
        tasks += 1;
        expect(remediation.policyAssignmentId?.toLowerCase()).toBe(governorAssignmentId(subscriptionId).toLowerCase());
        const ids = (remediation.filters?.resourceIds ?? []).map((id) => id.toLowerCase());
        expect(ids.filter((id) => !id.startsWith(own))).toEqual([]);
        targeted.push(...ids);
        pairs.push(...ids.map((id) => `${remediation.policyDefinitionReferenceId}|${id}`));
      }
      expect(tasks, subscriptionId).toBeGreaterThan(0);
    }
    // Azure Policy finds the second subscription's handed resources compliant with the references their tasks corrected.
    const after = await nonCompliant(second);
    const corrected = pairs.filter((pair) => pair.includes(second.toLowerCase()));
    expect(corrected.length).toBeGreaterThan(0);
    for (const pair of corrected) {
      expect(reported.second.has(pair), pair).toBe(true);
      expect(after.has(pair), pair).toBe(false);
    }

    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString);
    const outcomes = (await trail.query({ instanceId: policyRemediationInstanceId("required-tags", SCOPE), kind: "outcome" })).filter(
      (record) => record.action === AZURE_POLICY_REMEDIATION,
    );
    const applied = outcomes.filter((record) => record.outcome === "applied").map((record) => record.resourceId?.toLowerCase());
    expect(applied.sort()).toEqual([...new Set(targeted)].sort());
    expect(applied.some((id) => id?.includes(second.toLowerCase()))).toBe(true);
  }, 120_000);
});
