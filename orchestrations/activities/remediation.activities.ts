/**
 * The activities of the remediation workflows: all their I/O. Each reads the app settings at
 * every call (the kill switch and dry-run are checked when acting, not only when a workflow
 * starts); clients are made once per process and settings, and the policies come from the app's
 * policy source, which follows a replaced policy blob (shared/policy/source.ts).
 */
import { type AuditRecord, GOVERNOR_ACTOR } from "../../shared/audit/record.ts";
import { openAuditTrail } from "../../shared/audit/storage.ts";
import type { AuditTrail } from "../../shared/audit/trail.ts";
import { subscriptionOfId } from "../../shared/azure/resourceId.ts";
import type { AzureTarget } from "../../shared/azure/target.ts";
import { platformOf } from "../../shared/platform.ts";
import { now } from "../../shared/clock.ts";
import { type GovernorConfig, loadConfig } from "../../shared/config.ts";
import { readResource, readResourceGroup } from "../../shared/inventory/readResource.ts";
import { inheritedTag } from "../../shared/policy/environment.ts";
import { nextScheduleStart, parseSchedule } from "../../shared/time/schedule.ts";
import { appPolicies } from "../../shared/policy/appSource.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import type { PolicySet } from "../../shared/policy/types.ts";
import { remediationAlert } from "../../shared/notifications/alerts.ts";
import { sendNotification } from "../../shared/notifications/send.ts";
import { actionModule } from "../../shared/actions/index.ts";
import { applyRemediation } from "../../shared/remediation/apply.ts";
import {
  azureFailure,
  type RemediationOptions,
  remediationTarget,
  type ResolvedOptions,
  resolveOptions,
  retryingRead,
} from "../../shared/remediation/executor.ts";
import { createLimiter, mapLimit } from "../../shared/inventory/concurrency.ts";
import type { RemediationOutcome, RemediationRequest } from "../../shared/remediation/types.ts";
import { appPlanStore, type PlannedChange } from "../../shared/remediation/planStore.ts";
import type { ApprovalDecision } from "../approval.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import type { RemediateInput } from "../remediate.ts";

interface Loaded {
  /** The deployment's own subscription. */
  target: AzureTarget;
  /** Every governed subscription's, the deployment's first. */
  targets: AzureTarget[];
  trail: AuditTrail;
}

/** A resource's subscription's target, when Governor governs that subscription; it never acts elsewhere. */
export function targetOf(targets: readonly AzureTarget[], resourceId: string): AzureTarget {
  const subscription = subscriptionOfId(resourceId)?.toLowerCase();
  const found = targets.find((target) => target.subscriptionId.toLowerCase() === subscription);
  if (!found)
    throw new Error(`${resourceId} is not in a governed subscription (${targets.map((target) => target.subscriptionId).join(", ")})`);
  return found;
}

let loaded: { key: string; value: Promise<Loaded> } | undefined;

export async function dependencies(): Promise<Loaded & { config: GovernorConfig; policySet: PolicySet }> {
  const config = loadConfig(process.env);
  const key = JSON.stringify([config.subscriptions, config.emulator?.armEndpoint, config.auditTable, process.env.AzureWebJobsStorage]);
  if (loaded?.key !== key) {
    const value = (async (): Promise<Loaded> => {
      const platform = platformOf(config);
      const targets = await Promise.all(config.subscriptions.map((id) => platform.target(id)));
      return { target: targets[0] as AzureTarget, targets, trail: await openAuditTrail(process.env, { table: config.auditTable }) };
    })();
    loaded = { key, value };
    // A failed load is not kept: the next call tries again.
    value.catch(() => {
      if (loaded?.value === value) loaded = undefined;
    });
  }
  const [clients, policySet] = await Promise.all([loaded.value, appPolicies(config)]);
  return { ...clients, policySet, config };
}

/** The pace of polls and retries the platform sets: in Azure, Retry-After sets it. */
function remediationOptions(config: GovernorConfig): RemediationOptions | undefined {
  return platformOf(config).remediation;
}

/** Reads around a change in flight at once within one activity: ARM's read budget is shared by the subscription. */
const READ_CONCURRENCY = 8;

/** A failure of one resource as its outcome, with Azure's error code: never an exception that fails the workflow. */
export function failedOutcome(
  base: Pick<RemediationOutcome, "resourceId" | "action"> & Partial<RemediationOutcome>,
  error: unknown,
  doing: string,
): RemediationOutcome {
  const failure = azureFailure(error);
  const code = failure.code === "Error" && error instanceof Error && error.name !== "Error" ? error.name : failure.code;
  return { ...base, outcome: "failed", reason: `${doing}: ${code}: ${failure.message}`, errorCode: code };
}

