/**
 * The shape every remediation shares: plan → approval (if the policy requires it) → apply per
 * resource, fanned out with failures isolated → verify → record. One instance per policy and
 * scope (see `remediationInstanceId`). The orchestrator only sequences: activities do the I/O,
 * and each of them re-reads the resource and re-checks the guards before changing anything.
 *
 * Nothing it passes on grows with the estate: a plan of more than `PLAN_CHUNK` resources waits in
 * the plan store (`input.plan`, shared/remediation/planStore.ts) and is carried out by
 * `remediateChunk` sub-orchestrations of at most `PLAN_CHUNK` resources each, which read their
 * chunk, apply, verify, record and (off-hours policies) start again. The approval still asks once
 * for the whole plan, showing its first chunk and the totals. The result keeps the counts of
 * every chunk and at most `MAX_RESULT_OUTCOMES` outcomes; every outcome is in the audit trail.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { undoneBy } from "../shared/actions/index.ts";
import type { RemediationOutcome } from "../shared/remediation/types.ts";
import type { ActionSpec, ApprovalSpec } from "../shared/policy/types.ts";
import { approval as approvalWorkflow, type ApprovalDecision, type ApprovalInput } from "./approval.ts";
import { PLAN_CHUNK, plannedCount } from "../shared/remediation/chunks.ts";
import type { PlannedChange, PlanRef } from "../shared/remediation/planStore.ts";
import { remediationActivities, type ScheduleStart } from "./activities/remediation.activities.ts";
import {
  activityTask,
  all,
  call,
  callOrchestration,
  orchestrationTask,
  registerOrchestration,
  resultOf,
  type TaskOf,
  wait,
} from "./calls.ts";
import { approvalInstanceId, ORCHESTRATIONS, remediationChunkInstanceId } from "./names.ts";

/** Outcomes a remediation's result lists at most (failed ones first); the counts cover every one. */
export const MAX_RESULT_OUTCOMES = 200;

export interface RemediateInput {
  policy: string;
  action: ActionSpec;
  approval?: ApprovalSpec;
  /** Approves the whole plan without asking (the CLI's --auto-approve, for demos and tests). */
  autoApprove?: boolean;
  /** The plan itself, when small (at most `PLAN_CHUNK` resources is what stays bounded); empty when `plan` says where it is. */
  resources: PlannedChange[];
  /** A large plan, in the plan store (see `stagePlan`): read chunk by chunk. */
  plan?: PlanRef;
  /** What started the workflow; `creator` (from an event's claims) only for a tag action that takes the owner from the event. */
  trigger: { type: "event" | "timer" | "budget-alert" | "cli" | "manual"; id?: string; creator?: string };
  /** Off-hours policies: start what was stopped again when its schedule window begins. */
  restartAtScheduleStart?: boolean;
}

export interface RemediateResult {
  policy: string;
  action: string;
  approval: ApprovalDecision;
  /** Every outcome for a plan of one chunk; for larger plans at most MAX_RESULT_OUTCOMES, failed first. */
  outcomes: RemediationOutcome[];
  /** Outcomes left out of `outcomes` (they are in the audit trail and in each chunk's result). */
  omittedOutcomes?: number;
  /** Off-hours policies: the starts at the beginning of each resource's schedule window. */
  restarts?: RemediationOutcome[];
  counts: Record<RemediationOutcome["outcome"], number>;
  /** The chunk sub-orchestrations that carried the plan out. */
  chunks: Array<{ instanceId: string; resources: number; counts: RemediateResult["counts"] }>;
}

/** One chunk of a plan: its resources, or where to read them. */
export interface RemediateChunkInput {
  parentInstanceId: string;
  policy: string;
  action: ActionSpec;
  trigger: RemediateInput["trigger"];
  source: { resources: PlannedChange[] } | { planId: string; chunk: number };
  approval: ApprovalDecision;
  restartAtScheduleStart?: boolean;
}

export interface RemediateChunkResult {
  resources: number;
  outcomes: RemediationOutcome[];
  restarts?: RemediationOutcome[];
  counts: RemediateResult["counts"];
  restartCounts?: RemediateResult["counts"];
}

