/**
 * The activities of Azure Policy remediation tasks Governor starts: create a task over the
 * resources that still pass Governor's checks on a fresh read, and read a running task (and, once
 * it has ended, each resource's deployment). Acting is off under the kill switch and dry-run, as
 * for Governor's own changes.
 */
import { type AuditRecord, GOVERNOR_ACTOR, TRIGGER_TYPES, type TriggerType } from "../../shared/audit/record.ts";
import { subscriptionKeyOf } from "../../shared/azure/resourceId.ts";
import type { AzureTarget } from "../../shared/azure/target.ts";
import { governorAssignmentId } from "../../shared/azurePolicy/names.ts";
import { now } from "../../shared/clock.ts";
import { platformOf } from "../../shared/platform.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { applyRemediation } from "../../shared/remediation/apply.ts";
import { resolveOptions, retryingRead } from "../../shared/remediation/executor.ts";
import type { RemediationOutcome } from "../../shared/remediation/types.ts";
import { createLimiter, mapLimit } from "../../shared/inventory/concurrency.ts";
import {
  AZURE_POLICY_REMEDIATION,
  createRemediationTask,
  readRemediationTask,
  remediationTaskDeployments,
  remediationTaskName,
  TASK_TERMINAL,
  taskOutcomes,
} from "../../shared/azurePolicy/remediationTasks.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import type { PolledTask, PollTaskInput, StartedTask, StartTaskInput } from "../policyRemediation.ts";
import { dependencies, failedOutcome, targetOf } from "./remediation.activities.ts";

/** Re-reads of a task's resources at once: ARM's read budget is shared by the subscription. */
const READ_CONCURRENCY = 8;

const outcomeOf = (input: { policy: string }, resourceId: string, rest: Omit<RemediationOutcome, "resourceId" | "policy" | "action">) => ({
  resourceId,
  policy: input.policy,
  action: AZURE_POLICY_REMEDIATION,
  ...rest,
});

/** A task lives in the subscription of its resources (all of one: `handOver`), for that subscription's assignment. */
function taskTarget(targets: readonly AzureTarget[], task: { resourceIds: readonly string[] }): AzureTarget {
  const [first] = task.resourceIds;
  if (first === undefined) throw new Error("a remediation task without resources");
  return targetOf(targets, first);
}

/** The workflow's assignment for a task of the home subscription; another governed subscription's own otherwise. */
function assignmentOf(target: AzureTarget, input: Pick<StartTaskInput, "assignmentId">): string {
  return subscriptionKeyOf(input.assignmentId) === target.subscriptionId.toLowerCase()
    ? input.assignmentId
    : governorAssignmentId(target.subscriptionId);
}

/**
 * Each resource read again and checked as Governor's own change of it would be (the policy's
 * conditions and every guard, on ARM's answer now), through `applyRemediation` in dry-run: a
 * resource it would change goes into the task; any other is left out with the reason it gives.
 */
