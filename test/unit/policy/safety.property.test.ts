/**
 * The safety property, over generated estates and policy sets: no evaluation ever proposes a
 * disruptive or destructive change (one Governor would carry out, with or without approval) to a
 * production or exempt resource, unless the policy names production and requires approval; and
 * even then, never without approval and never on an exempt resource.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { DEFAULT_SETTINGS } from "../../../shared/policy/settings.ts";
import type { Condition, InventoryResource, Policy, PolicySet, ResourceKind } from "../../../shared/policy/types.ts";
import { NOW, resource } from "./support.ts";

const registry = builtinRegistry();
const KINDS = ["virtual-machine", "aks-cluster", "snapshot", "disk"] as const;
const ENVIRONMENTS = ["prod", "production", "PROD", "dev", "test", "staging", undefined] as const;
const EXEMPT_UNTIL = [undefined, "2026-12-31", "2026-11-23", "2026-11-22", "2025-01-01", "next friday"] as const;
const GROUPS = [
  { name: "rg-a", tags: { environment: "prod" } },
  { name: "rg-b", tags: { environment: "dev" } },
  { name: "rg-c", tags: {} as Record<string, string> },
];

/** Conditions that hold for many generated resources, so policies match often. */
const CONDITIONS: Array<{ kinds: readonly string[]; build: () => Condition }> = [
  { kinds: KINDS, build: () => ({ filter: "tag", args: registry.filter("tag")?.parse({ tag: "owner", present: true }), source: {} }) },
  { kinds: KINDS, build: () => ({ filter: "tag", args: registry.filter("tag")?.parse({ tag: "owner", present: false }), source: {} }) },
  {
    kinds: ["virtual-machine", "aks-cluster"],
    build: () => ({ filter: "power-state", args: registry.filter("power-state")?.parse({ "power-state": "running" }), source: {} }),
  },
];

const arbitraryResource = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    index: fc.nat(10_000),
    group: fc.constantFrom(...GROUPS),
    environment: fc.constantFrom(...ENVIRONMENTS),
    exemptUntil: fc.constantFrom(...EXEMPT_UNTIL),
    owner: fc.boolean(),
  })
  .map(({ kind, index, group, environment, exemptUntil, owner }): InventoryResource => {
    const tags: Record<string, string> = {};
    if (environment !== undefined) tags.environment = environment;
    if (exemptUntil !== undefined) tags["governor-exempt-until"] = exemptUntil;
    if (owner) tags.owner = "ops";
    return resource({ kind, name: `${kind}-${index}`, resourceGroup: group.name, tags });
  });

/** Arguments an action cannot do without, as a policy file would give them. */
const ACTION_ARGS: Record<string, Record<string, unknown>> = { tag: { inherit: ["owner"] } };

function arbitraryPolicy(names: string[]): fc.Arbitrary<Policy> {
  return fc
    .record({
      kind: fc.constantFrom<ResourceKind>(...KINDS, "any"),
      conditions: fc.subarray(CONDITIONS, { maxLength: 2 }),
      actionIndex: fc.nat(100),
      mode: fc.constantFrom("audit" as const, "enforce" as const),
      includeProduction: fc.boolean(),
      approvalRequired: fc.option(fc.boolean(), { nil: undefined }),
      exempted: fc.subarray(names, { maxLength: Math.min(3, names.length) }),
      exemptionUntil: fc.constantFrom("2026-12-31", "2026-01-01"),
      maxResources: fc.option(fc.nat(5), { nil: undefined }),
    })
    .map((spec) => {
      // As the loader allows: a policy for every kind takes only actions that suit every kind.
      const actions = registry.actions.filter(
        (action) => action.appliesTo.includes("any") || (spec.kind !== "any" && action.appliesTo.includes(spec.kind)),
      );
      const action = actions[spec.actionIndex % actions.length];
      const policy: Policy = {
        name: `policy-${spec.actionIndex}`,
        resource: spec.kind,
        mode: spec.mode,
        when: spec.conditions.filter((entry) => spec.kind === "any" || entry.kinds.includes(spec.kind)).map((entry) => entry.build()),
        action: {
          type: action?.name ?? "notify",
          args: (action?.parse?.(ACTION_ARGS[action.name] ?? {}) as Record<string, unknown> | undefined) ?? {},
        },
        exemptions: spec.exempted.map((name) => ({ resource: name, until: spec.exemptionUntil })),
        includeProduction: spec.includeProduction,
      };
      if (spec.approvalRequired !== undefined) {
        policy.approval = { required: spec.approvalRequired, approvers: ["ops"], escalation: [], timeoutMs: 3_600_000, onTimeout: "skip" };
      }
      if (spec.maxResources !== undefined) policy.limits = { maxResources: spec.maxResources };
      return policy;
    });
}