async function applyRemediationActivity(request: RemediationRequest): Promise<RemediationOutcome> {
  try {
    const { targets, config, policySet, trail } = await dependencies();
    const options = remediationOptions(config);
    return await applyRemediation(request, {
      target: targetOf(targets, String(request?.resourceId ?? "")),
      config,
      policySet,
      trail,
      registry: builtinRegistry(),
      now,
      ...(options ? { options } : {}),
    });
  } catch (error) {
    // Even a malformed request or a broken dependency is this resource's outcome: the others go on.
    return failedOutcome(
      {
        resourceId: String(request?.resourceId ?? "unknown"),
        action: String(request?.action?.type ?? "unknown"),
        ...(typeof request?.policy === "string" ? { policy: request.policy } : {}),
      },
      error,
      "could not carry the change out",
    );
  }
}

async function readsOptions(): Promise<ResolvedOptions> {
  const { config } = await dependencies();
  return resolveOptions(remediationOptions(config));
}

/**
 * Re-reads each resource an action was applied to and checks that Azure shows what its module
 * says the change leaves (a power state, or no resource). Each read is retried like every other
 * (throttling, 5xx, `Retry-After`), a few at a time; one that still fails is that resource's
 * `failed` outcome with Azure's error code.
 */
async function verifyRemediationActivity(input: { outcomes: RemediationOutcome[] }): Promise<RemediationOutcome[]> {
  const { targets } = await dependencies();
  const options = await readsOptions();
  return mapLimit(input.outcomes, createLimiter(READ_CONCURRENCY), async (outcome): Promise<RemediationOutcome> => {
    if (outcome.outcome !== "applied") return outcome;
    // Without `leaves`, the executor's own read after Azure said it was done is the evidence.
    const leaves = actionModule(outcome.action)?.leaves;
    if (leaves === undefined) return outcome;
    const shows = (state: { exists: boolean; powerState?: string } | undefined): boolean =>
      "powerState" in leaves ? state?.exists === true && state.powerState === leaves.powerState : state?.exists !== true;
    // The change was verified by a read made after Azure said it was done (`after`): that read is the evidence, not read twice.
    if (outcome.after !== undefined && shows(outcome.after)) return outcome;
    let fresh: Awaited<ReturnType<typeof readResource>>;
    try {
      fresh = await retryingRead(() => readResource(remediationTarget(targetOf(targets, outcome.resourceId)), outcome.resourceId), options);
    } catch (error) {
      return failedOutcome(outcome, error, "verification: could not read the resource again");
    }
    if (
      shows(
        fresh === undefined
          ? { exists: false }
          : { exists: true, ...(fresh.powerState === undefined ? {} : { powerState: fresh.powerState }) },
      )
    )
      return outcome;
    return {
      ...outcome,
      outcome: "failed",
      reason:
        "powerState" in leaves
          ? `verification: power state is ${fresh?.powerState ?? "unknown"}, expected ${leaves.powerState}`
          : `verification: ${outcome.resourceId} still exists after ${outcome.action}`,
      errorCode: "VerificationFailed",
    };
  });
}

type AuditStage =
  | ({ stage: "plan"; instanceId: string; resources: PlannedChange[] } & Pick<RemediateInput, "policy" | "trigger"> & { action: string })
  | ({ stage: "approval"; instanceId: string; approval: ApprovalDecision } & Pick<RemediateInput, "policy" | "trigger"> & {
        action: string;
      })
  | ({ stage: "outcome"; instanceId: string; outcomes: RemediationOutcome[] } & Pick<RemediateInput, "policy" | "trigger"> & {
        action: string;
        /** A later step's outcomes on the same resources (the restart at the schedule's start): their own ids. */
        step?: "restart";
      });

/** Audit records of one stage, with ids derived from the instance and the step: a retried activity records once. */
export function auditRecords(input: AuditStage, at: string): AuditRecord[] {
  // The audit trail keeps what started the workflow (type, id); the creator a tag action may carry is the change's, not the trigger's.
  const trigger = { type: input.trigger.type, ...(input.trigger.id === undefined ? {} : { id: input.trigger.id }) };
  const base = { at, policy: input.policy, action: input.action, instanceId: input.instanceId, trigger };
  switch (input.stage) {
    case "plan":
      return input.resources.map((resource) => ({
        ...base,
        id: `${input.instanceId}:plan:${resource.resourceId.toLowerCase()}`,
        kind: "decision",
        resourceId: resource.resourceId,
        reason: resource.reason,
        actor: GOVERNOR_ACTOR,
        details: { estimatedMonthlySavings: resource.estimatedMonthlySavings },
      }));
    case "approval": {
      const person = !/^(governor|policy|auto-approve)/.test(input.approval.decidedBy);
      return [
        {
          ...base,
          id: `${input.instanceId}:approval`,
          kind: "approval",
          reason: `${input.approval.outcome}: ${input.approval.reason}`,
          actor: person ? { type: "person", id: input.approval.decidedBy } : GOVERNOR_ACTOR,
          details: {
            approvedResourceIds: input.approval.approvedResourceIds,
            ...(input.approval.exemptedResourceIds === undefined
              ? {}
              : { exemptedResourceIds: input.approval.exemptedResourceIds, exemptUntil: input.approval.exemptUntil ?? null }),
          },
        },
      ];
    }
    case "outcome":
      return input.outcomes.map((outcome) => ({
        ...base,
        id: `${input.instanceId}:${input.step ?? "outcome"}:${outcome.resourceId.toLowerCase()}`,
        kind: "outcome",
        resourceId: outcome.resourceId,
        outcome: outcome.outcome,
        reason: outcome.reason,
        actor: GOVERNOR_ACTOR,
        details: JSON.parse(
          JSON.stringify({
            guard: outcome.guard,
            errorCode: outcome.errorCode,
            before: outcome.before,
            after: outcome.after,
            attempts: outcome.attempts,
          }),
        ) as AuditRecord["details"],
      }));
  }
}

