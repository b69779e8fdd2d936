/**
 * Azure Policy remediation tasks, started by Governor for a policy with `azurePolicyRemediation`
 * (shared/azurePolicy/remediationTasks.ts says which resources a task may touch): the plan is
 * recorded, a person approves it through the same approval workflow as Governor's own changes
 * (never approved on timeout: a task acts outside Governor's executors), then each task's
 * resources are read and checked again, the task is created over those still allowed, and it is
 * polled on durable timers until it ends or its wait runs out. Each resource's outcome (from the
 * task's deployments) is recorded like any change of Governor's, and failures raise the same alert.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { AZURE_POLICY_REMEDIATION, type RemediationTaskPlan, type TaskStatus } from "../shared/azurePolicy/remediationTasks.ts";
import type { RemediationOutcome } from "../shared/remediation/types.ts";
import type { ApprovalSpec } from "../shared/policy/types.ts";
import { approval as approvalWorkflow, type ApprovalDecision, type ApprovalInput } from "./approval.ts";
import { policyRemediationActivities } from "./activities/policyRemediation.activities.ts";
import { remediationActivities } from "./activities/remediation.activities.ts";
import { call, callOrchestration, registerOrchestration } from "./calls.ts";
import { approvalInstanceId, ORCHESTRATIONS } from "./names.ts";
import type { RemediateInput } from "./remediate.ts";

export interface PolicyRemediationInput {
  policy: string;
  assignmentId: string;
  /** At most MAX_TASKS_PER_SWEEP tasks of at most 100 resources: the input stays bounded. */
  tasks: RemediationTaskPlan[];
  /** The Governor findings' reasons, by resource (lower-case id), for the approval request. */
  reasons: Record<string, string>;
  approval: ApprovalSpec;
  autoApprove?: boolean;
  trigger: RemediateInput["trigger"];
  /** How often a running task is read, and how long it is waited for. */
  pollIntervalMs?: number;
  maxWaitMs?: number;
}

export interface StartTaskInput {
  instanceId: string;
  policy: string;
  assignmentId: string;
  task: RemediationTaskPlan;
  index: number;
  approvedBy: string;
  trigger: RemediateInput["trigger"];
}

export interface StartedTask {
  /** Absent when no resource of the task passed the checks again (or acting is off): no task was created. */
  task?: { name: string; referenceId: string; resourceIds: string[]; status: TaskStatus };
  /** The resources left out of the task, with why (skipped by a guard, already compliant, failed to read). */
  outcomes: RemediationOutcome[];
}

export interface PollTaskInput {
  instanceId: string;
  policy: string;
  task: { name: string; referenceId: string; resourceIds: string[] };
  /** The wait has run out: the outcomes are decided from what the task has done so far. */
  final: boolean;
}

export interface PolledTask {
  status: TaskStatus;
  ended: boolean;
  /** Set once the task ended or the wait ran out. */
  outcomes?: RemediationOutcome[];
}

export interface PolicyRemediationResult {
  policy: string;
  approval: ApprovalDecision;
  tasks: Array<{ name: string; referenceId: string; resources: number; provisioningState: string }>;
  counts: Record<RemediationOutcome["outcome"], number>;
}

export const MAX_TASKS_PER_SWEEP = 5;

const RANK: Record<RemediationOutcome["outcome"], number> = { failed: 3, skipped: 2, applied: 1, "already-done": 0 };

/**
 * One outcome per resource (the trail keeps one per workflow and resource): a resource in the
 * tasks of two references is as bad as its worst, with both reasons.
 */
export function byResource(outcomes: readonly RemediationOutcome[]): RemediationOutcome[] {
  const merged = new Map<string, RemediationOutcome>();
  for (const outcome of outcomes) {
    const key = outcome.resourceId.toLowerCase();
    const earlier = merged.get(key);
    if (earlier === undefined) merged.set(key, outcome);
    else {
      const worse = RANK[outcome.outcome] > RANK[earlier.outcome] ? outcome : earlier;
      merged.set(key, { ...worse, reason: `${earlier.reason}; ${outcome.reason}` });
    }
  }
  return [...merged.values()];
}
const POLL_INTERVAL_MS = 60_000;
const MAX_WAIT_MS = 6 * 3_600_000;
const RETRY = new df.RetryOptions(5_000, 3);

