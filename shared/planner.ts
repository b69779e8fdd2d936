/**
 * A plan: inventory and facts gathered in bulk, then the pure evaluation. The CLI's `plan`, the
 * timer sweeps and the event path all decide through here; nothing in it changes Azure.
 */
import type { AzureTarget } from "./azure/target.ts";
import { type FactRequestsByKind, type GatherOptions, gatherFacts, gatherInventory } from "./inventory/gather.ts";
import { listPolicyExemptions } from "./inventory/policyExemptions.ts";
import { type Evaluation, evaluate, factRequests, pathsRead } from "./policy/evaluate.ts";
import { factScope } from "./policy/factScope.ts";
import type { Registry } from "./policy/registry.ts";
import { ARM_TYPE_OF_KIND, type Inventory, type PolicySet, type ResourceKind } from "./policy/types.ts";
import { projectionOf } from "./resourceTypes/projection.ts";

export interface PlanResult {
  evaluation: Evaluation;
  inventory: Inventory;
}

/** Fact requests grouped by kind; a policy written for `any` kind asks them of every kind. */
export function requestsByKind(set: PolicySet, registry: Registry): FactRequestsByKind {
  const byKind: FactRequestsByKind = {};
  const kinds = Object.keys(ARM_TYPE_OF_KIND) as Array<Exclude<ResourceKind, "any">>;
  for (const { kind, request } of factRequests(set, registry)) {
    for (const target of kind === "any" ? kinds : [kind]) {
      const list = (byKind[target] ??= []);
      if (!list.some((existing) => JSON.stringify(existing) === JSON.stringify(request))) list.push(request);
    }
  }
  return byKind;
}

export async function plan(
  target: AzureTarget,
  set: PolicySet,
  now: Date,
  registry: Registry,
  options: GatherOptions = {},
): Promise<PlanResult> {
  // Azure Policy exemptions are one more list of the subscription, read beside the inventory.
  // The inventory carries every property the policies read, not only what the resource types need.
  const projection = projectionOf(pathsRead(set, registry));
  const [gathered, policyExemptions] = await Promise.all([
    gatherInventory(target, { ...options, projection }),
    listPolicyExemptions(target, [...(options.requestCounter ? [options.requestCounter.policy] : []), ...(options.pipelinePolicies ?? [])]),
  ]);
  const inventory = { ...gathered, policyExemptions };
  // Facts read per resource are read for the resources a policy could still find, not for every one of their kind.
  const facts = await gatherFacts(target, inventory, requestsByKind(set, registry), now, {
    ...options,
    scope: factScope(set, inventory, registry, now),
  });
  return { evaluation: evaluate(set, inventory, facts, now, registry), inventory };
}
