/**
 * The activity of a policy sweep: plan one policy against the subscription, record what it
 * found (every finding, with its verdict and reason: what the daily digest counts), and return
 * the remediation workflow to start when something is actionable.
 */
import { type AuditRecord, GOVERNOR_ACTOR } from "../../shared/audit/record.ts";
import { now } from "../../shared/clock.ts";
import { inventoryProjection, planAcross, type SubscriptionPlan } from "../../shared/planner.ts";
import type { Evaluation } from "../../shared/policy/evaluate.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { inheritedTag } from "../../shared/policy/environment.ts";
import { type NoticeTargets, noticeTargets, notifyAction } from "../../shared/actions/notify.ts";
import type { Finding, Inventory, PolicySet, Settings, Verdict } from "../../shared/policy/types.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES, drillInstanceId, policyRemediationInstanceId } from "../names.ts";
import type { DrillInput } from "../restoreDrill.ts";
import { restoreDrillAction } from "../../shared/actions/restoreDrill.ts";
import { remediationsFor } from "../remediations.ts";
import { plannedCount } from "../../shared/remediation/chunks.ts";
import type { PlanPolicyInput, PolicyPlan } from "../sweep.ts";
import { dependencies } from "./remediation.activities.ts";
import type { AzureTarget } from "../../shared/azure/target.ts";
import { recentUngovernedSubscriptions, ungovernedNote } from "../../shared/inventory/groupSubscriptions.ts";
import { slotInventories } from "../../shared/inventory/slotInventories.ts";
import { appPlanStore, stagePlan } from "../../shared/remediation/planStore.ts";
import { exportAzurePolicy, referencesOf } from "../../shared/azurePolicy/export.ts";
import { exemptionChanges } from "../../shared/azurePolicy/exemptionSync.ts";
import { governorAssignmentId } from "../../shared/azurePolicy/names.ts";
import { handedOver, handOver, type NonCompliantState, nonCompliantStates } from "../../shared/azurePolicy/remediationTasks.ts";
import { MAX_TASKS_PER_SWEEP } from "../policyRemediation.ts";

/** Who a finding's resource belongs to, from its tags (or its resource group's): what the report groups findings by. */
export interface FindingLabels {
  environment?: string;
  owner?: string;
  costCenter?: string;
}

/** The labels of every resource of an inventory, by lower-case id. */
export function labelsOf(inventory: Inventory, settings: Settings): Map<string, FindingLabels> {
  const labels = new Map<string, FindingLabels>();
  for (const resource of inventory.resources) {
    const environment = inheritedTag(resource, settings.tags.environment, { inventory }).value;
    const owner = inheritedTag(resource, settings.tags.owner, { inventory }).value;
    const costCenter = inheritedTag(resource, settings.tags.costCenter, { inventory }).value;
    labels.set(resource.id.toLowerCase(), {
      ...(environment === undefined ? {} : { environment }),
      ...(owner === undefined ? {} : { owner }),
      ...(costCenter === undefined ? {} : { costCenter }),
    });
  }
  return labels;
}

/** Who an owner's notice of a `notify` finding goes to, resolved from the inventory the sweep read. */
export type NoticeTargetsOf = (finding: Finding) => NoticeTargets | undefined;

/** What the sweep read besides the findings: the resources' labels, and the notices' recipients. */
export interface FindingContext {
  labels?: ReadonlyMap<string, FindingLabels>;
  targetsOf?: NoticeTargetsOf;
}

/**
 * One record per finding, with an id from the sweep and the resource: a retried activity records
 * once. A finding carries its resource's labels (what the report groups by); a `notify` finding
 * carries its notice's recipients (`details.notify`): the owners' notices are sent from the
 * trail, without reading the subscription again.
 */
