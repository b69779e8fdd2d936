/**
 * `checkResource`: what an Event Grid resource event starts for the one resource that changed.
 * The resource is evaluated again, on a fresh read, against the policies the event concerns
 * (`evaluateResource`); each policy with a finding Governor would act on is carried out by the
 * same `remediate` workflow the sweeps use (plan → approval if required → apply → verify →
 * record), with the event as its trigger. One instance per resource (`checkInstanceId`): events
 * for a resource whose check is still running find it instead of starting another.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { checkActivities, type EvaluateResourceResult } from "./activities/check.activities.ts";
import { all, call, orchestrationTask, registerOrchestration } from "./calls.ts";
import { checkRemediationInstanceId, ORCHESTRATIONS } from "./names.ts";
import { remediate, type RemediateInput, type RemediateResult } from "./remediate.ts";
import { actionModule } from "../shared/actions/index.ts";

export interface CheckResourceInput {
  resourceId: string;
  /** The policies that care about this kind of resource (the trigger's mapping). */
  policies: string[];
  /** The event that started the check (the earliest, when a delivery had several for this resource). */
  event: { id: string; type: string; time: string; operationName: string };
  /** Who made the change (UPN or name from the event's claims): the owner, for a `tag` action with `creatorFromEvent`. */
  creator?: string;
  /** Other events of the same delivery about this resource, covered by this check. */
  coalescedEventIds?: string[];
}

export interface CheckResourceResult {
  resourceId: string;
  eventId: string;
  exists: boolean;
  /** `policy: reason` of each finding acted on. */
  findings: Array<{ policy: string; verdict: string; reason: string }>;
  /** The remediations started, with their results once all completed. */
  remediations: Array<{ instanceId: string; policy: string; result?: RemediateResult }>;
  notEvaluated: EvaluateResourceResult["notEvaluated"];
  /** When a remediation failed (a programming error: Azure's failures are outcomes): the first failure; each instance keeps its own status and record. */
  failure?: string;
}

const RETRY = new df.RetryOptions(2_000, 3);

/** Only a tag action that takes the owner from the event needs the creator; no other workflow carries it. */
function wantsCreator(remediation: RemediateInput): boolean {
  return actionModule(remediation.action.type)?.needsCreator?.(remediation.action.args) === true;
}

function* checkResourceOrchestrator(
  context: OrchestrationContext,
  input: CheckResourceInput,
): Generator<Task, CheckResourceResult, unknown> {
  const instanceId = context.df.instanceId;
  const trigger: RemediateInput["trigger"] = { type: "event", id: input.event.id };
  context.df.setCustomStatus({ stage: "evaluating", resourceId: input.resourceId, event: input.event.id });
  const evaluation = yield* call(
    context,
    checkActivities.evaluateResource,
    { resourceId: input.resourceId, policies: input.policies, trigger },
    RETRY,
  );

  const result: CheckResourceResult = {
    resourceId: input.resourceId,
    eventId: input.event.id,
    exists: evaluation.exists,
    findings: evaluation.findings.map((finding) => ({ policy: finding.policy, verdict: finding.verdict, reason: finding.reason })),
    remediations: [],
    notEvaluated: evaluation.notEvaluated,
  };
  if (evaluation.remediations.length === 0) {
    context.df.setCustomStatus({ stage: "done", resourceId: input.resourceId, remediations: 0 });
    return result;
  }

  const children = evaluation.remediations.map((remediation) => {
    const withCreator: RemediateInput["trigger"] = { ...trigger, creator: input.creator };
    const childInput: RemediateInput =
      wantsCreator(remediation) && input.creator !== undefined ? { ...remediation, trigger: withCreator } : { ...remediation, trigger };
    return { instanceId: checkRemediationInstanceId(instanceId, input.event.id, remediation.policy), input: childInput };
  });
  context.df.setCustomStatus({ stage: "remediating", resourceId: input.resourceId, policies: children.map((child) => child.input.policy) });
  result.remediations = children.map((child) => ({ instanceId: child.instanceId, policy: child.input.policy }));
  try {
    const results = yield* all(
      context,
      children.map((child) => orchestrationTask(context, remediate, child.input, child.instanceId)),
    );
    result.remediations = children.map((child, index) => ({
      instanceId: child.instanceId,
      policy: child.input.policy,
      result: results[index],
    }));
  } catch (error) {
    // Task.all fails at the first failure; the other remediations still run to their end in their own instances.
    result.failure = error instanceof Error ? error.message : String(error);
  }
  context.df.setCustomStatus({ stage: "done", resourceId: input.resourceId, remediations: children.length });
  return result;
}

export const checkResource = registerOrchestration(ORCHESTRATIONS.checkResource, checkResourceOrchestrator);