/** A plan's stage record names the chunk of the plan store it covers rather than carrying it. */
type AuditInput = AuditStage | (Omit<Extract<AuditStage, { stage: "plan" }>, "resources"> & { plan: { planId: string; chunk: number } });

async function recordAuditActivity(input: AuditInput): Promise<{ recorded: number }> {
  const { trail, config } = await dependencies();
  const stage: AuditStage =
    "plan" in input ? { ...input, resources: await (await appPlanStore()).chunk(input.plan.planId, input.plan.chunk) } : input;
  const records = auditRecords(stage, now().toISOString());
  const result = await trail.append(records);
  // Changes that failed are an alert, one per workflow and action: a person looks at them now, not in tomorrow's digest.
  const failed = stage.stage === "outcome" ? stage.outcomes.filter((outcome) => outcome.outcome === "failed") : [];
  if (failed.length > 0)
    await sendNotification(remediationAlert(input.instanceId, input.policy, input.action, failed), {
      config,
      trail,
      trigger: { type: input.trigger.type, ...(input.trigger.id === undefined ? {} : { id: input.trigger.id }) },
    });
  return { recorded: result.recorded.length };
}

export type ScheduleStart = { resourceId: string; at: string } | { resourceId: string; errorCode: string; reason: string };

/**
 * When each resource's schedule window next begins, from its governor-schedule tag (or its
 * resource group's). Reads are retried like every other, a few at a time; a resource whose
 * schedule could not be read says so (its start is then reported failed), the others go on.
 */
async function nextScheduleStartsActivity(input: { resourceIds: string[]; action?: string }): Promise<ScheduleStart[]> {
  const { targets, policySet } = await dependencies();
  const options = await readsOptions();
  const settings = policySet.settings;
  const starts = await mapLimit(
    input.resourceIds,
    createLimiter(READ_CONCURRENCY),
    async (resourceId): Promise<ScheduleStart | undefined> => {
      let tag: string | undefined;
      try {
        const target = remediationTarget(targetOf(targets, resourceId));
        const resource = await retryingRead(() => readResource(target, resourceId), options);
        if (!resource) return undefined;
        const group = await retryingRead(() => readResourceGroup(target, resource.resourceGroup), options);
        tag = inheritedTag(resource, settings.tags.schedule, {
          inventory: {
            subscriptionId: target.subscriptionId,
            resources: [],
            resourceGroups: group ? { [group.name.toLowerCase()]: group } : {},
          },
        }).value;
      } catch (error) {
        const failed = failedOutcome({ resourceId, action: input.action ?? "start" }, error, "could not read the schedule");
        return { resourceId, errorCode: failed.errorCode ?? "Error", reason: failed.reason };
      }
      if (tag === undefined) return undefined;
      try {
        const at = nextScheduleStart(parseSchedule(tag), now(), settings.holidays);
        return at ? { resourceId, at: at.toISOString() } : undefined;
      } catch {
        // An unreadable schedule never stopped anything (the off-hours filter answers unknown), so there is nothing to start.
        return undefined;
      }
    },
  );
  return starts.filter((start): start is ScheduleStart => start !== undefined);
}

/** The handles the remediation workflows call these activities by. */
export const remediationActivities = {
  applyRemediation: registerActivity(ACTIVITIES.applyRemediation, applyRemediationActivity),
  verifyRemediation: registerActivity(ACTIVITIES.verifyRemediation, verifyRemediationActivity),
  recordAudit: registerActivity(ACTIVITIES.recordAudit, recordAuditActivity),
  dropPlan: registerActivity(ACTIVITIES.dropPlan, async ({ planId }: { planId: string }): Promise<number> =>
    (await appPlanStore()).drop(planId),
  ),
  loadPlanChunk: registerActivity(
    ACTIVITIES.loadPlanChunk,
    async ({ planId, chunk }: { planId: string; chunk: number }): Promise<PlannedChange[]> => (await appPlanStore()).chunk(planId, chunk),
  ),
  nextScheduleStarts: registerActivity(ACTIVITIES.nextScheduleStarts, nextScheduleStartsActivity),
};