export function findingRecords(
  input: PlanPolicyInput,
  findings: readonly Finding[],
  at: string,
  context: FindingContext = {},
): AuditRecord[] {
  return findings.map((finding) => {
    const targets = finding.action === "notify" ? context.targetsOf?.(finding) : undefined;
    return {
      id: `${input.instanceId}:finding:${finding.resourceId.toLowerCase()}`,
      at,
      kind: "finding",
      policy: finding.policy,
      resourceId: finding.resourceId,
      action: finding.action,
      verdict: finding.verdict,
      reason: finding.reason.length > 8000 ? `${finding.reason.slice(0, 7997)}...` : finding.reason,
      instanceId: input.instanceId,
      trigger: input.trigger,
      actor: GOVERNOR_ACTOR,
      details: {
        estimatedMonthlySavings: finding.estimatedMonthlySavings,
        ...(finding.guard === undefined ? {} : { guard: finding.guard }),
        // The `scopes:` entries that decided it (a subsidiary's freeze), for the report and the digest.
        ...(finding.scopes === undefined ? {} : { scopes: finding.scopes }),
        // The proposal as data (a resize's target): what the policy's next sweeps compare theirs with.
        ...(finding.details === undefined ? {} : { proposal: finding.details }),
        ...context.labels?.get(finding.resourceId.toLowerCase()),
        ...(targets === undefined
          ? {}
          : {
              notify: {
                addresses: targets.addresses,
                ...(targets.platformNote === undefined ? {} : { platformNote: targets.platformNote }),
              },
            }),
      },
    } satisfies AuditRecord;
  });
}

/** The record that a policy was swept, with its counts: `kind: notice`, `action: sweep`. */
export function sweepMark(input: PlanPolicyInput, planned: PolicyPlan, at: string): AuditRecord {
  return {
    id: `${input.instanceId}:swept`,
    at,
    kind: "notice",
    policy: input.policy,
    action: "sweep",
    reason: planned.reason.length > 8000 ? `${planned.reason.slice(0, 7997)}...` : planned.reason,
    instanceId: input.instanceId,
    trigger: input.trigger,
    actor: GOVERNOR_ACTOR,
    details: { found: planned.found, counts: planned.counts },
  };
}

function describe(counts: Record<Verdict, number>): string {
  const parts = (Object.entries(counts) as Array<[Verdict, number]>)
    .filter(([, count]) => count > 0)
    .map(([verdict, count]) => `${count} ${verdict}`);
  return parts.length === 0 ? "no findings" : parts.join(", ");
}

/** What Azure Policy says of a policy's references, for a policy that hands resources to remediation tasks. */
export interface AzurePolicyStates {
  assignmentId: string;
  /** The non-compliant states of Governor's assignment for the policy's references. */
  states: () => Promise<NonCompliantState[]>;
}

