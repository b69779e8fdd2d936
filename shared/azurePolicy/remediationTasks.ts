/**
 * Azure Policy remediation tasks started by Governor, for a policy with `azurePolicyRemediation`.
 *
 * Which resources a task may touch is Governor's decision, not the task's: a task runs as the
 * assignment's identity and would otherwise change every non-compliant resource of its reference.
 * Governor hands over only the resources that both Azure Policy reports non-compliant with the
 * policy's modify or deploy-if-not-exists reference and Governor's own plan would change (verdict
 * `remediate` or `needs-approval`: past the exemptions, the production guard, the change windows
 * and the caps). Each task names them in `filters.resourceIds`, at most 100, as Policy Insights
 * allows; a resource Governor's guards hold is never in a task. Before a task is created each of
 * its resources is read and checked again (the `startPolicyRemediation` activity), as before any
 * change of Governor's own.
 */
import { createHash } from "node:crypto";
import { policyInsightsClient } from "../azure/clients.ts";
import { subscriptionKeyOf } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { Finding } from "../policy/types.ts";

/** The audit trail's action for a remediation task Governor started. */
export const AZURE_POLICY_REMEDIATION = "azure-policy-remediation";

/** Effects whose non-compliant existing resources a remediation task corrects (lower-case, as Policy Insights reports them). */
export const REMEDIABLE_EFFECTS: ReadonlySet<string> = new Set(["modify", "deployifnotexists"]);

/** Policy Insights' limit on `filters.resourceIds`. */
export const TASK_RESOURCES_MAX = 100;

/** One resource non-compliant with one reference of Governor's assignment, as Policy Insights reports it. */
export interface NonCompliantState {
  resourceId: string;
  referenceId: string;
  /** The reference's effect, lower-case. */
  effect: string;
}

/** A remediation task to ask for: one reference, at most {@link TASK_RESOURCES_MAX} resources, all of one subscription. */
export interface RemediationTaskPlan {
  referenceId: string;
  effect: string;
  resourceIds: string[];
}

/** A policy's hand-over: the tasks, and the resources Azure Policy reports that Governor keeps from them, with why. */
export interface HandOver {
  tasks: RemediationTaskPlan[];
  /** Resources Azure Policy reports non-compliant that no task gets: Governor's guards hold them, or its plan has no change for them. */
  kept: Array<{ resourceId: string; referenceId: string; reason: string }>;
}

const key = (id: string): string => id.toLowerCase();

/**
 * The tasks for one policy: its non-compliant states of remediable references, narrowed to the
 * findings Governor would act on. A resource reported for several references goes into a task of
 * each (each corrects what its own reference is about). A task is created in a subscription, for
 * that subscription's assignment: its resources are all of one subscription.
 */
export function handOver(findings: readonly Finding[], states: readonly NonCompliantState[]): HandOver {
  const byResource = new Map(findings.map((finding) => [key(finding.resourceId), finding]));
  // By reference and subscription.
  const perReference = new Map<string, { referenceId: string; effect: string; resourceIds: string[] }>();
  const kept: HandOver["kept"] = [];
  const seen = new Set<string>();
  for (const state of states) {
    if (!REMEDIABLE_EFFECTS.has(state.effect)) continue;
    const once = `${key(state.referenceId)}|${key(state.resourceId)}`;
    if (seen.has(once)) continue;
    seen.add(once);
    const finding = byResource.get(key(state.resourceId));
    if (finding === undefined) {
      kept.push({ ...pick(state), reason: `Governor's plan has no change for it (its conditions do not match what Governor read)` });
      continue;
    }
    if (finding.verdict !== "remediate" && finding.verdict !== "needs-approval") {
      kept.push({
        ...pick(state),
        reason: finding.verdict === "blocked" ? `held by Governor: ${finding.reason}` : `${finding.verdict}: ${finding.reason}`,
      });
      continue;
    }
    const group = `${state.referenceId}|${subscriptionKeyOf(finding.resourceId) ?? ""}`;
    const entry = perReference.get(group) ?? { referenceId: state.referenceId, effect: state.effect, resourceIds: [] };
    entry.resourceIds.push(finding.resourceId);
    perReference.set(group, entry);
  }
  const tasks: RemediationTaskPlan[] = [];
  for (const [, entry] of [...perReference.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ids = [...entry.resourceIds].sort((a, b) => key(a).localeCompare(key(b)));
    for (let start = 0; start < ids.length; start += TASK_RESOURCES_MAX)
      tasks.push({ referenceId: entry.referenceId, effect: entry.effect, resourceIds: ids.slice(start, start + TASK_RESOURCES_MAX) });
  }
  return { tasks, kept };
}

const pick = (state: NonCompliantState): { resourceId: string; referenceId: string } => ({
  resourceId: state.resourceId,
  referenceId: state.referenceId,
});

/** Every resource a hand-over gives to a task, lower-case: what Governor's own remediation leaves out. */
export function handedOver(tasks: readonly RemediationTaskPlan[]): Set<string> {
  return new Set(tasks.flatMap((task) => task.resourceIds.map(key)));
}

/**
 * A task's name, from the workflow, its reference and its place: a retried activity asks for the
 * same task, which Policy Insights answers with the one already created.
 */
export function remediationTaskName(instanceId: string, referenceId: string, index: number): string {
  const hash = createHash("sha256").update(`${instanceId}|${referenceId}|${index}`, "utf8").digest("hex").slice(0, 16);
  return `governor-${referenceId.replace(/[^A-Za-z0-9-]+/g, "-").slice(0, 40)}-${hash}`;
}

/** Provisioning states a task does not leave (lower-case). */
export const TASK_TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "canceled", "complete"]);