function isProductionOrUnknown(subject: InventoryResource): boolean {
  const own = subject.tags.environment;
  const environment = own ?? GROUPS.find((group) => group.name === subject.resourceGroup)?.tags.environment;
  return environment === undefined || ["prod", "production"].includes(environment.toLowerCase());
}

/** Exempt by tag until a date not yet past (end of that day), or by a tag nobody can read. */
function isExemptByTag(subject: InventoryResource): boolean {
  const until = subject.tags["governor-exempt-until"];
  if (until === undefined) return false;
  const date = new Date(`${until}T23:59:59Z`);
  return Number.isNaN(date.getTime()) || date.getTime() >= NOW.getTime();
}

const scenario = fc.uniqueArray(arbitraryResource, { minLength: 1, maxLength: 25, selector: (subject) => subject.id }).chain((resources) =>
  fc.record({
    resources: fc.constant(resources),
    policies: fc.array(arbitraryPolicy(resources.map((subject) => subject.name)), { minLength: 1, maxLength: 4 }),
    dryRun: fc.boolean(),
  }),
);

describe("safety of evaluation (property-based)", () => {
  it("never proposes to stop or delete production or exempt resources unless a policy names production and requires approval", () => {
    fc.assert(
      fc.property(scenario, ({ resources, policies, dryRun }) => {
        const set: PolicySet = {
          settings: { ...DEFAULT_SETTINGS, dryRun },
          policies: policies.map((policy, index) => ({ ...policy, name: `${policy.name}-${index}` })),
          sources: [],
        };
        const inventory = {
          subscriptionId: "s",
          resources,
          resourceGroups: Object.fromEntries(
            GROUPS.map((group) => [
              group.name,
              { id: `/subscriptions/s/resourceGroups/${group.name}`, name: group.name, location: "westeurope", tags: group.tags },
            ]),
          ),
        };
        const { findings } = evaluate(set, inventory, { metrics: {}, backup: {}, vaults: [] }, NOW, registry);
        for (const finding of findings) {
          if (finding.effect !== "disruptive" && finding.effect !== "destructive") continue;
          if (finding.verdict !== "remediate" && finding.verdict !== "needs-approval") continue;
          const subject = resources.find((candidate) => candidate.id === finding.resourceId) as InventoryResource;
          const policy = set.policies.find((candidate) => candidate.name === finding.policy) as Policy;
          expect(dryRun, "dry-run lets nothing through").toBe(false);
          expect(isExemptByTag(subject), `${subject.name} is exempt by tag`).toBe(false);
          const listed = policy.exemptions.find((exemption) => exemption.resource === subject.name && exemption.until === "2026-12-31");
          expect(listed, `${subject.name} is exempt by the policy`).toBeUndefined();
          if (isProductionOrUnknown(subject)) {
            expect(policy.includeProduction && policy.approval?.required, `${subject.name} is production`).toBe(true);
            expect(finding.verdict).toBe("needs-approval");
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("generates scenarios where policies do act, so the property is not vacuous", () => {
    let acted = 0;
    fc.assert(
      fc.property(scenario, ({ resources, policies }) => {
        const set: PolicySet = {
          settings: DEFAULT_SETTINGS,
          policies: policies.map((policy, index) => ({ ...policy, name: `${policy.name}-${index}` })),
          sources: [],
        };
        const inventory = { subscriptionId: "s", resources, resourceGroups: {} };
        const { findings } = evaluate(set, inventory, { metrics: {}, backup: {}, vaults: [] }, NOW, registry);
        acted += findings.filter((finding) => finding.effect === "disruptive" || finding.effect === "destructive").length;
      }),
      { numRuns: 100 },
    );
    expect(acted).toBeGreaterThan(20);
  });
});
