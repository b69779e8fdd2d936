/**
 * Evaluation: `(policies, inventory, facts, now) -> findings`. Pure: no I/O, no clock of its own.
 * Each finding names the resource, the policy, the verdict, the proposed action and a reason
 * with the values that matched and the guards that passed or blocked.
 */
import { subscriptionOfId } from "../azure/resourceId.ts";
import { resourceGroupAsResource } from "../inventory/inventoryResource.ts";
import { filtersOf } from "./conditions.ts";
import { resourceGuards } from "./guards.ts";
import { buildIndex } from "./inventoryIndex.ts";
import { decidingScopes, policyForms, resourceScope, type ResourceScope, scopedPolicy, scopeNote } from "./scopes.ts";
import type { EvaluationContext, RelatedRead, Registry } from "./registry.ts";
import type {
  ActionEffect,
  Condition,
  ConditionResult,
  Facts,
  FactRequest,
  Finding,
  Inventory,
  InventoryResource,
  Policy,
  PolicySet,
  ResourceKind,
} from "./types.ts";

export interface PolicySummary {
  policy: string;
  mode: Policy["mode"];
  action: string;
  evaluated: number;
  violations: number;
  remediate: number;
  needsApproval: number;
  audit: number;
  blocked: number;
  /** Conditions that could not be decided (missing data, unreadable tags): never acted on. */
  undecided: number;
  estimatedMonthlySavings: number;
}

export interface Evaluation {
  findings: Finding[];
  summary: {
    now: string;
    resources: number;
    policies: PolicySummary[];
    /** Savings of findings Governor would act on (remediate and needs-approval), each resource counted once. */
    estimatedMonthlySavings: number;
    currency: string;
    dryRun: boolean;
    expiredExemptions: string[];
    /** Disruptive or destructive changes held back by the run-wide cap (settings.maxChangesPerRun). */
    cappedByRun: number;
    /** The same, by policy. */
    cappedByRunByPolicy: Record<string, number>;
  };
}

/** What the run-wide cap counts: changes that stop, deallocate or delete. */
export function disruptive(effect: ActionEffect): boolean {
  return effect === "disruptive" || effect === "destructive";
}

/** The guard text of a finding the run-wide cap held back. */
export function runCapReason(max: number): string {
  return `blast-radius cap: at most ${max} disruptive or destructive changes (stop, deallocate, delete) per run, already planned; tag merges and other non-disruptive changes do not count`;
}

/** A condition's outcome with its reason; `all`, `any` and `not` combine their parts' reasons. */
export function evaluateCondition(
  condition: Condition,
  resource: InventoryResource,
  registry: Registry,
  ctx: EvaluationContext,
): ConditionResult {
  if ("all" in condition) {
    const results = condition.all.map((inner) => evaluateCondition(inner, resource, registry, ctx));
    const failed = results.find((result) => result.outcome !== "match");
    return failed ?? { outcome: "match", reason: results.map((result) => result.reason).join("; ") };
  }
  if ("any" in condition) {
    const results = condition.any.map((inner) => evaluateCondition(inner, resource, registry, ctx));
    const matched = results.find((result) => result.outcome === "match");
    if (matched) return matched;
    const unknown = results.find((result) => result.outcome === "unknown");
    return unknown ?? { outcome: "no-match", reason: results.map((result) => result.reason).join(" and ") };
  }
  if ("not" in condition) {
    const inner = evaluateCondition(condition.not, resource, registry, ctx);
    // The inner reason already says why it does not hold, which is why `not` does.
    if (inner.outcome === "match") return { outcome: "no-match", reason: `not: ${inner.reason}` };
    if (inner.outcome === "no-match") return { outcome: "match", reason: inner.reason };
    return inner;
  }
  const filter = registry.filter(condition.filter);
  if (!filter) return { outcome: "unknown", reason: `filter "${condition.filter}" is not registered` };
  return filter.evaluate(resource, condition.args, ctx);
}

/**
 * The resources a policy is written for. Resource groups are not among the inventory's
 * resources (Resource Graph keeps them in ResourceContainers): a `resource-group` policy takes
 * the inventory's groups, and `any` stays the resources in them.
 */
export function candidates(policy: Policy, inventory: Inventory): InventoryResource[] {
  if (policy.resource === "resource-group")
    return Object.values(inventory.resourceGroups).map((group) => resourceGroupAsResource(group, inventory.subscriptionId));
  return policy.resource === "any" ? inventory.resources : inventory.resources.filter((resource) => resource.kind === policy.resource);
}

