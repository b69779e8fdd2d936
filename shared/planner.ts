/**
 * A plan: inventory and facts gathered in bulk, then the pure evaluation. The CLI's `plan`, the
 * timer sweeps and the event path all decide through here; nothing in it changes Azure.
 */
import type { AuditTrail } from "./audit/trail.ts";
import type { AzureTarget } from "./azure/target.ts";
import { type FactRequestsByKind, type GatherOptions, gatherFacts, gatherInventory } from "./inventory/gather.ts";
import { listPolicyExemptions } from "./inventory/policyExemptions.ts";
import { gatherSweepHistory, type SweepHistoryRequest } from "./inventory/sweepHistory.ts";
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

/** The policies whose action reads its earlier sweeps (a resize's `consecutive`), and how many. */
export function sweepHistoryRequests(set: Pick<PolicySet, "policies">, registry: Registry): SweepHistoryRequest[] {
  return set.policies
    .map((policy) => ({ policy: policy.name, sweeps: registry.action(policy.action.type)?.remembers?.(policy.action.args) ?? 0 }))
    .filter((request) => request.sweeps > 0);
}

export interface PlanOptions extends GatherOptions {
  /**
   * The audit trail that holds the earlier sweeps, for policies that read them (a sweep passes its
   * own instance id, left out); without it they see no earlier sweep.
   */
  sweepHistory?: { trail: Pick<AuditTrail, "query">; excludeInstance?: string };
}

export async function plan(
  target: AzureTarget,
  set: PolicySet,
  now: Date,
  registry: Registry,
  options: PlanOptions = {},
): Promise<PlanResult> {
  // Azure Policy exemptions are one more list of the subscription, read beside the inventory.
  // The inventory carries every property the policies read, not only what the resource types need.
  const projection = projectionOf(pathsRead(set, registry));
  const [gathered, policyExemptions] = await Promise.all([
    gatherInventory(target, { ...options, projection }),
    listPolicyExemptions(target, [...(options.requestCounter ? [options.requestCounter.policy] : []), ...(options.pipelinePolicies ?? [])]),
  ]);
  const inventory = { ...gathered, policyExemptions };
  const remembered = sweepHistoryRequests(set, registry);
  const history = options.sweepHistory;
  const [gatheredFacts, sweepHistory] = await Promise.all([
    // Facts read per resource are read for the resources a policy could still find, not for every one of their kind.
    gatherFacts(target, inventory, requestsByKind(set, registry), now, { ...options, scope: factScope(set, inventory, registry, now) }),
    history && remembered.length > 0
      ? gatherSweepHistory(
          history.trail,
          remembered,
          now,
          history.excludeInstance === undefined ? {} : { excludeInstance: history.excludeInstance },
        )
      : Promise.resolve(undefined),
  ]);
  const facts = sweepHistory === undefined ? gatheredFacts : { ...gatheredFacts, sweepHistory };
  return { evaluation: evaluate(set, inventory, facts, now, registry), inventory };
}
