/**
 * The sweep's exemption sync: carries out the changes `exemptionChanges` planned from the
 * inventory (shared/azurePolicy/exemptionSync.ts), each after reading the exemption again (and,
 * for an approver's, the resource's tags again): only an exemption Governor wrote is changed or
 * removed, and a change the fresh read no longer calls for is skipped. Each change is recorded.
 */
import type { PolicyExemption } from "arm-policy-exemptions";
import { type AuditRecord, GOVERNOR_ACTOR } from "../../shared/audit/record.ts";
import { policyExemptionsClient } from "../../shared/azure/clients.ts";
import { now } from "../../shared/clock.ts";
import { exportAzurePolicy, referencesOf } from "../../shared/azurePolicy/export.ts";
import { approvalExemptionChange, type ExemptionChange } from "../../shared/azurePolicy/exemptionSync.ts";
import { expiresOnOf } from "../../shared/azurePolicy/exemptions.ts";
import { exemptionOf } from "../../shared/inventory/policyExemptions.ts";
import { readResource } from "../../shared/inventory/readResource.ts";
import type { AzurePolicyExemption, PolicySet } from "../../shared/policy/types.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import type { ExemptionSyncInput, ExemptionSyncResult } from "../sweep.ts";
import { dependencies, targetOf } from "./remediation.activities.ts";

type Client = Awaited<ReturnType<typeof policyExemptionsClient>>;
type Outcome = ExemptionSyncResult["changes"][number];

async function readExemption(client: Client, scope: string, name: string): Promise<PolicyExemption | undefined> {
  try {
    return await client.policyExemptions.get(scope, name);
  } catch (error) {
    // Duck-typed: the exemptions client is an older SDK with its own copy of RestError.
    if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
    throw error;
  }
}

/** Whether the policy file (as loaded now) still exempts the resource from the policy: then its exemption stays. */
function fileStillExempts(policySet: PolicySet, policy: string, resource: { id: string; name: string }, at: Date): boolean {
  const current = policySet.policies.find((candidate) => candidate.name === policy);
  if (!current || referencesOf(exportAzurePolicy(policySet), policy).length === 0) return false;
  return current.exemptions.some(
    (entry) =>
      [resource.id.toLowerCase(), resource.name.toLowerCase()].includes(entry.resource.trim().toLowerCase()) &&
      expiresOnOf(entry.until).getTime() > at.getTime(),
  );
}

async function carryOut(change: ExemptionChange, client: Client, policySet: PolicySet, at: Date): Promise<Outcome> {
  const result = (outcome: Outcome["outcome"], reason: string): Outcome => ({
    op: change.op,
    resourceId: change.resourceId,
    name: change.name,
    policy: change.policy,
    outcome,
    reason,
  });
  const { targets } = await dependencies();
  const target = targetOf(targets, change.resourceId);
  const read = await readExemption(client, change.resourceId, change.name);
  const existing: AzurePolicyExemption | undefined = read === undefined ? undefined : exemptionOf(read);
  if (change.op === "write") {
    if (existing && existing.governor === undefined) return result("skipped", `${change.name} exists and is not Governor's: left as it is`);
    await client.policyExemptions.createOrUpdate(change.resourceId, change.name, {
      ...change.body,
      expiresOn: new Date(change.body.expiresOn),
    });
    return result("applied", `Azure Policy exemption ${change.name} ${change.why}, until ${change.body.expiresOn}`);
  }
  if (!existing) return result("already-done", `${change.name} is gone already`);
  if (existing.governor === undefined) return result("skipped", `${change.name} is not Governor's: never changed by it`);
  // The decision again, on what Azure says now.
  const resource = await readResource(target, change.resourceId);
  let decided: ExemptionChange | undefined;
  if (existing.governor.source === "approval") {
    decided =
      resource === undefined ? undefined : approvalExemptionChange(existing, resource.tags, policySet.settings.tags.exemptUntil, at);
  } else {
    decided = resource !== undefined && fileStillExempts(policySet, existing.governor.policy, resource, at) ? undefined : change;
  }
  if (decided === undefined) return result("skipped", `${change.name} still stands on a fresh read: nothing changed`);
  if (decided.op === "shorten") {
    await client.policyExemptions.createOrUpdate(change.resourceId, change.name, {
      policyAssignmentId: existing.policyAssignmentId,
      policyDefinitionReferenceIds: existing.policyDefinitionReferenceIds,
      exemptionCategory: existing.category,
      expiresOn: new Date(decided.expiresOn),
      ...(read?.displayName === undefined ? {} : { displayName: read.displayName }),
      ...(read?.description === undefined ? {} : { description: read.description }),
      metadata: { ...existing.governor.metadata, endedEarly: decided.why },
    });
    return result("applied", `Azure Policy exemption ${change.name} now ends ${decided.expiresOn}: ${decided.why}`);
  }
  await client.policyExemptions.delete(change.resourceId, change.name);
  return result("applied", `Azure Policy exemption ${change.name} removed: ${decided.why}`);
}

export async function syncFormalExemptionsActivity(input: ExemptionSyncInput): Promise<ExemptionSyncResult> {
  const { targets, policySet, trail } = await dependencies();
  const at = now();
  const changes: Outcome[] = [];
  for (const change of input.changes) {
    try {
      // Each exemption is written in its resource's subscription, with that subscription's client.
      const client = await policyExemptionsClient(targetOf(targets, change.resourceId));
      changes.push(await carryOut(change, client, policySet, at));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      changes.push({
        op: change.op,
        resourceId: change.resourceId,
        name: change.name,
        policy: change.policy,
        outcome: code === "PolicyAssignmentNotFound" ? "skipped" : "failed",
        reason:
          code === "PolicyAssignmentNotFound"
            ? "the Governor baseline is not assigned in this subscription: no Azure Policy exemption"
            : `${change.name}: ${(error as Error).message}`,
      });
    }
  }
  await trail.append(
    changes.map((change): AuditRecord => ({
      id: `${input.instanceId}:policy-exemption:${change.op}:${change.resourceId.toLowerCase()}:${change.name}`,
      at: at.toISOString(),
      kind: "action",
      policy: change.policy,
      action: change.op === "delete" ? "remove-policy-exemption" : "write-policy-exemption",
      resourceId: change.resourceId,
      instanceId: input.instanceId,
      reason: change.reason,
      trigger: input.trigger,
      actor: GOVERNOR_ACTOR,
      outcome: change.outcome,
      details: { exemption: change.name, op: change.op },
    })),
  );
  return { changes };
}

/** The handles the sweep workflow calls these activities by. */
export const exemptionActivities = {
  syncFormalExemptions: registerActivity(ACTIVITIES.syncFormalExemptions, syncFormalExemptionsActivity),
};