/** Every fact the policies read, per resource kind, so inventory can gather them in bulk. */
export function factRequests(set: PolicySet, registry: Registry): Array<{ kind: ResourceKind; request: FactRequest }> {
  const requests = new Map<string, { kind: ResourceKind; request: FactRequest }>();
  const add = (kind: ResourceKind, request: FactRequest): void =>
    void requests.set(`${kind}|${JSON.stringify(request)}`, { kind, request });
  for (const policy of policyForms(set)) {
    for (const condition of filtersOf(policy.when))
      for (const request of registry.filter(condition.filter)?.facts?.(condition.args, policy.resource) ?? [])
        add(policy.resource, request);
    for (const request of registry.action(policy.action.type)?.facts?.(policy.action.args, policy.resource) ?? [])
      add(policy.resource, request);
  }
  return [...requests.values()];
}

/** The paths into resources that the policies' filters read (`FilterDefinition.reads`), each once: what the inventory must project. */
export function pathsRead(set: PolicySet, registry: Registry): string[] {
  const paths = new Set<string>();
  for (const policy of policyForms(set)) {
    for (const condition of filtersOf(policy.when))
      for (const path of registry.filter(condition.filter)?.reads?.(condition.args, policy.resource) ?? []) paths.add(path);
    for (const path of registry.action(policy.action.type)?.reads?.(policy.action.args, policy.resource) ?? []) paths.add(path);
  }
  return [...paths];
}

/** The related reads (`FilterDefinition.related`) the policies' conditions need, each once. */
export function relatedReads(set: Pick<PolicySet, "policies" | "scopes">, registry: Registry): Set<RelatedRead> {
  const related = new Set<RelatedRead>();
  for (const policy of policyForms(set))
    for (const condition of filtersOf(policy.when)) for (const read of registry.filter(condition.filter)?.related ?? []) related.add(read);
  return related;
}

/**
 * Savings of what Governor would act on, each resource counted once: a VM both idle and off-hours
 * is deallocated once, so it saves what the larger of the two estimates says, not their sum.
 */
function actionableSavings(findings: Finding[]): number {
  const byResource = new Map<string, number>();
  for (const finding of findings) {
    if (finding.verdict !== "remediate" && finding.verdict !== "needs-approval") continue;
    const key = finding.resourceId.toLowerCase();
    byResource.set(key, Math.max(byResource.get(key) ?? 0, finding.estimatedMonthlySavings));
  }
  return Math.round([...byResource.values()].reduce((total, savings) => total + savings, 0) * 100) / 100;
}

