/**
 * `evaluateResource`: the I/O of a check on one resource that an event says changed. The resource
 * is read again from ARM (never Resource Graph, which lags), with its resource group (inherited
 * tags) and, for a snapshot, its source disk and that disk's other snapshots; the facts the given
 * policies read are gathered for it alone; then the same pure `evaluate` the plan and the sweeps
 * use decides. What comes back is plain JSON: the findings Governor would act on and the
 * remediation each policy would start.
 */
import { recentPolicyExemptions } from "../../shared/inventory/policyExemptions.ts";
import { now } from "../../shared/clock.ts";
import { gatherFacts } from "../../shared/inventory/gather.ts";
import { parseResourceId, sameResourceId } from "../../shared/azure/resourceId.ts";
import { readResource, readResourceGroup, readSnapshotsOfDisk } from "../../shared/inventory/readResource.ts";
import { requestsByKind } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { evaluate } from "../../shared/policy/evaluate.ts";
import { snapshotSourceId } from "../../shared/policy/inventoryIndex.ts";
import type { Finding, Inventory, InventoryResource, PolicySet } from "../../shared/policy/types.ts";
import { executorFor } from "../../shared/actions/index.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import type { RemediateInput } from "../remediate.ts";
import { remediationsFor } from "../remediations.ts";
import { dependencies, targetOf } from "./remediation.activities.ts";

export interface EvaluateResourceInput {
  resourceId: string;
  /** The policies the event concerns (by name); re-read from the policy file as it is now. */
  policies: string[];
  trigger: RemediateInput["trigger"];
}

export interface EvaluateResourceResult {
  resourceId: string;
  /** False when the resource no longer exists: nothing to check. */
  exists: boolean;
  resourceName?: string;
  /** Findings Governor would act on (remediate or needs-approval, with an effect). */
  findings: Finding[];
  /** One remediation per policy with such a finding, without its instance id (the check derives it). */
  remediations: RemediateInput[];
  /** Policies asked for that are not evaluated here, with why. */
  notEvaluated: Array<{ policy: string; reason: string }>;
}

/** The snapshot's source disk and the disk's other snapshots, as ARM lists them now (whether it is the newest decides). */
async function relatedOf(
  target: Awaited<ReturnType<typeof dependencies>>["target"],
  resource: InventoryResource,
): Promise<InventoryResource[]> {
  const sourceId = resource.kind === "snapshot" ? snapshotSourceId(resource) : undefined;
  if (sourceId === undefined) return [];
  try {
    if (!sameResourceId(parseResourceId(sourceId).subscriptionId, target.subscriptionId)) return [];
  } catch {
    // Imported from a VHD or another kind of source: no disk to read.
    return [];
  }
  const [disk, siblings] = await Promise.all([readResource(target, sourceId), readSnapshotsOfDisk(target, sourceId)]);
  return [...(disk ? [disk] : []), ...siblings.filter((sibling) => !sameResourceId(sibling.id, resource.id))];
}

export async function evaluateResourceActivity(input: EvaluateResourceInput): Promise<EvaluateResourceResult> {
  const { targets, policySet } = await dependencies();
  const target = targetOf(targets, input.resourceId);
  const registry = builtinRegistry();
  const notEvaluated: EvaluateResourceResult["notEvaluated"] = [];
  const policies = [];
  for (const name of input.policies) {
    const policy = policySet.policies.find((candidate) => candidate.name === name);
    if (!policy) notEvaluated.push({ policy: name, reason: `no longer in the policy set (${policySet.sources.join(", ")})` });
    else if (policy.mode !== "enforce") notEvaluated.push({ policy: name, reason: "audit mode: reported by its sweep, never acted on" });
    else if (!executorFor(policy.action.type))
      notEvaluated.push({
        policy: name,
        reason: `its action ${policy.action.type} is carried out by its own workflow, not on the event path`,
      });
    else policies.push(policy);
  }
  const base = { resourceId: input.resourceId, findings: [], remediations: [], notEvaluated };
  if (policies.length === 0) return { ...base, exists: true };

  const resource = await readResource(target, input.resourceId);
  if (!resource) return { ...base, exists: false };
  const [group, related, policyExemptions] = await Promise.all([
    readResourceGroup(target, resource.resourceGroup),
    relatedOf(target, resource),
    recentPolicyExemptions(target),
  ]);
  const inventory: Inventory = {
    subscriptionId: target.subscriptionId,
    resources: [resource, ...related],
    resourceGroups: group ? { [group.name.toLowerCase()]: group } : {},
    policyExemptions,
  };
  const set: PolicySet = { ...policySet, policies };
  const at = now();
  // Facts (CPU, backup coverage) for this resource alone.
  const facts = await gatherFacts(target, { ...inventory, resources: [resource] }, requestsByKind(set, registry), at);
  const evaluation = evaluate(set, inventory, facts, at, registry);
  const findings = evaluation.findings.filter(
    (finding) =>
      sameResourceId(finding.resourceId, resource.id) &&
      (finding.verdict === "remediate" || finding.verdict === "needs-approval") &&
      finding.effect !== "none",
  );
  const remediations = remediationsFor({ ...evaluation, findings }, set, { scope: resource.id, trigger: input.trigger }).map(
    (start) => start.input,
  );
  return { ...base, exists: true, resourceName: resource.name, findings, remediations };
}

/** The handle the check workflow calls this activity by. */
export const checkActivities = {
  evaluateResource: registerActivity(ACTIVITIES.evaluateResource, evaluateResourceActivity),
};