/** One policy's plan, as the sweep needs it: counts by verdict, the workflow to start, and the records of what was found. */
export async function planPolicy(
  input: PlanPolicyInput,
  policySet: PolicySet,
  planOf: (set: PolicySet) => Promise<Evaluation>,
  at: string,
  context?: () => FindingContext,
  azurePolicy?: AzurePolicyStates,
): Promise<PolicyPlan & { records: AuditRecord[] }> {
  const counts: Record<Verdict, number> = { remediate: 0, "needs-approval": 0, audit: 0, blocked: 0 };
  const policy = policySet.policies.find((candidate) => candidate.name === input.policy);
  if (!policy) {
    return {
      policy: input.policy,
      found: false,
      reason: `no policy named ${input.policy} in ${policySet.sources.join(", ") || "the policy file"}: nothing swept`,
      counts,
      estimatedMonthlySavings: 0,
      records: [],
    };
  }
  const subset: PolicySet = { ...policySet, policies: [policy] };
  const evaluation = await planOf(subset);
  const findings = evaluation.findings.filter((finding) => finding.policy === policy.name);
  for (const finding of findings) counts[finding.verdict] += 1;
  // Resources Azure Policy also reports, and Governor would change, go to remediation tasks instead (at most a few tasks a sweep).
  let handing: PolicyPlan["azurePolicy"];
  let own = evaluation;
  if (policy.azurePolicyRemediation && policy.approval && azurePolicy) {
    const tasks = handOver(findings, await azurePolicy.states()).tasks.slice(0, MAX_TASKS_PER_SWEEP);
    if (tasks.length > 0) {
      const ids = handedOver(tasks);
      own = { ...evaluation, findings: evaluation.findings.filter((finding) => !ids.has(finding.resourceId.toLowerCase())) };
      const reasons = Object.fromEntries(
        findings
          .filter((finding) => ids.has(finding.resourceId.toLowerCase()))
          .map((finding) => [finding.resourceId.toLowerCase(), finding.reason]),
      );
      handing = {
        instanceId: policyRemediationInstanceId(policy.name, input.scope),
        input: {
          policy: policy.name,
          assignmentId: azurePolicy.assignmentId,
          tasks,
          reasons,
          approval: policy.approval,
          trigger: input.trigger,
          ...(input.autoApprove ? { autoApprove: true } : {}),
        },
      };
    }
  }
  const [start] = remediationsFor(own, subset, {
    scope: input.scope,
    trigger: input.trigger,
    ...(input.autoApprove ? { autoApprove: true } : {}),
  });
  const drills =
    policy.action.type === "restore-drill"
      ? findings
          .filter((finding) => finding.verdict === "remediate" || finding.verdict === "needs-approval")
          .map((finding) => ({
            instanceId: drillInstanceId(finding.resourceId, input.scope),
            input: {
              serverId: finding.resourceId,
              policy: policy.name,
              args: restoreDrillAction.parse?.(policy.action.args) ?? {},
              trigger: { type: "timer" as const, id: input.instanceId },
            } satisfies DrillInput,
          }))
      : [];
  const acting =
    drills.length > 0
      ? `restore drill of ${drills.length} server(s)`
      : start
        ? `${policy.action.type} ${plannedCount(start.input)} resource(s)${start.input.approval?.required && !start.input.autoApprove ? " once approved" : ""}`
        : handing
          ? ""
          : "nothing to act on";
  const handed = handing
    ? `${acting === "" ? "" : "; "}Azure Policy remediation of ${new Set(handing.input.tasks.flatMap((task) => task.resourceIds.map((id) => id.toLowerCase()))).size} resource(s) in ${handing.input.tasks.length} task(s) (${[...new Set(handing.input.tasks.map((task) => task.referenceId))].join(", ")})${handing.input.autoApprove ? "" : " once approved"}`
    : "";
  const result: PolicyPlan & { records: AuditRecord[] } = {
    policy: policy.name,
    found: true,
    reason: `${policy.name}: ${describe(counts)}; ${acting}${handed}`,
    counts,
    estimatedMonthlySavings: evaluation.summary.estimatedMonthlySavings,
    records: findingRecords(input, findings, at, context?.()),
  };
  if (start) result.start = start;
  if (handing) result.azurePolicy = handing;
  if (drills.length > 0) result.drills = drills;
  return result;
}

