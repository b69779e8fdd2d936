/**
 * The responses to a budget alert (see shared/triggers/budgetAlerts.ts for the decision):
 *
 * - `costNotice`: plan the cost policies (non-production compute that can be stopped) as
 *   proposals, record the forecast or spend with them as a notice, and hand it to delivery.
 *   Nothing changes.
 * - `costContainment`: the same plan and notice, then one `remediate` sub-orchestration per cost
 *   policy with something to stop, each asking a person for approval whatever its policy says
 *   (a budget alert never stops anything by itself), fanned out so that one failing workflow
 *   leaves the others to finish.
 *
 * One instance per budget, threshold type, threshold and period (`budget:…`), so however often
 * Azure sends the alert, there is one response.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ApprovalSpec } from "../shared/policy/types.ts";
import type { BudgetAlert, BudgetResponse } from "../shared/triggers/budgetAlerts.ts";
import type { ApprovalDecision } from "./approval.ts";
import { costActivities } from "./activities/cost.activities.ts";
import { call, orchestrationTask, registerOrchestration, resultOf } from "./calls.ts";
import { ORCHESTRATIONS } from "./names.ts";
import { remediate, type RemediateInput, type RemediateResult } from "./remediate.ts";
import type { RemediationStart } from "./remediations.ts";

export interface CostResponseInput {
  alert: BudgetAlert;
  /** The decision's reason, for the notice. */
  reason: string;
  /** Names of the policies to use; by default the cost policies of the pack (`costPolicies`). */
  policies?: string[];
}

/** What one cost policy would do, for people to read: the largest savings first. */
export interface CostProposal {
  policy: string;
  action: string;
  mode: "audit" | "enforce";
  resources: Array<{
    resourceId: string;
    resourceName: string;
    verdict: "remediate" | "needs-approval" | "audit";
    reason: string;
    estimatedMonthlySavings: number;
  }>;
  /** Further resources left out of the list. */
  more: number;
  /** Resources a guard keeps out (production, exemptions, change windows). */
  blocked: number;
  estimatedMonthlySavings: number;
}

export interface CostPlan {
  policies: string[];
  /** Policies asked for that are not used, with why. */
  notUsed: string[];
  proposals: CostProposal[];
  /** The workflows containment would start: one per policy with something to act on. */
  starts: RemediationStart[];
  /** Of what Governor would act on, each resource counted once. */
  estimatedMonthlySavings: number;
  currency: string;
}

export interface PlanCostResponseInput {
  instanceId: string;
  alert: BudgetAlert;
  policies?: string[];
}

export interface CostNoticeInput {
  instanceId: string;
  response: BudgetResponse;
  alert: BudgetAlert;
  reason: string;
  plan: Omit<CostPlan, "starts">;
  /** Containment: the workflows asking for approval. */
  remediations?: string[];
}

export interface NoticeDelivery {
  delivered: boolean;
  channels: string[];
  reason: string;
}

export interface CostNoticeResult {
  id: string;
  recorded: boolean;
  delivery: NoticeDelivery;
}

export interface CostResponseResult {
  response: BudgetResponse;
  budget: string;
  reason: string;
  proposals: CostProposal[];
  estimatedMonthlySavings: number;
  currency: string;
  notice: CostNoticeResult;
  /** Containment: each remediation workflow and how it ended. */
  remediations?: Array<{
    instanceId: string;
    policy: string;
    status: "completed" | "failed";
    approval?: ApprovalDecision;
    counts?: RemediateResult["counts"];
    error?: string;
  }>;
}

/** Planning reads the whole inventory: a throttled or failing read is tried again. */
const RETRY = new df.RetryOptions(5_000, 3);

/** When a cost policy has no approval of its own: the approvers of the built-in pack, a working day to answer. */
export const CONTAINMENT_APPROVAL: ApprovalSpec = {
  required: true,
  approvers: ["platform-team"],
  escalation: [],
  timeoutMs: 8 * 3_600_000,
  onTimeout: "skip",
};

/**
 * A remediation that waits for a person, whatever its policy says: approval required, never
 * approved without asking, and nothing approved when nobody answers.
 */
