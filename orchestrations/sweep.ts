/**
 * One policy's scheduled sweep: plan that policy against the subscription (`planPolicy`, which
 * also records what it found), bring the Azure Policy exemptions Governor wrote for it in step
 * with the policy file and the approvers' exemptions (`syncFormalExemptions`, only when they
 * differ), then, when something is actionable, carry it out through the `remediate` workflow as a
 * sub-orchestration, with the policy's own approval. One instance per
 * policy and slot (`sweepInstanceId` in names.ts), started by the `sweeps` timer.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ExemptionChange } from "../shared/azurePolicy/exemptionSync.ts";
import type { Outcome } from "../shared/audit/record.ts";
import type { Verdict } from "../shared/policy/types.ts";
import { exemptionActivities } from "./activities/exemptions.activities.ts";
import { sweepActivities } from "./activities/sweep.activities.ts";
import { call, callOrchestration, orchestrationTask, registerOrchestration, wait } from "./calls.ts";
import { ORCHESTRATIONS } from "./names.ts";
import { policyRemediation, type PolicyRemediationInput, type PolicyRemediationResult } from "./policyRemediation.ts";
import { remediate, type RemediateInput, type RemediateResult } from "./remediate.ts";
import type { RemediationStart } from "./remediations.ts";
import { type DrillInput, restoreDrill } from "./restoreDrill.ts";
import type { DrillRecord } from "../shared/drills/record.ts";

export interface SweepInput {
  policy: string;
  /** The run: the slot's ISO time for a timer sweep. Names the remediation workflow (`remediate:<policy>:<scope>`). */
  scope: string;
  trigger?: RemediateInput["trigger"];
  /** Approves without asking (the CLI's --auto-approve, for demos). Off for timers. */
  autoApprove?: boolean;
}

export interface PlanPolicyInput {
  /** The sweep's instance, for the ids of the records. */
  instanceId: string;
  policy: string;
  scope: string;
  trigger: RemediateInput["trigger"];
  autoApprove?: boolean;
}

export interface PolicyPlan {
  policy: string;
  /** False when the policy file has no policy of that name (any more). */
  found: boolean;
  reason: string;
  counts: Record<Verdict, number>;
  /** The workflow to start, when there is something to act on. */
  start?: RemediationStart;
  /** A restore-drill policy: one drill per server it selects. */
  drills?: Array<{ instanceId: string; input: DrillInput }>;
  estimatedMonthlySavings: number;
  /** Azure Policy exemptions to write or remove so they agree with the policy file and the approvers' exemptions. */
  exemptions?: ExemptionChange[];
  /** Resources handed to Azure Policy remediation tasks (a policy with `azurePolicyRemediation`), left out of `start`. */
  azurePolicy?: { instanceId: string; input: PolicyRemediationInput };
}

export interface ExemptionSyncInput {
  instanceId: string;
  trigger: RemediateInput["trigger"];
  changes: ExemptionChange[];
}

export interface ExemptionSyncResult {
  changes: Array<{ op: ExemptionChange["op"]; resourceId: string; name: string; policy: string; outcome: Outcome; reason: string }>;
}

export interface SweepResult {
  policy: string;
  scope: string;
  reason: string;
  counts: Record<Verdict, number>;
  remediation?: { instanceId: string; approval: RemediateResult["approval"]; counts: RemediateResult["counts"] };
  drills?: Array<{ instanceId: string; server: string; outcome: DrillRecord["outcome"] | "error"; error?: string }>;
  exemptions?: ExemptionSyncResult["changes"];
  azurePolicy?: { instanceId: string; tasks: PolicyRemediationResult["tasks"]; counts?: PolicyRemediationResult["counts"]; error?: string };
}

/** Planning reads the whole inventory: a throttled or failing read is tried again. */
const RETRY = new df.RetryOptions(5_000, 3);

function* sweepOrchestrator(context: OrchestrationContext, input: SweepInput): Generator<Task, SweepResult, unknown> {
  const instanceId = context.df.instanceId;
  context.df.setCustomStatus({ stage: "planning", policy: input.policy });
  const plan = yield* call(
    context,
    sweepActivities.planPolicy,
    {
      instanceId,
      policy: input.policy,
      scope: input.scope,
      trigger: input.trigger ?? { type: "timer", id: instanceId },
      ...(input.autoApprove ? { autoApprove: true } : {}),
    },
    RETRY,
  );

  const result: SweepResult = { policy: input.policy, scope: input.scope, reason: plan.reason, counts: plan.counts };
  if (plan.exemptions && plan.exemptions.length > 0) {
    context.df.setCustomStatus({ stage: "syncing-exemptions", policy: input.policy });
    const synced = yield* call(
      context,
      exemptionActivities.syncFormalExemptions,
      { instanceId, trigger: input.trigger ?? { type: "timer", id: instanceId }, changes: plan.exemptions },
      RETRY,
    );
    result.exemptions = synced.changes;
  }
  // The Azure Policy tasks and Governor's own changes (of the other resources) wait for their approvals side by side.
  const handedOver = plan.azurePolicy
    ? orchestrationTask(context, policyRemediation, plan.azurePolicy.input, plan.azurePolicy.instanceId)
    : undefined;
  if (plan.start) {
    context.df.setCustomStatus({ stage: "remediating", policy: input.policy, remediation: plan.start.instanceId });
    const remediated = yield* callOrchestration(context, remediate, plan.start.input, plan.start.instanceId);
    result.remediation = { instanceId: plan.start.instanceId, approval: remediated.approval, counts: remediated.counts };
  }
  if (handedOver && plan.azurePolicy) {
    context.df.setCustomStatus({ stage: "azure-policy-remediation", policy: input.policy, remediation: plan.azurePolicy.instanceId });
    try {
      const tasks = yield* wait(handedOver);
      result.azurePolicy = { instanceId: plan.azurePolicy.instanceId, tasks: tasks.tasks, counts: tasks.counts };
    } catch (error) {
      result.azurePolicy = {
        instanceId: plan.azurePolicy.instanceId,
        tasks: [],
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }
  if (plan.drills && plan.drills.length > 0) {
    // One drill at a time: each restores a whole database, and one failing does not stop the next.
    result.drills = [];
    for (const drill of plan.drills) {
      context.df.setCustomStatus({ stage: "drilling", policy: input.policy, drill: drill.instanceId });
      try {
        const record = yield* callOrchestration(context, restoreDrill, drill.input, drill.instanceId);
        result.drills.push({ instanceId: drill.instanceId, server: drill.input.serverId, outcome: record.outcome });
      } catch (error) {
        result.drills.push({
          instanceId: drill.instanceId,
          server: drill.input.serverId,
          outcome: "error",
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  context.df.setCustomStatus({ stage: "done", policy: input.policy, counts: plan.counts });
  return result;
}

export const sweep = registerOrchestration(ORCHESTRATIONS.sweep, sweepOrchestrator);