function* policyRemediationOrchestrator(
  context: OrchestrationContext,
  input: PolicyRemediationInput,
): Generator<Task, PolicyRemediationResult, unknown> {
  const instanceId = context.df.instanceId;
  const all = input.tasks.flatMap((task) => task.resourceIds);
  const audit = { instanceId, policy: input.policy, action: AZURE_POLICY_REMEDIATION, trigger: input.trigger };
  const rows = all.map((resourceId) => {
    const task = input.tasks.find((candidate) => candidate.resourceIds.includes(resourceId)) as RemediationTaskPlan;
    return {
      resourceId,
      resourceName: resourceId.split("/").at(-1) ?? resourceId,
      reason: `Azure Policy remediation task of ${task.referenceId} (${task.effect}): ${input.reasons[resourceId.toLowerCase()] ?? "non-compliant"}`,
      estimatedMonthlySavings: 0,
    };
  });
  // One row per resource and task once: a resource in two references' tasks is one change to approve.
  const unique = [...new Map(rows.map((row) => [row.resourceId.toLowerCase(), row])).values()];
  yield* call(context, remediationActivities.recordAudit, { ...audit, stage: "plan", resources: unique }, RETRY);

  let decision: ApprovalDecision;
  if (input.autoApprove) {
    decision = {
      outcome: "approved",
      approvedAll: true,
      approvedResourceIds: unique.map((row) => row.resourceId),
      decidedBy: "auto-approve",
      reason: "approved without asking (--auto-approve)",
    };
  } else {
    context.df.setCustomStatus({ stage: "awaiting-approval", policy: input.policy, resources: unique.length });
    const request: ApprovalInput = {
      policy: input.policy,
      action: AZURE_POLICY_REMEDIATION,
      resources: unique,
      approvers: input.approval.approvers,
      escalation: input.approval.escalation,
      timeoutMs: input.approval.timeoutMs,
      // A task acts as the assignment's identity: nobody's silence starts one.
      onTimeout: "skip",
    };
    decision = yield* callOrchestration(context, approvalWorkflow, request, approvalInstanceId(instanceId));
  }
  yield* call(context, remediationActivities.recordAudit, { ...audit, stage: "approval", approval: decision }, RETRY);

  const approved = new Set(
    (decision.outcome === "approved" && decision.approvedAll ? unique.map((row) => row.resourceId) : decision.approvedResourceIds).map(
      (id) => id.toLowerCase(),
    ),
  );
  const result: PolicyRemediationResult = {
    policy: input.policy,
    approval: decision,
    tasks: [],
    counts: { applied: 0, "already-done": 0, skipped: 0, failed: 0 },
  };
  const outcomes: RemediationOutcome[] = [];
  const notApproved = unique
    .filter((row) => !approved.has(row.resourceId.toLowerCase()))
    .map((row): RemediationOutcome => ({
      resourceId: row.resourceId,
      policy: input.policy,
      action: AZURE_POLICY_REMEDIATION,
      outcome: "skipped",
      guard: "approval",
      reason: `not approved: ${decision.reason}`,
    }));
  outcomes.push(...notApproved);

  const interval = input.pollIntervalMs ?? POLL_INTERVAL_MS;
  const maxWait = input.maxWaitMs ?? MAX_WAIT_MS;
  for (const [index, planned] of input.tasks.entries()) {
    const resourceIds = planned.resourceIds.filter((id) => approved.has(id.toLowerCase()));
    if (resourceIds.length === 0) continue;
    context.df.setCustomStatus({ stage: "starting-task", policy: input.policy, task: index });
    const started = yield* call(
      context,
      policyRemediationActivities.startPolicyRemediation,
      {
        instanceId,
        policy: input.policy,
        assignmentId: input.assignmentId,
        task: { ...planned, resourceIds },
        index,
        approvedBy: decision.decidedBy,
        trigger: input.trigger,
      } satisfies StartTaskInput,
      RETRY,
    );
    outcomes.push(...started.outcomes);
    if (!started.task) continue;
    const task = started.task;
    let polled: PolledTask = { status: task.status, ended: false };
    const deadline = context.df.currentUtcDateTime.getTime() + maxWait;
    while (polled.outcomes === undefined) {
      const final = context.df.currentUtcDateTime.getTime() + interval > deadline;
      const next = new Date(context.df.currentUtcDateTime.getTime() + interval);
      context.df.setCustomStatus({
        stage: "task-running",
        policy: input.policy,
        task: task.name,
        state: polled.status.provisioningState,
        until: next.toISOString(),
      });
      yield context.df.createTimer(next);
      polled = yield* call(
        context,
        policyRemediationActivities.pollPolicyRemediation,
        {
          instanceId,
          policy: input.policy,
          task: { name: task.name, referenceId: task.referenceId, resourceIds: task.resourceIds },
          final,
        } satisfies PollTaskInput,
        RETRY,
      );
    }
    outcomes.push(...polled.outcomes);
    result.tasks.push({
      name: task.name,
      referenceId: task.referenceId,
      resources: task.resourceIds.length,
      provisioningState: polled.status.provisioningState,
    });
  }
  const merged = byResource(outcomes);
  if (merged.length > 0) yield* call(context, remediationActivities.recordAudit, { ...audit, stage: "outcome", outcomes: merged }, RETRY);
  for (const outcome of merged) result.counts[outcome.outcome] += 1;
  context.df.setCustomStatus({ stage: "done", policy: input.policy, counts: result.counts });
  return result;
}

export const policyRemediation = registerOrchestration(ORCHESTRATIONS.policyRemediation, policyRemediationOrchestrator);