export function requireApproval(input: RemediateInput): RemediateInput {
  const own = input.approval;
  const approval: ApprovalSpec = {
    required: true,
    approvers: own && own.approvers.length > 0 ? own.approvers : CONTAINMENT_APPROVAL.approvers,
    escalation: own?.escalation ?? CONTAINMENT_APPROVAL.escalation,
    timeoutMs: own?.timeoutMs ?? CONTAINMENT_APPROVAL.timeoutMs,
    onTimeout: "skip",
  };
  const { autoApprove: _ignored, ...rest } = input;
  return { ...rest, approval };
}

function withoutStarts(plan: CostPlan): Omit<CostPlan, "starts"> {
  const { starts: _starts, ...rest } = plan;
  return rest;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function* costNoticeOrchestrator(context: OrchestrationContext, input: CostResponseInput): Generator<Task, CostResponseResult, unknown> {
  const instanceId = context.df.instanceId;
  context.df.setCustomStatus({ stage: "planning", budget: input.alert.budgetName });
  const plan = yield* call(
    context,
    costActivities.planCostResponse,
    { instanceId, alert: input.alert, ...(input.policies ? { policies: input.policies } : {}) },
    RETRY,
  );
  const notice = yield* call(context, costActivities.recordCostNotice, {
    instanceId,
    response: "notify",
    alert: input.alert,
    reason: input.reason,
    plan: withoutStarts(plan),
  });
  const result: CostResponseResult = {
    response: "notify",
    budget: input.alert.budgetName,
    reason: input.reason,
    proposals: plan.proposals,
    estimatedMonthlySavings: plan.estimatedMonthlySavings,
    currency: plan.currency,
    notice,
  };
  context.df.setCustomStatus({ stage: "done", budget: input.alert.budgetName, proposals: plan.proposals.length });
  return result;
}

function* costContainmentOrchestrator(
  context: OrchestrationContext,
  input: CostResponseInput,
): Generator<Task, CostResponseResult, unknown> {
  const instanceId = context.df.instanceId;
  context.df.setCustomStatus({ stage: "planning", budget: input.alert.budgetName });
  const plan = yield* call(
    context,
    costActivities.planCostResponse,
    { instanceId, alert: input.alert, ...(input.policies ? { policies: input.policies } : {}) },
    RETRY,
  );
  // Whatever the activity planned, the workflows started here ask a person first.
  const starts = plan.starts.map((start) => ({ instanceId: start.instanceId, input: requireApproval(start.input) }));
  const notice = yield* call(context, costActivities.recordCostNotice, {
    instanceId,
    response: "contain",
    alert: input.alert,
    reason: input.reason,
    plan: withoutStarts(plan),
    remediations: starts.map((start) => start.instanceId),
  });

  context.df.setCustomStatus({
    stage: "remediating",
    budget: input.alert.budgetName,
    remediations: starts.map((start) => start.instanceId),
  });
  const running = starts.map((start) => ({ start, task: orchestrationTask(context, remediate, start.input, start.instanceId) }));
  const tasks = running.map(({ task }) => task);
  if (tasks.length > 0) {
    try {
      yield context.df.Task.all(tasks);
    } catch {
      // Task.all gives up at the first failure: wait for the others, each on its own.
      for (const task of tasks) {
        if (task.isCompleted) continue;
        try {
          yield task;
        } catch {
          // Reported below with the others.
        }
      }
    }
  }
  const remediations: NonNullable<CostResponseResult["remediations"]> = running.map(({ start, task }) => {
    if (task.isFaulted)
      return { instanceId: start.instanceId, policy: start.input.policy, status: "failed", error: errorMessage(task.result) };
    const result = resultOf(task);
    return {
      instanceId: start.instanceId,
      policy: start.input.policy,
      status: "completed",
      approval: result.approval,
      counts: result.counts,
    };
  });
  const result: CostResponseResult = {
    response: "contain",
    budget: input.alert.budgetName,
    reason: input.reason,
    proposals: plan.proposals,
    estimatedMonthlySavings: plan.estimatedMonthlySavings,
    currency: plan.currency,
    notice,
    remediations,
  };
  context.df.setCustomStatus({ stage: "done", budget: input.alert.budgetName, remediations: remediations.length });
  return result;
}

export const costNotice = registerOrchestration(ORCHESTRATIONS.costNotice, costNoticeOrchestrator);
export const costContainment = registerOrchestration(ORCHESTRATIONS.costContainment, costContainmentOrchestrator);