/** Activities retry on thrown errors only: Azure failures come back as `failed` outcomes. */
const RETRY = new df.RetryOptions(2_000, 3);

function emptyCounts(): RemediateResult["counts"] {
  return { applied: 0, "already-done": 0, skipped: 0, failed: 0 };
}

function counts(outcomes: RemediationOutcome[]): RemediateResult["counts"] {
  const result = emptyCounts();
  for (const outcome of outcomes) result[outcome.outcome] += 1;
  return result;
}

function add(total: RemediateResult["counts"], more: RemediateResult["counts"]): void {
  for (const key of Object.keys(total) as Array<keyof RemediateResult["counts"]>) total[key] += more[key];
}

/** The chunks of a plan, each no larger than PLAN_CHUNK. */
export function chunkSources(input: RemediateInput): RemediateChunkInput["source"][] {
  if (input.plan) return Array.from({ length: input.plan.chunks }, (_, chunk) => ({ planId: input.plan?.id as string, chunk }));
  const resources = input.resources;
  const sources: RemediateChunkInput["source"][] = [];
  for (let start = 0; start < resources.length; start += PLAN_CHUNK)
    sources.push({ resources: resources.slice(start, start + PLAN_CHUNK) });
  return sources;
}

export { plannedCount };

/**
 * Task.all gives up at the first failure: the others are waited for each on its own, and a
 * failed one is reported through `onFailure` instead of failing the caller.
 */
