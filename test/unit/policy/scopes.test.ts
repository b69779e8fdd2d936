/**
 * Layered settings (`scopes:`): a management group, a subscription or a resource group gets its
 * own time zone, holidays, freezes and production values, a policy off or with other conditions.
 * The most specific scope wins, field by field, and each finding it decides names it. Policies are
 * loaded as users' files are; the evaluation is the pure one `plan` and the sweeps use.
 */
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { parsePolicyText, PolicyLoadError } from "../../../shared/policy/loader.ts";
import { resourceScope } from "../../../shared/policy/scopes.ts";
import type { Finding, InventoryResource } from "../../../shared/policy/types.ts";
import { context, NOW, resource, STOP_RUNNING_POLICY, SUBSCRIPTION } from "./support.ts";

const registry = builtinRegistry();
const OTHER_SUBSCRIPTION = "0b7e3c9a-1d2f-4e5a-8b6c-7d8e9f0a1b2c";

const POLICIES = `policies:
${STOP_RUNNING_POLICY}  - name: tag-owner
    resource: virtual-machine
    mode: enforce
    when: [{ tag: owner, present: false }]
    action: { type: tag, inherit: [owner] }
`;

/** A freeze on 24 November only: at NOW (23 November, 19:30 UTC) it is already the 24th in Auckland, not yet in Brussels. */
const FREEZE_24TH = "[{ name: nz-peak, from: 2026-11-24, to: 2026-11-24 }]";

function plan(scopes: string, resources: InventoryResource[], managementGroups?: Record<string, string[]>): Finding[] {
  const set = parsePolicyText(`${scopes}${POLICIES}`, "test.yaml", registry);
  const ctx = context({
    resources,
    groups: [
      { name: "rg-dev", tags: { environment: "dev" } },
      { name: "rg-dev-nz", tags: { environment: "dev" } },
      { name: "rg-qa", tags: { environment: "qa" } },
    ],
  });
  const inventory = managementGroups === undefined ? ctx.inventory : { ...ctx.inventory, managementGroups };
  return evaluate(set, inventory, ctx.facts, NOW, registry).findings;
}

const vm = (name: string, group: string, spec: Partial<InventoryResource> = {}) => resource({ name, resourceGroup: group, ...spec });
const of = (findings: Finding[], name: string, policy = "stop-running") =>
  findings.find((finding) => finding.resourceName === name && finding.policy === policy);