/**
 * The non-compliant states of Governor's assignment for these references, in one paged query.
 * The effect is kept per state: only modify and deploy-if-not-exists references can be remediated.
 */
export async function nonCompliantStates(
  target: AzureTarget,
  assignmentId: string,
  referenceIds: readonly string[],
): Promise<NonCompliantState[]> {
  if (referenceIds.length === 0) return [];
  const wanted = new Set(referenceIds.map(key));
  const client = await policyInsightsClient(target);
  const states: NonCompliantState[] = [];
  const filter = `PolicyAssignmentId eq '${assignmentId}' and ComplianceState eq 'NonCompliant'`;
  for await (const state of client.policyStates.listQueryResultsForSubscription("latest", target.subscriptionId, {
    queryOptions: { filter },
  })) {
    const referenceId = state.policyDefinitionReferenceId ?? "";
    if (state.resourceId === undefined || !wanted.has(key(referenceId))) continue;
    states.push({ resourceId: state.resourceId, referenceId, effect: (state.policyDefinitionAction ?? "").toLowerCase() });
  }
  return states;
}

/** What Governor records of a task: its state, and its deployments' counts. */
export interface TaskStatus {
  name: string;
  id: string;
  provisioningState: string;
  total: number;
  succeeded: number;
  failed: number;
  statusMessage?: string;
}

function statusOf(
  name: string,
  remediation: {
    id?: string;
    provisioningState?: string;
    deploymentStatus?: { totalDeployments?: number; successfulDeployments?: number; failedDeployments?: number };
    statusMessage?: string;
  },
): TaskStatus {
  return {
    name,
    id: remediation.id ?? name,
    provisioningState: remediation.provisioningState ?? "Unknown",
    total: remediation.deploymentStatus?.totalDeployments ?? 0,
    succeeded: remediation.deploymentStatus?.successfulDeployments ?? 0,
    failed: remediation.deploymentStatus?.failedDeployments ?? 0,
    ...(remediation.statusMessage === undefined ? {} : { statusMessage: remediation.statusMessage }),
  };
}

/** Creates the task (or finds the one already created under its name). */
export async function createRemediationTask(
  target: AzureTarget,
  name: string,
  assignmentId: string,
  referenceId: string,
  resourceIds: readonly string[],
): Promise<TaskStatus> {
  const client = await policyInsightsClient(target);
  const created = await client.remediations.createOrUpdateAtSubscription(name, {
    policyAssignmentId: assignmentId,
    policyDefinitionReferenceId: referenceId,
    resourceDiscoveryMode: "ExistingNonCompliant",
    filters: { resourceIds: [...resourceIds] },
  });
  return statusOf(name, created);
}

export async function readRemediationTask(target: AzureTarget, name: string): Promise<TaskStatus> {
  const client = await policyInsightsClient(target);
  return statusOf(name, await client.remediations.getAtSubscription(name));
}

/** One resource's deployment of a task, as Policy Insights lists them. */
export interface TaskDeployment {
  resourceId: string;
  status: string;
  error?: string;
}

/** The task's deployments: which resource each remediated, and how it ended. */
export async function remediationTaskDeployments(target: AzureTarget, name: string): Promise<TaskDeployment[]> {
  const client = await policyInsightsClient(target);
  const deployments: TaskDeployment[] = [];
  for await (const deployment of client.remediations.listDeploymentsAtSubscription(name)) {
    if (deployment.remediatedResourceId === undefined) continue;
    deployments.push({
      resourceId: deployment.remediatedResourceId,
      status: deployment.status ?? "Unknown",
      ...(deployment.error === undefined ? {} : { error: `${deployment.error.code ?? "Error"}: ${deployment.error.message ?? ""}`.trim() }),
    });
  }
  return deployments;
}

/**
 * Each resource's outcome once its task has ended (or its wait has): a resource whose deployment
 * succeeded is applied; one whose deployment failed, or that the task never reached, failed with why.
 */
export function taskOutcomes(
  task: { name: string; referenceId: string; resourceIds: readonly string[] },
  status: TaskStatus,
  deployments: readonly TaskDeployment[],
  ended: boolean,
): Array<{ resourceId: string; outcome: "applied" | "failed"; reason: string; errorCode?: string }> {
  const byResource = new Map(deployments.map((deployment) => [key(deployment.resourceId), deployment]));
  const of = `Azure Policy remediation task ${task.name} (${task.referenceId})`;
  return task.resourceIds.map((resourceId) => {
    const deployment = byResource.get(key(resourceId));
    if (deployment?.status.toLowerCase() === "succeeded")
      return { resourceId, outcome: "applied", reason: `${of}: its deployment succeeded` };
    if (deployment !== undefined)
      return {
        resourceId,
        outcome: "failed",
        reason: `${of}: its deployment ended ${deployment.status}${deployment.error === undefined ? "" : ` (${deployment.error})`}`,
        errorCode: "RemediationDeploymentFailed",
      };
    return {
      resourceId,
      outcome: "failed",
      reason: ended
        ? `${of} ended ${status.provisioningState} without a deployment for it${status.statusMessage ? ` (${status.statusMessage})` : ""}`
        : `${of} was still ${status.provisioningState} when Governor stopped waiting for it`,
      errorCode: ended ? "RemediationNotDeployed" : "RemediationTimedOut",
    };
  });
}