function* settle<T>(
  context: OrchestrationContext,
  tasks: Array<TaskOf<T>>,
  onFailure: (index: number, error: unknown) => T,
): Generator<Task, T[], unknown> {
  if (tasks.length === 0) return [];
  try {
    return yield* all(context, tasks);
  } catch {
    const results: T[] = [];
    for (const [index, task] of tasks.entries()) {
      try {
        results.push(task.isCompleted && !task.isFaulted ? resultOf(task) : yield* wait(task));
      } catch (error) {
        results.push(onFailure(index, error));
      }
    }
    return results;
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Exported for a later version's orchestrator to keep these steps for its instances (see versions.ts). */
export function* remediateOrchestrator(context: OrchestrationContext, input: RemediateInput): Generator<Task, RemediateResult, unknown> {
  const instanceId = context.df.instanceId;
  const total = plannedCount(input);
  const sources = chunkSources(input);
  context.df.setCustomStatus({ stage: "planned", policy: input.policy, resources: total });
  const audit = { instanceId, policy: input.policy, action: input.action.type, trigger: input.trigger };
  yield* settle(
    context,
    sources.map((source) =>
      activityTask(
        context,
        remediationActivities.recordAudit,
        "resources" in source ? { ...audit, stage: "plan", resources: source.resources } : { ...audit, stage: "plan", plan: source },
        RETRY,
      ),
    ),
    () => undefined,
  );

  let approval: ApprovalDecision;
  if (input.approval?.required && !input.autoApprove) {
    // The request shows the first chunk and the totals of the whole plan: asked once, whatever its size.
    const first = sources[0];
    const preview: PlannedChange[] =
      first === undefined
        ? []
        : "resources" in first
          ? first.resources
          : yield* call(context, remediationActivities.loadPlanChunk, first, RETRY);
    const request: ApprovalInput = {
      policy: input.policy,
      action: input.action.type,
      resources: preview,
      ...(total > preview.length ? { total: { resources: total, estimatedMonthlySavings: input.plan?.estimatedMonthlySavings ?? 0 } } : {}),
      approvers: input.approval.approvers,
      escalation: input.approval.escalation,
      timeoutMs: input.approval.timeoutMs,
      onTimeout: input.approval.onTimeout,
    };
    approval = yield* callOrchestration(context, approvalWorkflow, request, approvalInstanceId(instanceId));
  } else {
    approval = {
      outcome: "approved",
      approvedAll: true,
      // The ids of a plan that travels inline; a staged plan is approved whole.
      approvedResourceIds: input.resources.map((resource) => resource.resourceId),
      decidedBy: input.autoApprove ? "auto-approve" : "policy (no approval required)",
      reason: input.autoApprove ? "approved without asking (--auto-approve)" : "the policy requires no approval",
    };
  }
  yield* call(context, remediationActivities.recordAudit, { ...audit, stage: "approval", approval }, RETRY);

  context.df.setCustomStatus({ stage: "applying", policy: input.policy, chunks: sources.length });
  const chunkIds = sources.map((_, index) => remediationChunkInstanceId(instanceId, index));
  const chunkResults = yield* settle<RemediateChunkResult>(
    context,
    sources.map((source, index) =>
      orchestrationTask(
        context,
        remediateChunk,
        {
          parentInstanceId: instanceId,
          policy: input.policy,
          action: input.action,
          trigger: input.trigger,
          source,
          approval,
          ...(input.restartAtScheduleStart ? { restartAtScheduleStart: true } : {}),
        },
        remediationChunkInstanceId(instanceId, index),
      ),
    ),
    // A chunk's orchestration does not fail on a resource's failure; one failing for another reason is reported, not propagated.
    (index, error) => {
      const source = sources[index];
      const resources = source && "resources" in source ? source.resources.length : PLAN_CHUNK;
      return {
        resources,
        outcomes: [],
        counts: { ...emptyCounts(), failed: resources },
        failure: errorText(error),
      } as RemediateChunkResult;
    },
  );

  const result: RemediateResult = {
    policy: input.policy,
    action: input.action.type,
    approval,
    outcomes: [],
    counts: emptyCounts(),
    chunks: chunkResults.map((chunk, index) => ({
      instanceId: chunkIds[index] as string,
      resources: chunk.resources,
      counts: chunk.counts,
    })),
  };
  const all = chunkResults.flatMap((chunk) => chunk.outcomes);
  for (const chunk of chunkResults) add(result.counts, chunk.counts);
  if (all.length <= MAX_RESULT_OUTCOMES) result.outcomes = all;
  else {
    result.outcomes = [
      ...all.filter((outcome) => outcome.outcome === "failed"),
      ...all.filter((outcome) => outcome.outcome !== "failed"),
    ].slice(0, MAX_RESULT_OUTCOMES);
    result.omittedOutcomes = all.length - MAX_RESULT_OUTCOMES;
  }
  if (input.restartAtScheduleStart) {
    const restarts = chunkResults.flatMap((chunk) => chunk.restarts ?? []);
    result.restarts = restarts.slice(0, MAX_RESULT_OUTCOMES);
  }
  // Every chunk has read its part (and waited for its restarts): the staged plan is no longer needed.
  if (input.plan) yield* call(context, remediationActivities.dropPlan, { planId: input.plan.id }, RETRY);
  context.df.setCustomStatus({ stage: "done", policy: input.policy, counts: result.counts });
  return result;
}

/** One chunk of a plan: read it, apply what was approved, verify, record, and start again what a schedule policy stopped. */
function* remediateChunkOrchestrator(
  context: OrchestrationContext,
  input: RemediateChunkInput,
): Generator<Task, RemediateChunkResult, unknown> {
  const instanceId = input.parentInstanceId;
  const approval = input.approval;
  const audit = { instanceId, policy: input.policy, action: input.action.type, trigger: input.trigger };
  const resources =
    "resources" in input.source ? input.source.resources : yield* call(context, remediationActivities.loadPlanChunk, input.source, RETRY);

  const approvedIds = new Set(approval.approvedResourceIds.map((id) => id.toLowerCase()));
  const isApproved = (id: string): boolean =>
    (approval.approvedAll === true && approval.outcome === "approved") || approvedIds.has(id.toLowerCase());
  context.df.setCustomStatus({ stage: "applying", policy: input.policy, resources: resources.length });
  const toApply = resources.filter((resource) => isApproved(resource.resourceId));
  const applied = yield* settle<RemediationOutcome>(
    context,
    toApply.map((resource) =>
      activityTask(
        context,
        remediationActivities.applyRemediation,
        {
          policy: input.policy,
          action: input.action,
          resourceId: resource.resourceId,
          instanceId,
          trigger: input.trigger,
          approvedBy: approval.decidedBy,
        },
        RETRY,
      ),
    ),
    (index, error) => ({
      resourceId: toApply[index]?.resourceId ?? "unknown",
      policy: input.policy,
      action: input.action.type,
      outcome: "failed",
      reason: `could not carry the change out: ${errorText(error)}`,
      errorCode: "ActivityFailed",
    }),
  );
  const exempted = new Set((approval.exemptedResourceIds ?? []).map((id) => id.toLowerCase()));
  const notApproved: RemediationOutcome[] = resources
    .filter((resource) => !isApproved(resource.resourceId))
    .map((resource) =>
      exempted.has(resource.resourceId.toLowerCase())
        ? {
            resourceId: resource.resourceId,
            action: input.action.type,
            outcome: "skipped",
            guard: "exemption",
            reason: `exempted until ${approval.exemptUntil} by ${approval.decidedBy}`,
          }
        : {
            resourceId: resource.resourceId,
            action: input.action.type,
            outcome: "skipped",
            guard: "approval",
            reason: `not approved: ${approval.reason}`,
          },
    );

  context.df.setCustomStatus({ stage: "verifying", policy: input.policy });
  const verified = applied.length === 0 ? [] : yield* call(context, remediationActivities.verifyRemediation, { outcomes: applied }, RETRY);
  const outcomes = [...verified, ...notApproved];
  yield* call(context, remediationActivities.recordAudit, { ...audit, stage: "outcome", outcomes }, RETRY);
  const result: RemediateChunkResult = { resources: resources.length, outcomes, counts: counts(outcomes) };

  const stopped = verified
    .filter((outcome) => outcome.outcome === "applied" || outcome.outcome === "already-done")
    .map((outcome) => outcome.resourceId);
  // What undoes the policy's action (a start, its module says) runs when each resource's schedule window opens.
  const undo = input.restartAtScheduleStart ? undoneBy(input.action.type) : undefined;
  if (undo !== undefined && stopped.length > 0) {
    const found = yield* call(context, remediationActivities.nextScheduleStarts, { resourceIds: stopped, action: undo }, RETRY);
    const starts = found.filter((start): start is Extract<ScheduleStart, { at: string }> => "at" in start);
    // A schedule that could not be read is that resource's failed start, reported now: the others still sleep until their window.
    const restarts: RemediationOutcome[] = found
      .filter((start): start is Extract<ScheduleStart, { errorCode: string }> => "errorCode" in start)
      .map((start) => ({
        resourceId: start.resourceId,
        policy: input.policy,
        action: undo,
        outcome: "failed",
        reason: start.reason,
        errorCode: start.errorCode,
      }));
    // Durable timers, one per distinct start time, in order: the workflow sleeps until the window opens.
    for (const at of [...new Set(starts.map((start) => start.at))].sort()) {
      context.df.setCustomStatus({ stage: "waiting-for-schedule", policy: input.policy, until: at });
      yield context.df.createTimer(new Date(at));
      const due = starts.filter((start) => start.at === at);
      const restarted = yield* settle<RemediationOutcome>(
        context,
        due.map((start) =>
          activityTask(
            context,
            remediationActivities.applyRemediation,
            {
              policy: input.policy,
              action: { type: undo, args: {} },
              resourceId: start.resourceId,
              instanceId,
              trigger: input.trigger,
              approvedBy: approval.decidedBy,
            },
            RETRY,
          ),
        ),
        (index, error) => ({
          resourceId: due[index]?.resourceId ?? "unknown",
          policy: input.policy,
          action: undo,
          outcome: "failed",
          reason: `could not ${undo} it again: ${errorText(error)}`,
          errorCode: "ActivityFailed",
        }),
      );
      restarts.push(...restarted);
    }
    yield* call(
      context,
      remediationActivities.recordAudit,
      { ...audit, stage: "outcome", step: "restart", action: undo, outcomes: restarts },
      RETRY,
    );
    result.restarts = restarts;
    result.restartCounts = counts(restarts);
  }
  context.df.setCustomStatus({ stage: "done", policy: input.policy, counts: result.counts });
  return result;
}

export const remediate = registerOrchestration(ORCHESTRATIONS.remediate, remediateOrchestrator);
export const remediateChunk = registerOrchestration(ORCHESTRATIONS.remediateChunk, remediateChunkOrchestrator);