describe("scopes change verdicts for the resources under them, and say so", () => {
  it("a resource group's time zone and freeze block its stop; the same VM elsewhere is stopped, naming no scope", () => {
    const scopes = `scopes:
  - name: nordwind-nz
    match: { resourceGroup: rg-dev-nz }
    settings: { timeZone: Pacific/Auckland, blackouts: ${FREEZE_24TH} }
`;
    const findings = plan(scopes, [vm("vm-nz", "rg-dev-nz"), vm("vm-be", "rg-dev")]);
    expect(of(findings, "vm-nz")).toMatchObject({ verdict: "blocked", guard: "change-window", scopes: ["nordwind-nz"] });
    expect(of(findings, "vm-nz")?.reason).toMatch(/nz-peak.*; scope nordwind-nz$/);
    expect(of(findings, "vm-be")).toMatchObject({ verdict: "remediate" });
    expect(of(findings, "vm-be")?.scopes).toBeUndefined();
    // Without the scope's time zone, the same freeze has not begun in Brussels yet.
    const brussels = plan(
      `scopes:\n  - name: nz-freeze-only\n    match: { resourceGroup: rg-dev-nz }\n    settings: { blackouts: ${FREEZE_24TH} }\n`,
      [vm("vm-nz", "rg-dev-nz")],
    );
    expect(of(brussels, "vm-nz")).toMatchObject({ verdict: "remediate", scopes: ["nz-freeze-only"] });
  });

  it("a subscription's scope turns a policy off there: no finding for its resources, the others keep theirs", () => {
    const scopes = `scopes:
  - name: customer-b
    match: { subscription: ${OTHER_SUBSCRIPTION} }
    policies: { stop-running: { enabled: false } }
`;
    const theirs = vm("vm-b", "rg-dev", {
      id: `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg-dev/providers/Microsoft.Compute/virtualMachines/vm-b`,
    });
    const findings = plan(scopes, [theirs, vm("vm-a", "rg-dev")]);
    expect(of(findings, "vm-b")).toBeUndefined();
    expect(of(findings, "vm-b", "tag-owner")?.scopes).toBeUndefined();
    expect(of(findings, "vm-a")).toMatchObject({ verdict: "remediate" });
  });

  it("a scope's other production values make its qa VMs production, guarded", () => {
    const scopes = `scopes:
  - name: qa-is-production
    match: { resourceGroup: rg-qa }
    settings: { productionEnvironments: [prod, qa] }
`;
    const findings = plan(scopes, [vm("vm-qa", "rg-qa")]);
    expect(of(findings, "vm-qa")).toMatchObject({ verdict: "blocked", guard: "production", scopes: ["qa-is-production"] });
  });

  it("a scope's conditions replace the policy's there (other thresholds)", () => {
    const scopes = `scopes:
  - name: keep-dev-running
    match: { resourceGroup: rg-dev }
    policies: { stop-running: { when: [{ power-state: running }, { tag: stoppable, equals: "yes" }] } }
`;
    const findings = plan(scopes, [vm("vm-x", "rg-dev"), vm("vm-y", "rg-dev", { tags: { stoppable: "yes" } })]);
    expect(of(findings, "vm-x")).toBeUndefined();
    expect(of(findings, "vm-y")).toMatchObject({ verdict: "remediate", scopes: ["keep-dev-running"] });
  });

  it("the most specific scope wins field by field: the group's freeze, the management group's time zone", () => {
    const scopes = `scopes:
  - name: nordwind-apac
    match: { managementGroup: mg-nordwind-apac }
    settings: { timeZone: Pacific/Auckland }
  - name: nz-subscription
    match: { subscription: ${SUBSCRIPTION} }
    settings: { blackouts: [] }
  - name: nz-group
    match: { resourceGroup: rg-dev-nz, subscription: ${SUBSCRIPTION} }
    settings: { blackouts: ${FREEZE_24TH} }
`;
    const groups = { [SUBSCRIPTION.toLowerCase()]: ["mg-nordwind-apac", "mg-nordwind"] };
    const findings = plan(scopes, [vm("vm-nz", "rg-dev-nz"), vm("vm-be", "rg-dev")], groups);
    expect(of(findings, "vm-nz")).toMatchObject({
      verdict: "blocked",
      guard: "change-window",
      scopes: ["nordwind-apac", "nz-subscription", "nz-group"],
    });
    expect(of(findings, "vm-nz")?.reason).toContain("scope nordwind-apac > nz-subscription > nz-group");
    // Without the management groups read, the group's scope does not apply: its time zone is Brussels', the freeze not begun.
    expect(of(plan(scopes, [vm("vm-nz", "rg-dev-nz")]), "vm-nz")).toMatchObject({
      verdict: "remediate",
      scopes: ["nz-subscription", "nz-group"],
    });
  });

  it("a nearer management group wins over one above it", () => {
    const set = parsePolicyText(
      `scopes:
  - name: top
    match: { managementGroup: mg-nordwind }
    settings: { timeZone: Europe/Warsaw }
  - name: near
    match: { managementGroup: mg-nordwind-apac }
    settings: { timeZone: Pacific/Auckland }
${POLICIES}`,
      "test.yaml",
      registry,
    );
    const scope = resourceScope(vm("vm-nz", "rg-dev-nz"), set.scopes ?? [], set.settings, {
      subscriptionId: SUBSCRIPTION,
      managementGroups: { [SUBSCRIPTION.toLowerCase()]: ["mg-nordwind-apac", "mg-nordwind"] },
    });
    expect(scope.settings.timeZone).toBe("Pacific/Auckland");
    expect(scope.applied.map((applied) => applied.name)).toEqual(["top", "near"]);
  });
});

