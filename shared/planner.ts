/**
 * A plan: inventory and facts gathered in bulk, then the pure evaluation. The CLI's `plan`, the
 * timer sweeps and the event path all decide through here; nothing in it changes Azure.
 */
import type { AuditTrail } from "./audit/trail.ts";
import type { AzureTarget } from "./azure/target.ts";
import { type FactRequestsByKind, type GatherOptions, gatherFacts, gatherInventories, gatherInventory } from "./inventory/gather.ts";
import { readManagementGroupAncestry } from "./inventory/managementGroups.ts";
import { listPolicyExemptions } from "./inventory/policyExemptions.ts";
import { gatherSweepHistory, type SweepHistoryRequest } from "./inventory/sweepHistory.ts";
import { type Evaluation, evaluate, factRequests, pathsRead } from "./policy/evaluate.ts";
import { factScope } from "./policy/factScope.ts";
import type { Registry } from "./policy/registry.ts";
import { ARM_TYPE_OF_KIND, type Inventory, type PolicySet, type ResourceKind } from "./policy/types.ts";
import { type Projection, projectionOf } from "./resourceTypes/projection.ts";

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
  /** The management groups above each subscription (lower-case id → names, nearest first), for `scopes:` by group. */
  managementGroups?: Record<string, string[]>;
  /**
   * The audit trail that holds the earlier sweeps, for policies that read them (a sweep passes its
   * own instance id, left out); without it they see no earlier sweep.
   */
  sweepHistory?: { trail: Pick<AuditTrail, "query">; excludeInstance?: string };
  /** The subscription's resources and groups, already listed (`planAcross` lists every subscription's in one query). */
  inventory?: Pick<Inventory, "subscriptionId" | "resources" | "resourceGroups">;
  /**
   * For `planAcross`: each target's inventory, or why it has none, already listed with a projection
   * that covers the policies' reads (the sweeps of one slot share one: `slotInventories`).
   */
  inventories?: () => Promise<Array<Inventory | Error>>;
}