export function evaluate(set: PolicySet, inventory: Inventory, facts: Facts, now: Date, registry: Registry): Evaluation {
  const base: EvaluationContext = { now, inventory, facts, settings: set.settings, index: buildIndex(inventory) };
  const findings: Finding[] = [];
  const summaries: PolicySummary[] = [];
  const expired = new Set<string>();
  let runChanges = 0;
  let cappedByRun = 0;
  const cappedByPolicy: Record<string, number> = {};
  // A resource's scopes depend on its subscription and group only: layered once per group.
  const scopes = set.scopes ?? [];
  const scopesByGroup = new Map<string, ResourceScope>();
  const scopeOf = (resource: InventoryResource): ResourceScope | undefined => {
    if (scopes.length === 0) return undefined;
    const key = `${subscriptionOfId(resource.id) ?? ""}|${resource.resourceGroup}`.toLowerCase();
    let scope = scopesByGroup.get(key);
    if (scope === undefined) {
      scope = resourceScope(resource, scopes, set.settings, inventory);
      scopesByGroup.set(key, scope);
    }
    return scope;
  };

  for (const policy of set.policies) {
    const action = registry.action(policy.action.type);
    if (!action) throw new Error(`policy ${policy.name}: action "${policy.action.type}" is not registered`);
    const summary: PolicySummary = {
      policy: policy.name,
      mode: policy.mode,
      action: action.name,
      evaluated: 0,
      violations: 0,
      remediate: 0,
      needsApproval: 0,
      audit: 0,
      blocked: 0,
      undecided: 0,
      estimatedMonthlySavings: 0,
    };
    const matched: Array<{
      resource: InventoryResource;
      reasons: string[];
      savings: number;
      hold?: { guard: string; reason: string };
      ctx: EvaluationContext;
      scopes: string[];
    }> = [];

    for (const resource of candidates(policy, inventory)) {
      const scope = scopeOf(resource);
      // A scope may turn the policy off for the resource, or give it other conditions and settings.
      const scoped = scope === undefined ? { when: policy.when } : scopedPolicy(policy, scope.applied);
      if (scoped === undefined) continue;
      const names = scope === undefined ? [] : decidingScopes(scope.applied, policy.name);
      const ctx = scope === undefined || scope.applied.length === 0 ? base : { ...base, settings: scope.settings };
      summary.evaluated += 1;
      const reasons: string[] = [];
      let outcome: ConditionResult["outcome"] = "match";
      for (const condition of scoped.when) {
        const result = evaluateCondition(condition, resource, registry, ctx);
        if (result.outcome === "not-applicable" || result.outcome === "no-match") {
          outcome = "no-match";
          break;
        }
        if (result.outcome === "unknown") {
          outcome = "unknown";
          break;
        }
        reasons.push(result.reason);
      }
      // What the action itself needs (a cheaper size that fits), once the policy's conditions hold.
      const required = outcome === "match" ? action.requires?.(resource, policy.action.args, ctx, policy.name) : undefined;
      if (required) {
        if (required.outcome === "unknown") outcome = "unknown";
        else if (required.outcome !== "match") outcome = "no-match";
        else reasons.push(required.reason);
      }
      if (outcome === "unknown") summary.undecided += 1;
      if (outcome !== "match") continue;
      const savings = action.savings?.(resource, policy.action.args, ctx) ?? 0;
      matched.push({ resource, reasons, savings, ctx, scopes: names, ...(required?.hold ? { hold: required.hold } : {}) });
    }

    // Blast-radius caps keep the largest savings first, then a stable order by id.
    matched.sort((a, b) => b.savings - a.savings || a.resource.id.localeCompare(b.resource.id));
    let policyChanges = 0;
    for (const { resource, reasons, savings, hold, ctx, scopes: deciding } of matched) {
      summary.violations += 1;
      const description = action.describe?.(resource, policy.action.args, ctx);
      const details = action.details?.(resource, policy.action.args, ctx);
      const finding: Finding = {
        policy: policy.name,
        resourceId: resource.id,
        resourceName: resource.name,
        resourceGroup: resource.resourceGroup,
        kind: resource.kind ?? "any",
        verdict: "audit",
        action: action.name,
        effect: action.effect,
        reason: "",
        estimatedMonthlySavings: Math.round(savings * 100) / 100,
        ...(details === undefined ? {} : { details }),
        ...(deciding.length === 0 ? {} : { scopes: deciding }),
      };
      const { block, pass } = resourceGuards(resource, policy, action.effect, ctx);
      pass.expiredExemptions.forEach((note) => expired.add(note));
      // A proposal the action holds back is held like a guard's block, after the guards themselves.
      let guard = block ?? hold;
      if (policy.mode === "audit" && !block && hold) pass.notes.push(hold.reason);
      // What Azure cannot do to this resource is no change to count against a cap.
      const refused = action.refuses?.(resource, policy.action.args, ctx);
      if (!guard && refused !== undefined) guard = { guard: "refused", reason: refused };
      if (policy.mode === "enforce" && !guard && action.effect !== "none") {
        if (policy.limits?.maxResources !== undefined && policyChanges >= policy.limits.maxResources) {
          guard = { guard: "cap", reason: `blast-radius cap: at most ${policy.limits.maxResources} resources per run for this policy` };
        } else if (
          disruptive(action.effect) &&
          set.settings.maxChangesPerRun !== undefined &&
          runChanges >= set.settings.maxChangesPerRun
        ) {
          guard = { guard: "cap", reason: runCapReason(set.settings.maxChangesPerRun) };
          cappedByRun += 1;
          cappedByPolicy[policy.name] = (cappedByPolicy[policy.name] ?? 0) + 1;
        }
      }
      if (policy.mode === "audit") {
        finding.verdict = "audit";
        if (guard) pass.notes.push(guard.reason);
      } else if (guard) {
        finding.verdict = "blocked";
        finding.guard = guard.guard;
      } else {
        finding.verdict = policy.approval?.required ? "needs-approval" : "remediate";
        if (action.effect !== "none") policyChanges += 1;
        // The run-wide cap is about safety: only stops, deallocations and deletes spend it, never a tag merge.
        if (disruptive(action.effect)) runChanges += 1;
      }
      finding.reason = [
        ...reasons,
        ...(description ? [description] : []),
        ...(policy.mode === "enforce" && guard ? [guard.reason] : pass.notes),
        ...(policy.mode === "audit" ? ["audit mode: reported only"] : []),
        ...(deciding.length === 0 ? [] : [scopeNote(deciding)]),
      ].join("; ");

      if (finding.verdict === "remediate") summary.remediate += 1;
      else if (finding.verdict === "needs-approval") summary.needsApproval += 1;
      else if (finding.verdict === "blocked") summary.blocked += 1;
      else summary.audit += 1;
      if (finding.verdict === "remediate" || finding.verdict === "needs-approval")
        summary.estimatedMonthlySavings += finding.estimatedMonthlySavings;
      findings.push(finding);
    }
    summary.estimatedMonthlySavings = Math.round(summary.estimatedMonthlySavings * 100) / 100;
    summaries.push(summary);
  }

  return {
    findings,
    summary: {
      now: now.toISOString(),
      resources: inventory.resources.length,
      policies: summaries,
      estimatedMonthlySavings: actionableSavings(findings),
      currency: set.settings.currency,
      dryRun: set.settings.dryRun,
      expiredExemptions: [...expired].sort(),
      cappedByRun,
      cappedByRunByPolicy: cappedByPolicy,
    },
  };
}
