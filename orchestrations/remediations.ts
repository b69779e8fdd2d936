/**
 * From a plan to the workflows that carry it out: one `remediate` instance per policy and run,
 * with the findings Governor would act on. Pure, so every trigger (CLI, timers, events, budget
 * alerts) starts workflows the same way.
 */
import { undoneBy } from "../shared/actions/index.ts";
import type { Evaluation } from "../shared/policy/evaluate.ts";
import { filtersOf } from "../shared/policy/conditions.ts";
import type { Condition, PolicySet } from "../shared/policy/types.ts";
import { remediationInstanceId } from "./names.ts";
import type { RemediateInput } from "./remediate.ts";

/** Whether a filter of the policy reads the off-hours schedule, negated or not: then what undoes its action (a start) runs when the schedule starts. */
export function usesOffHours(conditions: Condition[]): boolean {
  return filtersOf(conditions).some((condition) => condition.filter === "off-hours");
}

export interface RemediationStart {
  instanceId: string;
  input: RemediateInput;
}

export function remediationsFor(
  evaluation: Evaluation,
  set: PolicySet,
  options: { scope: string; trigger: RemediateInput["trigger"]; autoApprove?: boolean },
): RemediationStart[] {
  const starts: RemediationStart[] = [];
  for (const policy of set.policies) {
    const findings = evaluation.findings.filter(
      (finding) =>
        finding.policy === policy.name &&
        (finding.verdict === "remediate" || finding.verdict === "needs-approval") &&
        finding.effect !== "none",
    );
    if (findings.length === 0) continue;
    const input: RemediateInput = {
      policy: policy.name,
      action: policy.action,
      trigger: options.trigger,
      resources: findings.map((finding) => ({
        resourceId: finding.resourceId,
        resourceName: finding.resourceName,
        reason: finding.reason,
        estimatedMonthlySavings: finding.estimatedMonthlySavings,
      })),
    };
    if (policy.approval) input.approval = policy.approval;
    if (usesOffHours(policy.when) && undoneBy(policy.action.type) !== undefined) input.restartAtScheduleStart = true;
    if (options.autoApprove) input.autoApprove = true;
    starts.push({ instanceId: remediationInstanceId(policy.name, options.scope), input });
  }
  return starts;
}
