/**
 * Layered settings: a policy file's `scopes:` entries set the time zone, holidays, freezes and
 * production values of a subsidiary, a subscription or a resource group, turn a policy off there
 * or give it other conditions. For a resource, the entries that match it apply from the least
 * specific (a management group) to the most specific (its resource group); each field is the most
 * specific entry's that sets it. Pure: the management groups above a subscription come with the
 * inventory.
 */
import { subscriptionOfId } from "../azure/resourceId.ts";
import type { Condition, Inventory, InventoryResource, Policy, ScopeOverride, Settings } from "./types.ts";

/** How specific a match is: a resource group is more specific than a subscription, which is more than a management group. */
export function specificity(scope: Pick<ScopeOverride, "match">): number {
  if (scope.match.resourceGroup !== undefined) return scope.match.subscription !== undefined ? 4 : 3;
  if (scope.match.subscription !== undefined) return 2;
  return 1;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether the scope covers a resource of this subscription and group. */
export function covers(scope: ScopeOverride, subscriptionId: string, resourceGroup: string, groupsAbove: readonly string[]): boolean {
  const { managementGroup, subscription, resourceGroup: group } = scope.match;
  if (subscription !== undefined && !same(subscription, subscriptionId)) return false;
  if (group !== undefined && !same(group, resourceGroup)) return false;
  if (managementGroup !== undefined && !groupsAbove.some((name) => same(name, managementGroup))) return false;
  return true;
}

/** What the scopes make of one resource: its settings, and the scopes that apply, least specific first. */
export interface ResourceScope {
  settings: Settings;
  applied: ScopeOverride[];
}

/** The scopes of a resource, layered on the file's settings. */
export function resourceScope(
  resource: Pick<InventoryResource, "id" | "resourceGroup">,
  scopes: readonly ScopeOverride[],
  base: Settings,
  inventory: Pick<Inventory, "subscriptionId" | "managementGroups">,
): ResourceScope {
  if (scopes.length === 0) return { settings: base, applied: [] };
  const subscriptionId = subscriptionOfId(resource.id) ?? inventory.subscriptionId;
  const groupsAbove = inventory.managementGroups?.[subscriptionId.toLowerCase()] ?? [];
  // A management group nearer the subscription is more specific than one above it.
  const depth = (scope: ScopeOverride): number => {
    const name = scope.match.managementGroup;
    if (name === undefined || specificity(scope) > 1) return 0;
    const index = groupsAbove.findIndex((candidate) => same(candidate, name));
    return index < 0 ? 0 : groupsAbove.length - index;
  };
  const applied = scopes
    .filter((scope) => covers(scope, subscriptionId, resource.resourceGroup, groupsAbove))
    .sort((a, b) => specificity(a) - specificity(b) || depth(a) - depth(b));
  if (applied.length === 0) return { settings: base, applied };
  const settings: Settings = { ...base };
  for (const scope of applied) Object.assign(settings, scope.settings);
  return { settings, applied };
}

/** The policy as the resource's scopes leave it: undefined when one turns it off there. */
export function scopedPolicy(
  policy: Policy,
  applied: readonly ScopeOverride[],
): { when: Condition[]; deciding: ScopeOverride[] } | undefined {
  let when = policy.when;
  let enabled = true;
  const deciding: ScopeOverride[] = [];
  for (const scope of applied) {
    const override = scope.policies[policy.name];
    if (override === undefined) continue;
    deciding.push(scope);
    if (override.enabled !== undefined) enabled = override.enabled;
    if (override.when !== undefined) when = override.when;
  }
  return enabled ? { when, deciding } : undefined;
}

/** The scopes that decided something for this resource and policy: those setting a setting, or changing the policy. */
export function decidingScopes(applied: readonly ScopeOverride[], policy: string): string[] {
  return applied
    .filter((scope) => Object.keys(scope.settings).length > 0 || scope.policies[policy] !== undefined)
    .map((scope) => scope.name);
}

/** How a finding names its scopes. */
export function scopeNote(names: readonly string[]): string {
  return `scope ${names.join(" > ")}`;
}

/**
 * Every form the policies take somewhere: each policy, and each policy again with the conditions a
 * scope gives it. What reads facts and projects paths for the policies reads them for these, so a
 * scope's other thresholds or filters have their data.
 */
export function policyForms(set: { policies: readonly Policy[]; scopes?: readonly ScopeOverride[] }): Policy[] {
  const forms: Policy[] = [...set.policies];
  for (const scope of set.scopes ?? []) {
    for (const [name, override] of Object.entries(scope.policies)) {
      const policy = set.policies.find((candidate) => candidate.name === name);
      if (policy && override.when !== undefined) forms.push({ ...policy, when: override.when });
    }
  }
  return forms;
}
