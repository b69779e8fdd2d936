/**
 * Keeping the Azure Policy exemptions Governor wrote in step with Governor's own, at each sweep of
 * a policy. Pure: the policy, the inventory (its resources' tags and the subscription's exemptions,
 * which every plan reads) and the time in; the writes and removals out, empty when all agree, so a
 * second sweep writes nothing.
 *
 * - Each `exemptions:` entry of the policy file, for a policy with references in the Governor
 *   initiative, is an exemption `governor-file_<policy>` on each resource the entry names (by id or
 *   by name, among the policy's resources): category Waiver, `expiresOn` the end of the entry's day
 *   (UTC), metadata naming the policy file, the entry and its reason. An entry removed, or past
 *   its day, removes it; a policy gone from the file removes all of its.
 * - An approver's "exempt until" (`governor-<policy>`, written by the approval) ends early when the
 *   resource's `governor-exempt-until` tag is removed or moved to an earlier day: the exemption is
 *   removed, or its `expiresOn` moved to the tag's day. A later day is not followed: only an
 *   approval grants longer.
 *
 * Only exemptions Governor wrote (shared/azurePolicy/names.ts `governorOrigin`) are ever changed.
 */
import { expiresOnOf } from "./exemptions.ts";
import { fileExemptionName } from "./names.ts";
import { tagValue } from "../policy/settings.ts";
import type { AzurePolicyExemption, Inventory, InventoryResource, Policy } from "../policy/types.ts";

export interface FileExemptionWrite {
  op: "write";
  /** The resource the exemption is on (its scope). */
  resourceId: string;
  name: string;
  policy: string;
  body: ExemptionBody;
  why: string;
}

export interface ExemptionExpiryChange {
  op: "shorten";
  resourceId: string;
  name: string;
  policy: string;
  /** The new `expiresOn` (ISO). */
  expiresOn: string;
  why: string;
}

export interface ExemptionRemoval {
  op: "delete";
  resourceId: string;
  name: string;
  policy: string;
  source: "approval" | "policy-file";
  why: string;
}

export type ExemptionChange = FileExemptionWrite | ExemptionExpiryChange | ExemptionRemoval;

/** A policy exemption's properties as Governor writes them (plain JSON; `expiresOn` ISO). */
export interface ExemptionBody {
  policyAssignmentId: string;
  policyDefinitionReferenceIds: string[];
  exemptionCategory: "Waiver";
  expiresOn: string;
  displayName: string;
  description: string;
  metadata: Record<string, string>;
}

export interface ExemptionSyncInput {
  policy: Policy;
  /** Every policy of the file: an exemption of a policy no longer in it is removed. */
  policyNames: ReadonlySet<string>;
  /** Where the policy file was read from, named in the metadata. */
  policyFile: string;
  /** The initiative's references of the policy (`referencesOf`); none: no Azure Policy equivalent. */
  referenceIds: readonly string[];
  assignmentId: string;
  inventory: Pick<Inventory, "resources" | "policyExemptions">;
  /** The `governor-exempt-until` tag's name (`settings.tags.exemptUntil`). */
  exemptUntilTag: string;
  now: Date;
}

const lower = (text: string): string => text.toLowerCase();

/** The body of a policy file entry's exemption. */
export function fileExemptionBody(
  entry: { resource: string; until: string; reason?: string },
  policy: string,
  policyFile: string,
  referenceIds: readonly string[],
  assignmentId: string,
): ExemptionBody {
  const reason = entry.reason?.trim() || `listed in the exemptions of ${policy} in the policy file`;
  return {
    policyAssignmentId: assignmentId,
    policyDefinitionReferenceIds: [...referenceIds].sort(),
    exemptionCategory: "Waiver",
    expiresOn: expiresOnOf(entry.until).toISOString(),
    displayName: `Governor: ${policy} until ${entry.until} (policy file)`.slice(0, 128),
    description: reason.slice(0, 512),
    metadata: {
      managedBy: "governor",
      source: "policy-file",
      governorPolicy: policy,
      policyFile,
      entry: entry.resource,
      until: entry.until,
      reason,
    },
  };
}

/** Whether an exemption as read already is `body`: nothing to write. */
export function sameExemption(existing: AzurePolicyExemption, body: ExemptionBody): boolean {
  const sorted = (ids: readonly string[]) => JSON.stringify([...ids].map(lower).sort());
  const metadata = existing.governor?.metadata ?? {};
  return (
    lower(existing.policyAssignmentId) === lower(body.policyAssignmentId) &&
    sorted(existing.policyDefinitionReferenceIds) === sorted(body.policyDefinitionReferenceIds) &&
    existing.category === body.exemptionCategory &&
    existing.expiresOn !== undefined &&
    Date.parse(existing.expiresOn) === Date.parse(body.expiresOn) &&
    existing.displayName === body.displayName &&
    Object.keys(body.metadata).length === Object.keys(metadata).length &&
    Object.entries(body.metadata).every(([key, value]) => metadata[key] === value)
  );
}

/**
 * Whether an approver's exemption still stands, from the resource's tags: removed when the
 * `governor-exempt-until` tag is gone or its day has passed, shortened when the tag ends earlier.
 * A tag nobody can read keeps it, as the guard honours it.
 */