async function startPolicyRemediationActivity(input: StartTaskInput): Promise<StartedTask> {
  const { targets, config, policySet, trail } = await dependencies();
  const ids = input.task.resourceIds;
  const target = taskTarget(targets, input.task);
  const assignmentId = assignmentOf(target, input);
  const name = remediationTaskName(input.instanceId, input.task.referenceId, input.index);
  const wouldHave = `started Azure Policy remediation task ${name} of ${input.task.referenceId}`;
  const all = (guard: string, reason: string): StartedTask => ({
    outcomes: ids.map((resourceId) => outcomeOf(input, resourceId, { outcome: "skipped", guard, reason })),
  });
  if (config.killSwitch) return all("kill-switch", `kill switch on: would have ${wouldHave}; nothing changed`);
  if (config.dryRun || policySet.settings.dryRun) return all("dry-run", `dry-run: would have ${wouldHave}; nothing changed`);
  const policy = policySet.policies.find((candidate) => candidate.name === input.policy);
  if (!policy?.azurePolicyRemediation)
    return all(
      "policy",
      policy
        ? `${policy.name} no longer hands resources to Azure Policy (azurePolicyRemediation is off)`
        : `policy ${input.policy} is no longer in the policy set`,
    );

  const options = platformOf(config).remediation;
  const checks = await mapLimit(ids, createLimiter(READ_CONCURRENCY), (resourceId) =>
    applyRemediation(
      {
        policy: policy.name,
        action: policy.action,
        resourceId,
        instanceId: input.instanceId,
        trigger: input.trigger,
        approvedBy: input.approvedBy,
      },
      {
        target,
        config: { killSwitch: false, dryRun: true },
        policySet,
        trail,
        registry: builtinRegistry(),
        now,
        ...(options ? { options } : {}),
      },
    ).catch((error: unknown) => failedOutcome({ resourceId, action: AZURE_POLICY_REMEDIATION }, error, "could not check it again")),
  );
  // Dry-run's skip is the check passing: every guard let the change through, only dry-run held it.
  const passes = (check: RemediationOutcome): boolean => check.outcome === "skipped" && check.guard === "dry-run";
  const passing = checks.filter(passes).map((check) => check.resourceId);
  const outcomes = checks
    .filter((check) => !passes(check))
    .map((check) =>
      outcomeOf(input, check.resourceId, {
        outcome: check.outcome,
        reason: `not handed to Azure Policy: ${check.reason}`,
        ...(check.guard === undefined ? {} : { guard: check.guard }),
        ...(check.errorCode === undefined ? {} : { errorCode: check.errorCode }),
      }),
    );
  if (passing.length === 0) return { outcomes };

  const type: TriggerType = (TRIGGER_TYPES as readonly string[]).includes(input.trigger.type) ? input.trigger.type : "manual";
  const mark: AuditRecord = {
    id: `${input.instanceId}:task:${name}`,
    at: now().toISOString(),
    kind: "action",
    policy: policy.name,
    resourceId: `/subscriptions/${target.subscriptionId}/providers/Microsoft.PolicyInsights/remediations/${name}`,
    action: AZURE_POLICY_REMEDIATION,
    reason: `starting remediation task ${name} of ${input.task.referenceId} (${input.task.effect}) over ${passing.length} resource(s), approved by ${input.approvedBy}`,
    instanceId: input.instanceId,
    trigger: { type, ...(input.trigger.id === undefined ? {} : { id: input.trigger.id }) },
    actor: GOVERNOR_ACTOR,
    details: { referenceId: input.task.referenceId, effect: input.task.effect, resources: passing.length, approvedBy: input.approvedBy },
  };
  const resolved = resolveOptions(options);
  try {
    await retryingRead(() => trail.append([mark]), resolved);
  } catch (error) {
    const reason = "could not mark the task sent in the audit trail, so it was not started";
    return {
      outcomes: [
        ...outcomes,
        ...passing.map((resourceId) => failedOutcome(outcomeOf(input, resourceId, { outcome: "failed", reason }), error, reason)),
      ],
    };
  }
  try {
    // A retried create finds the task already made under its name: one task, whatever the retries.
    const status = await retryingRead(() => createRemediationTask(target, name, assignmentId, input.task.referenceId, passing), resolved);
    return { task: { name, referenceId: input.task.referenceId, resourceIds: passing, status }, outcomes };
  } catch (error) {
    return {
      outcomes: [
        ...outcomes,
        ...passing.map((resourceId) =>
          failedOutcome(
            outcomeOf(input, resourceId, { outcome: "failed", reason: "" }),
            error,
            `could not create remediation task ${name}`,
          ),
        ),
      ],
    };
  }
}

/** The task as Policy Insights says it is now; once it has ended (or the wait has run out), each resource's outcome from its deployment. */
async function pollPolicyRemediationActivity(input: PollTaskInput): Promise<PolledTask> {
  const { targets, config } = await dependencies();
  const target = taskTarget(targets, input.task);
  const resolved = resolveOptions(platformOf(config).remediation);
  const failedAll = (error: unknown, doing: string): RemediationOutcome[] =>
    input.task.resourceIds.map((resourceId) =>
      failedOutcome(outcomeOf(input, resourceId, { outcome: "failed", reason: "" }), error, doing),
    );
  let status;
  try {
    status = await retryingRead(() => readRemediationTask(target, input.task.name), resolved);
  } catch (error) {
    // A task that cannot be read is waited for like a running one, until the wait runs out.
    const unknown = { name: input.task.name, id: input.task.name, provisioningState: "Unknown", total: 0, succeeded: 0, failed: 0 };
    return input.final
      ? { status: unknown, ended: false, outcomes: failedAll(error, `could not read remediation task ${input.task.name}`) }
      : { status: unknown, ended: false };
  }
  const ended = TASK_TERMINAL.has(status.provisioningState.toLowerCase());
  if (!ended && !input.final) return { status, ended };
  try {
    const deployments = await retryingRead(() => remediationTaskDeployments(target, input.task.name), resolved);
    return {
      status,
      ended,
      outcomes: taskOutcomes(input.task, status, deployments, ended).map((outcome) =>
        outcomeOf(input, outcome.resourceId, {
          outcome: outcome.outcome,
          reason: outcome.reason,
          ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
        }),
      ),
    };
  } catch (error) {
    return { status, ended, outcomes: failedAll(error, `could not list the deployments of remediation task ${input.task.name}`) };
  }
}

export const policyRemediationActivities = {
  startPolicyRemediation: registerActivity(ACTIVITIES.startPolicyRemediation, startPolicyRemediationActivity),
  pollPolicyRemediation: registerActivity(ACTIVITIES.pollPolicyRemediation, pollPolicyRemediationActivity),
};