/** What the sweep's reason adds for the group's subscriptions Governor does not govern; a failed read is said, and planning goes on. */
async function ungovernedInGroup(target: AzureTarget, targets: readonly AzureTarget[], group: string): Promise<string> {
  try {
    const note = ungovernedNote(
      group,
      await recentUngovernedSubscriptions(
        target,
        group,
        targets.map((each) => each.subscriptionId),
      ),
    );
    return note === undefined ? "" : `; ${note}`;
  } catch (error) {
    return `; the subscriptions of management group ${group} could not be read (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function planPolicyActivity(input: PlanPolicyInput): Promise<PolicyPlan> {
  const { target, targets, policySet, trail, config } = await dependencies();
  const at = now();
  let inventories: Inventory[] = [];
  let unplanned: SubscriptionPlan[] = [];
  let byId: Map<string, { resource: Inventory["resources"][number]; inventory: Inventory }> | undefined;
  const policy = policySet.policies.find((candidate) => candidate.name === input.policy);
  // The policy's references in Governor's initiative: what its remediation tasks and formal exemptions name.
  const referenceIds = policy ? referencesOf(exportAzurePolicy(policySet), policy.name) : [];
  const { records, ...planned } = await planPolicy(
    input,
    policySet,
    async (set) => {
      // A policy that reads its earlier sweeps (a resize's `consecutive`) reads them from the trail, this sweep left out.
      // The sweeps of this slot share one listing of the estate in this worker (projected for the whole policy file).
      const registry = builtinRegistry();
      const result = await planAcross(targets, set, at, registry, {
        sweepHistory: { trail, excludeInstance: input.instanceId },
        inventories: () => slotInventories(input.scope, targets, inventoryProjection(policySet, registry)),
      });
      unplanned = result.subscriptions.filter((part) => part.error !== undefined);
      // Nothing planned at all (throttled, unreachable): the activity fails and is tried again.
      if (unplanned.length === targets.length) throw new Error(unplanned.map((part) => `${part.subscriptionId}: ${part.error}`).join("; "));
      inventories = result.inventories;
      return result.evaluation;
    },
    at.toISOString(),
    () => ({
      labels: new Map(inventories.flatMap((inventory) => [...labelsOf(inventory, policySet.settings)])),
      targetsOf: (finding) => {
        if (policy?.action.type !== "notify") return undefined;
        byId ??= new Map(
          inventories.flatMap((inventory) =>
            inventory.resources.map((resource) => [resource.id.toLowerCase(), { resource, inventory }] as const),
          ),
        );
        const found = byId.get(finding.resourceId.toLowerCase());
        if (!found) return undefined;
        const args = notifyAction.parse?.(policy.action.args) ?? { to: ["owner"], remindAfterMs: 0 };
        return noticeTargets(found.resource, args, { inventory: found.inventory, settings: policySet.settings });
      },
    }),
    policy?.azurePolicyRemediation
      ? {
          assignmentId: governorAssignmentId(target.subscriptionId),
          // Every governed subscription has Governor's assignment of its own: each one's states, side by side.
          states: async () =>
            (
              await Promise.all(targets.map((each) => nonCompliantStates(each, governorAssignmentId(each.subscriptionId), referenceIds)))
            ).flat(),
        }
      : undefined,
  );
  // A subscription that could not be planned is said in the sweep's reason; the others are planned.
  if (unplanned.length > 0)
    planned.reason = `${planned.reason}; not planned: ${unplanned.map((part) => `subscription ${part.subscriptionId} (${part.error})`).join(", ")}`;
  // A subscription added to the management group since the deployment is said until it is governed (its events wired).
  if (config.managementGroup !== undefined)
    planned.reason = `${planned.reason}${await ungovernedInGroup(target, targets, config.managementGroup)}`;
  // Every sweep leaves a mark, findings or none: a finding its policy's latest sweep no longer has is resolved (the digest, the owners' notices).
  await trail.append([...records, sweepMark(input, planned, at.toISOString())]);
  // The Azure Policy exemptions Governor wrote for the policy, against the file and the tags the plan just read, per subscription.
  if (policy) {
    const policyNames = new Set(policySet.policies.map((candidate) => candidate.name));
    const exemptions = inventories.flatMap((inventory) =>
      exemptionChanges({
        policy,
        policyNames,
        policyFile: policySet.sources[0] ?? "the policy file",
        referenceIds,
        assignmentId: governorAssignmentId(inventory.subscriptionId),
        inventory,
        exemptUntilTag: policySet.settings.tags.exemptUntil,
        now: at,
      }),
    );
    if (exemptions.length > 0) planned.exemptions = exemptions;
  }
  // A plan larger than a chunk waits in the plan store: this activity's output stays small whatever the estate.
  if (planned.start) planned.start = await stagePlan(planned.start, await appPlanStore());
  return planned;
}

/** The handle the sweep workflow calls this activity by. */
export const sweepActivities = {
  planPolicy: registerActivity(ACTIVITIES.planPolicy, planPolicyActivity),
};