export function approvalExemptionChange(
  exemption: AzurePolicyExemption,
  tags: Record<string, string>,
  exemptUntilTag: string,
  now: Date,
): ExemptionExpiryChange | ExemptionRemoval | undefined {
  const base = { resourceId: exemption.scope, name: exemption.name, policy: exemption.governor?.policy ?? "" };
  const tagged = tagValue(tags, exemptUntilTag);
  if (tagged === undefined || tagged.trim() === "")
    return {
      ...base,
      op: "delete",
      source: "approval",
      why: `the ${exemptUntilTag} tag was removed: the approver's exemption ended early`,
    };
  const ends = expiresOnOf(tagged);
  if (Number.isNaN(ends.getTime())) return undefined;
  if (ends.getTime() <= now.getTime())
    return {
      ...base,
      op: "delete",
      source: "approval",
      why: `${exemptUntilTag} = ${tagged} has passed: the approver's exemption has ended`,
    };
  if (exemption.expiresOn === undefined || ends.getTime() < Date.parse(exemption.expiresOn))
    return {
      ...base,
      op: "shorten",
      expiresOn: ends.toISOString(),
      why: `${exemptUntilTag} = ${tagged}, earlier than the exemption's ${exemption.expiresOn ?? "open end"}: it ends then`,
    };
  return undefined;
}

/** The resources of the policy an entry names: by id, or every one of that name. */
function entryResources(entry: string, resources: readonly InventoryResource[]): InventoryResource[] {
  const wanted = lower(entry.trim());
  return resources.filter((resource) => lower(resource.id) === wanted || lower(resource.name) === wanted);
}

export function exemptionChanges(input: ExemptionSyncInput): ExemptionChange[] {
  const { policy, now } = input;
  const exemptions = (input.inventory.policyExemptions ?? []).filter((exemption) => exemption.governor !== undefined);
  const resources =
    policy.resource === "any" ? input.inventory.resources : input.inventory.resources.filter((r) => r.kind === policy.resource);
  const changes: ExemptionChange[] = [];

  // What the policy file asks for, by resource: the entry that ends last where two name the same one.
  const wanted = new Map<string, { resource: InventoryResource; body: ExemptionBody }>();
  if (input.referenceIds.length > 0) {
    for (const entry of policy.exemptions) {
      const ends = expiresOnOf(entry.until);
      if (Number.isNaN(ends.getTime()) || ends.getTime() <= now.getTime()) continue;
      for (const resource of entryResources(entry.resource, resources)) {
        const body = fileExemptionBody(entry, policy.name, input.policyFile, input.referenceIds, input.assignmentId);
        const seen = wanted.get(lower(resource.id));
        if (!seen || Date.parse(seen.body.expiresOn) < ends.getTime()) wanted.set(lower(resource.id), { resource, body });
      }
    }
  }
  const name = fileExemptionName(policy.name);
  const fileExemptions = exemptions.filter(
    (exemption) =>
      exemption.governor?.source === "policy-file" && exemption.governor.policy === policy.name && lower(exemption.name) === lower(name),
  );
  for (const [id, { resource, body }] of [...wanted.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const existing = fileExemptions.find((exemption) => lower(exemption.scope) === id);
    if (existing && sameExemption(existing, body)) continue;
    changes.push({
      op: "write",
      resourceId: resource.id,
      name,
      policy: policy.name,
      body,
      why: `${existing ? "updated" : "written"} for the policy file's exemption of ${body.metadata.entry} until ${body.metadata.until}`,
    });
  }
  for (const exemption of fileExemptions) {
    if (wanted.has(lower(exemption.scope))) continue;
    const why =
      input.referenceIds.length === 0
        ? `${policy.name} has no Azure Policy equivalent any more`
        : `the policy file no longer exempts ${exemption.governor?.entry ?? exemption.scope} from ${policy.name} (entry removed or ended)`;
    changes.push({ op: "delete", resourceId: exemption.scope, name: exemption.name, policy: policy.name, source: "policy-file", why });
  }
  // Exemptions of policies no longer in the file: their entries are gone with them.
  for (const exemption of exemptions) {
    const origin = exemption.governor;
    if (origin?.source !== "policy-file" || input.policyNames.has(origin.policy)) continue;
    changes.push({
      op: "delete",
      resourceId: exemption.scope,
      name: exemption.name,
      policy: origin.policy,
      source: "policy-file",
      why: `${origin.policy} is no longer in the policy file`,
    });
  }

  // Approvers' exemptions of this policy whose tag ended early.
  const byId = new Map(input.inventory.resources.map((resource) => [lower(resource.id), resource]));
  for (const exemption of exemptions) {
    if (exemption.governor?.source !== "approval" || exemption.governor.policy !== policy.name) continue;
    const resource = byId.get(lower(exemption.scope));
    // Not in the inventory (yet, or any more): nothing to judge by.
    if (!resource) continue;
    const change = approvalExemptionChange(exemption, resource.tags, input.exemptUntilTag, now);
    if (change) changes.push(change);
  }
  return changes;
}