/** What the inventory must project of each resource for the policies of `set` to read it. */
export function inventoryProjection(set: PolicySet, registry: Registry): Projection {
  return projectionOf(pathsRead(set, registry));
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
  const projection = inventoryProjection(set, registry);
  const [gathered, policyExemptions] = await Promise.all([
    options.inventory ?? gatherInventory(target, { ...options, projection }),
    listPolicyExemptions(target, [...(options.requestCounter ? [options.requestCounter.policy] : []), ...(options.pipelinePolicies ?? [])]),
  ]);
  const inventory: Inventory = {
    ...gathered,
    policyExemptions,
    ...(options.managementGroups === undefined ? {} : { managementGroups: options.managementGroups }),
  };
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

/** One governed subscription's part of a plan across several. */
export interface SubscriptionPlan {
  subscriptionId: string;
  resources: number;
  findings: number;
  /** Why the subscription could not be planned (Governor's role not assigned there yet, say): the others are planned still. */
  error?: string;
}

export interface ScopePlanResult {
  evaluation: Evaluation;
  inventories: Inventory[];
  subscriptions: SubscriptionPlan[];
}

/** One evaluation of several subscriptions' evaluations: findings side by side, counts summed, policies by name. */
export function mergeEvaluations(evaluations: readonly Evaluation[], now: Date, settings: PolicySet["settings"]): Evaluation {
  const policies = new Map<string, Evaluation["summary"]["policies"][number]>();
  const cappedByRunByPolicy: Record<string, number> = {};
  const expired = new Set<string>();
  for (const evaluation of evaluations) {
    for (const summary of evaluation.summary.policies) {
      const merged = policies.get(summary.policy);
      if (merged === undefined) policies.set(summary.policy, { ...summary });
      else
        for (const key of [
          "evaluated",
          "violations",
          "remediate",
          "needsApproval",
          "audit",
          "blocked",
          "undecided",
          "estimatedMonthlySavings",
        ] as const)
          merged[key] += summary[key];
    }
    for (const [policy, count] of Object.entries(evaluation.summary.cappedByRunByPolicy))
      cappedByRunByPolicy[policy] = (cappedByRunByPolicy[policy] ?? 0) + count;
    evaluation.summary.expiredExemptions.forEach((note) => expired.add(note));
  }
  const round = (value: number): number => Math.round(value * 100) / 100;
  return {
    findings: evaluations.flatMap((evaluation) => evaluation.findings),
    summary: {
      now: now.toISOString(),
      resources: evaluations.reduce((sum, evaluation) => sum + evaluation.summary.resources, 0),
      policies: [...policies.values()].map((summary) => ({ ...summary, estimatedMonthlySavings: round(summary.estimatedMonthlySavings) })),
      // Resource ids never repeat across subscriptions: each subscription's savings already count each resource once.
      estimatedMonthlySavings: round(evaluations.reduce((sum, evaluation) => sum + evaluation.summary.estimatedMonthlySavings, 0)),
      currency: settings.currency,
      dryRun: settings.dryRun,
      expiredExemptions: [...expired].sort(),
      cappedByRun: evaluations.reduce((sum, evaluation) => sum + evaluation.summary.cappedByRun, 0),
      cappedByRunByPolicy,
    },
  };
}

/**
 * A plan of every governed subscription, each planned against its own target (each has its own
 * ARM throttling buckets, so they proceed side by side), its findings side by side with the
 * others'. A subscription that cannot be planned is reported with why; the others are planned.
 * When a scope matches a management group, each subscription's ancestry is read first (one Resource
 * Graph query for all of them), unless `managementGroups` gives it.
 */
export async function planAcross(
  targets: readonly AzureTarget[],
  set: PolicySet,
  now: Date,
  registry: Registry,
  options: PlanOptions = {},
): Promise<ScopePlanResult> {
  const byGroup = (set.scopes ?? []).some((scope) => scope.match.managementGroup !== undefined);
  const first = targets[0];
  const managementGroups =
    options.managementGroups ??
    (byGroup && first !== undefined
      ? await readManagementGroupAncestry(
          first,
          targets.map((target) => target.subscriptionId),
          [...(options.requestCounter ? [options.requestCounter.policy] : []), ...(options.pipelinePolicies ?? [])],
        )
      : undefined);
  const planOptions = managementGroups === undefined ? options : { ...options, managementGroups };
  const failure = (error: unknown): string =>
    `${(error as { code?: string }).code ?? "Error"}: ${error instanceof Error ? error.message : String(error)}`;
  // Every subscription's resources in one query across them; a failure of it is every subscription's.
  let listed: Array<Inventory | Error> | Error;
  try {
    listed = options.inventories
      ? await options.inventories()
      : targets.length > 1
        ? await gatherInventories(targets, { ...options, projection: inventoryProjection(set, registry) })
        : [];
  } catch (error) {
    listed = error instanceof Error ? error : new Error(String(error));
  }
  const parts = await Promise.all(
    targets.map(async (target, index) => {
      const inventory = listed instanceof Error ? listed : listed[index];
      if (inventory instanceof Error) return { target, error: failure(inventory) };
      try {
        return { target, result: await plan(target, set, now, registry, inventory ? { ...planOptions, inventory } : planOptions) };
      } catch (error) {
        return { target, error: failure(error) };
      }
    }),
  );
  const planned = parts.filter(
    (part): part is { target: AzureTarget; result: PlanResult } => "result" in part && part.result !== undefined,
  );
  return {
    evaluation: mergeEvaluations(
      planned.map((part) => part.result.evaluation),
      now,
      set.settings,
    ),
    inventories: planned.map((part) => part.result.inventory),
    subscriptions: parts.map((part) =>
      "result" in part && part.result !== undefined
        ? {
            subscriptionId: part.target.subscriptionId,
            resources: part.result.inventory.resources.length,
            findings: part.result.evaluation.findings.length,
          }
        : { subscriptionId: part.target.subscriptionId, resources: 0, findings: 0, error: (part as { error: string }).error },
    ),
  };
}