describe("the loader checks scopes with the same care as the rest", () => {
  const issues = (scopes: string): Array<{ path: string; message: string }> => {
    try {
      parsePolicyText(`${scopes}${POLICIES}`, "test.yaml", registry);
    } catch (error) {
      if (error instanceof PolicyLoadError) return error.issues.map(({ path, message }) => ({ path, message }));
      throw error;
    }
    return [];
  };

  it("1. a scope naming a policy the file does not have", () => {
    expect(
      issues("scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    policies: { stop-everything: { enabled: false } }\n"),
    ).toEqual([{ path: "scopes[0].policies.stop-everything", message: 'no policy named "stop-everything" in this file' }]);
  });

  it("2. a management group together with a resource group", () => {
    expect(issues("scopes:\n  - name: a\n    match: { managementGroup: mg-x, resourceGroup: rg-dev }\n")[0]?.message).toMatch(
      /^a scope matches a management group, or a subscription and resource group, not both/,
    );
  });

  it("3. two scopes of the same place", () => {
    expect(
      issues("scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n  - name: b\n    match: { resourceGroup: RG-DEV }\n")[0],
    ).toMatchObject({
      path: "scopes[1].match",
      message: expect.stringContaining("scopes[0] already matches resource group RG-DEV") as string,
    });
  });

  it("4. a time zone, holidays and a freeze that are not valid", () => {
    const found = issues(
      "scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    settings: { timeZone: Mars/Olympus, holidays: XX, blackouts: [{ name: f, from: 2026-12-10, to: 2026-12-01 }] }\n",
    );
    expect(found.map((issue) => issue.path)).toEqual([
      "scopes[0].settings.timeZone",
      "scopes[0].settings.holidays",
      "scopes[0].settings.blackouts[0]",
    ]);
  });

  it("5. a condition of a scoped policy that its filter refuses, and a subscription that is no subscription id", () => {
    expect(
      issues(
        "scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    policies: { stop-running: { when: [{ power-state: sleeping }] } }\n",
      )[0]?.path,
    ).toBe("scopes[0].policies.stop-running.when[0].power-state");
    expect(issues("scopes:\n  - name: a\n    match: { subscription: customer-b }\n")[0]?.path).toBe("scopes[0].match.subscription");
  });

  it("6. a setting a scope cannot set (tag names are the whole file's)", () => {
    expect(
      issues("scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    settings: { tags: { owner: Owner } }\n")[0]?.message,
    ).toBe('unknown field "tags"');
  });

  it("7. a scope's digest to no one, or to something that is no email address", () => {
    expect(issues("scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    digest: { to: [] }\n")[0]?.path).toBe(
      "scopes[0].digest.to",
    );
    expect(issues("scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    digest: { to: [team-a] }\n")[0]?.path).toBe(
      "scopes[0].digest.to[0]",
    );
    expect(issues("scopes:\n  - name: a\n    match: { resourceGroup: rg-dev }\n    digest: { cc: [a@b.example] }\n")).not.toEqual([]);
  });

  it("compliant: a scope's digest keeps its team's addresses", () => {
    const set = parsePolicyText(
      `scopes:\n  - name: pl\n    match: { subscription: ${OTHER_SUBSCRIPTION} }\n    digest: { to: [ops-pl@nordwind.example, it@nordwind.example] }\n${POLICIES}`,
      "test.yaml",
      registry,
    );
    expect(set.scopes?.[0]?.digest).toEqual({ to: ["ops-pl@nordwind.example", "it@nordwind.example"] });
  });

  it("compliant: scopes load with their settings normalised and their conditions parsed", () => {
    const set = parsePolicyText(
      `scopes:\n  - name: pl\n    match: { subscription: ${OTHER_SUBSCRIPTION} }\n    settings: { timeZone: Europe/Warsaw, holidays: pl, blackouts: [{ name: close, lastWorkingDays: 2 }] }\n    policies: { stop-running: { when: [{ power-state: running }] } }\n${POLICIES}`,
      "test.yaml",
      registry,
    );
    expect(set.scopes).toEqual([
      {
        name: "pl",
        match: { subscription: OTHER_SUBSCRIPTION },
        settings: { timeZone: "Europe/Warsaw", holidays: "PL", blackouts: [{ name: "close", lastWorkingDays: 2, environments: [] }] },
        policies: { "stop-running": { when: [expect.objectContaining({ filter: "power-state" })] } },
      },
    ]);
  });
});
