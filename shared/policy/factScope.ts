/**
 * Which resources the facts Azure keeps per resource are read for. Diagnostic settings and server
 * parameters cost one request per resource, and a week of half-hour metrics is a large answer per
 * resource even in batches of 50, so they are read only for the resources a loaded policy could
 * still find: those of its kind whose other conditions, the ones that need no
 * gathered fact (environment, tags, `value` on a property), do not already rule them out. The
 * policy's conditions all have to hold, so a resource one of them rules out is never a finding,
 * whatever its fact would say. A condition that cannot be decided without facts (`unknown`) rules
 * nothing out. The locks list is one request for the whole subscription, made when some resource
 * is in its scope. Pure: the policies and the inventory in, a predicate out.
 */
import { filtersOf } from "./conditions.ts";
import { candidates, evaluateCondition } from "./evaluate.ts";
import { buildIndex } from "./inventoryIndex.ts";
import { policyForms, resourceScope } from "./scopes.ts";
import type { EvaluationContext, Registry } from "./registry.ts";
import { type Condition, type FactRequest, type FactScope, type Inventory, metricKey, type Policy, type PolicySet } from "./types.ts";

/** The fact types read for the resources in scope only; the others are read as their gatherers read them (backup by vault). */
export const SCOPED_FACTS: ReadonlySet<FactRequest["type"]> = new Set(["locks", "diagnostic-settings", "server-parameter", "metric"]);

/** One key per fact, however the request's members are ordered (a metric is asked by filters and actions alike). */
export function factKey(request: FactRequest): string {
  return request.type === "metric" ? `metric|${metricKey(request)}` : JSON.stringify(request);
}

function requestsOf(policy: Policy, registry: Registry): FactRequest[] {
  return [
    ...filtersOf(policy.when).flatMap((condition) => registry.filter(condition.filter)?.facts?.(condition.args, policy.resource) ?? []),
    ...(registry.action(policy.action.type)?.facts?.(policy.action.args, policy.resource) ?? []),
  ];
}

/** A top-level condition decided from the inventory alone: none of its filters asks for a fact. */
function needsNoFacts(condition: Condition, policy: Policy, registry: Registry): boolean {
  return filtersOf([condition]).every((leaf) => (registry.filter(leaf.filter)?.facts?.(leaf.args, policy.resource) ?? []).length === 0);
}

/** By fact request: the lower-case ids of the resources some policy asking for it could still find. */
export function factTargets(set: PolicySet, inventory: Inventory, registry: Registry, now: Date): Map<string, Set<string>> {
  const ctx: EvaluationContext = {
    now,
    inventory,
    facts: { metrics: {}, backup: {}, vaults: [] },
    settings: set.settings,
    index: buildIndex(inventory),
  };
  const targets = new Map<string, Set<string>>();
  // A resource under a scope is judged with its scope's settings (its production values, say).
  const scopes = set.scopes ?? [];
  const ctxOf = (resource: Inventory["resources"][number]): EvaluationContext =>
    scopes.length === 0 ? ctx : { ...ctx, settings: resourceScope(resource, scopes, set.settings, inventory).settings };
  for (const policy of policyForms(set)) {
    const scoped = requestsOf(policy, registry).filter((request) => SCOPED_FACTS.has(request.type));
    if (scoped.length === 0) continue;
    const cheap = policy.when.filter((condition) => needsNoFacts(condition, policy, registry));
    const found = candidates(policy, inventory).filter((resource) =>
      cheap.every((condition) => {
        const outcome = evaluateCondition(condition, resource, registry, ctxOf(resource)).outcome;
        return outcome === "match" || outcome === "unknown";
      }),
    );
    for (const request of scoped) {
      const ids = targets.get(factKey(request)) ?? new Set<string>();
      for (const resource of found) ids.add(resource.id.toLowerCase());
      targets.set(factKey(request), ids);
    }
  }
  return targets;
}

/** The scope of the gatherer: a scoped fact for the resources `factTargets` names, every other fact as asked. */
export function factScope(set: PolicySet, inventory: Inventory, registry: Registry, now: Date): FactScope {
  const targets = factTargets(set, inventory, registry, now);
  return (request, resource) => !SCOPED_FACTS.has(request.type) || targets.get(factKey(request))?.has(resource.id.toLowerCase()) === true;
}
