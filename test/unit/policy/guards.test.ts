/**
 * Guards apply to every finding whatever its policy says: production, exemptions (and their
 * expiry), change windows, blast-radius caps and dry-run. Policies are written in YAML and loaded
 * as users' files are; the evaluation is the pure one `plan` and the sweeps use.
 */
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { parsePolicyText } from "../../../shared/policy/loader.ts";
import type { AzurePolicyExemption, Finding, InventoryResource } from "../../../shared/policy/types.ts";
import { context, NOW, resource, STOP_RUNNING_POLICY, SUBSCRIPTION } from "./support.ts";

const registry = builtinRegistry();

function findings(
  yaml: string,
  resources: InventoryResource[],
  now = NOW,
  policyExemptions?: AzurePolicyExemption[],
): { findings: Finding[]; expired: string[] } {
  const set = parsePolicyText(yaml, "test.yaml", registry);
  const ctx = context({
    resources,
    groups: [
      { name: "rg-prod", tags: { environment: "prod" } },
      { name: "rg-dev", tags: { environment: "dev" } },
    ],
  });
  const inventory = policyExemptions === undefined ? ctx.inventory : { ...ctx.inventory, policyExemptions };
  const evaluation = evaluate(set, inventory, ctx.facts, now, registry);
  return { findings: evaluation.findings, expired: evaluation.summary.expiredExemptions };
}

const STOP_RUNNING = (extra = "", settings = "") => `${settings}policies:\n${STOP_RUNNING_POLICY}${extra}`;

const vm = (name: string, group: string, tags: Record<string, string> = {}) => resource({ name, resourceGroup: group, tags });

describe("production guard", () => {
  it("1. blocks stopping a VM whose environment tag is prod", () => {
    const [finding] = findings(STOP_RUNNING(), [vm("vm-a", "rg-dev", { environment: "prod" })]).findings;
    expect(finding).toMatchObject({ verdict: "blocked", guard: "production" });
    expect(finding?.reason).toContain("environment=prod is production");
  });

  it("2. blocks stopping a VM that inherits prod from its resource group", () => {
    expect(findings(STOP_RUNNING(), [vm("vm-b", "rg-prod")]).findings[0]).toMatchObject({ verdict: "blocked", guard: "production" });
  });

  it("3. treats an unknown environment as production", () => {
    const [finding] = findings(STOP_RUNNING(), [vm("vm-c", "rg-none")]).findings;
    expect(finding).toMatchObject({ verdict: "blocked", guard: "production" });
    expect(finding?.reason).toContain("environment unknown");
  });

  it("lets a policy that names production and requires approval ask for it, never act alone", () => {
    const extra = "    includeProduction: true\n    approval: { required: true, approvers: [platform-team] }\n";
    expect(findings(STOP_RUNNING(extra), [vm("vm-d", "rg-prod")]).findings[0]).toMatchObject({ verdict: "needs-approval" });
  });

  it("does not stand in the way of changes that neither stop nor delete (tags on production)", () => {
    const yaml = `policies:
  - name: tag-it
    resource: virtual-machine
    mode: enforce
    when: [{ tag: owner, present: false }]
    action: { type: tag, inherit: [owner] }
`;
    expect(findings(yaml, [vm("vm-e", "rg-prod")]).findings[0]).toMatchObject({ verdict: "remediate" });
  });

  it("compliant: a dev VM is stopped", () => {
    expect(findings(STOP_RUNNING(), [vm("vm-f", "rg-dev")]).findings[0]).toMatchObject({ verdict: "remediate", action: "deallocate" });
  });
});

describe("exemptions", () => {
  it("1. an exemption tag until a future date blocks the change, with its reason", () => {
    const [finding] = findings(STOP_RUNNING(), [
      vm("vm-a", "rg-dev", { "governor-exempt-until": "2026-12-15", "governor-exempt-reason": "load test" }),
    ]).findings;
    expect(finding).toMatchObject({ verdict: "blocked", guard: "exemption" });
    expect(finding?.reason).toContain("exempt until 2026-12-15 (tag governor-exempt-until: load test)");
  });

  it("2. an exemption lasts to the end of its day", () => {
    const lastDay = new Date("2026-12-15T22:00:00Z");
    expect(findings(STOP_RUNNING(), [vm("vm-b", "rg-dev", { "governor-exempt-until": "2026-12-15" })], lastDay).findings[0]?.verdict).toBe(
      "blocked",
    );
  });

  it("3. the policy's exemptions list, by name or id, blocks the change", () => {
    const extra = "    exemptions:\n      - { resource: vm-c, until: 2027-01-31, reason: migration }\n";
    expect(findings(STOP_RUNNING(extra), [vm("vm-c", "rg-dev")]).findings[0]).toMatchObject({ verdict: "blocked", guard: "exemption" });
  });

  it("4. an unreadable exemption date is honoured and says what to fix", () => {
    const [finding] = findings(STOP_RUNNING(), [vm("vm-d", "rg-dev", { "governor-exempt-until": "next friday" })]).findings;
    expect(finding).toMatchObject({ verdict: "blocked", guard: "exemption" });
    expect(finding?.reason).toContain("is not a date");
  });

  it("an expired exemption no longer counts, and is reported", () => {
    const result = findings(STOP_RUNNING(), [vm("vm-e", "rg-dev", { "governor-exempt-until": "2026-11-01" })]);
    expect(result.findings[0]).toMatchObject({ verdict: "remediate" });
    expect(result.findings[0]?.reason).toContain("exemption until 2026-11-01 expired");
    expect(result.expired).toEqual(["vm-e: exemption until 2026-11-01 (tag governor-exempt-until) has expired"]);
  });
});

describe("Azure Policy exemptions", () => {
  const assignment = (name = "governor-baseline") =>
    `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/policyAssignments/${name}`;
  const on = (target: InventoryResource | string, fields: Partial<AzurePolicyExemption> = {}): AzurePolicyExemption => {
    const scope = typeof target === "string" ? target : target.id;
    return {
      id: `${scope}/providers/Microsoft.Authorization/policyExemptions/waiver`,
      name: "waiver",
      scope,
      policyAssignmentId: assignment(),
      policyDefinitionReferenceIds: [],
      expiresOn: "2026-12-31T23:59:59.000Z",
      category: "Waiver",
      reason: "load tests",
      ...fields,
    };
  };

  it("an exemption of Governor's assignment on the resource blocks the change until it expires, with its name and reason", () => {
    const target = vm("vm-p", "rg-dev");
    const [finding] = findings(STOP_RUNNING(), [target], NOW, [on(target)]).findings;
    expect(finding).toMatchObject({ verdict: "blocked", guard: "exemption" });
    expect(finding?.reason).toContain("exempt: Azure Policy exemption waiver until 2026-12-31T23:59:59.000Z (Waiver: load tests)");
  });

  it("counts on the resource group or subscription too, and for the policy's own references only", () => {
    const target = vm("vm-q", "rg-dev");
    const group = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-dev`;
    expect(findings(STOP_RUNNING(), [target], NOW, [on(group)]).findings[0]?.verdict).toBe("blocked");
    expect(findings(STOP_RUNNING(), [target], NOW, [on(`/subscriptions/${SUBSCRIPTION}`)]).findings[0]?.verdict).toBe("blocked");
    const ours = on(target, { policyDefinitionReferenceIds: ["stop-running.weekdays"] });
    expect(findings(STOP_RUNNING(), [target], NOW, [ours]).findings[0]?.verdict).toBe("blocked");
    const another = on(target, { policyDefinitionReferenceIds: ["allowed-regions"] });
    expect(findings(STOP_RUNNING(), [target], NOW, [another]).findings[0]?.verdict).toBe("remediate");
  });

  it("ignores exemptions of other assignments and of other resources", () => {
    const target = vm("vm-r", "rg-dev");
    const elsewhere = on(vm("vm-other", "rg-dev"));
    const otherAssignment = on(target, { policyAssignmentId: assignment("security-benchmark") });
    expect(findings(STOP_RUNNING(), [target], NOW, [elsewhere, otherAssignment]).findings[0]?.verdict).toBe("remediate");
  });

  it("an expired Azure Policy exemption no longer counts, and is reported", () => {
    const target = vm("vm-s", "rg-dev");
    const result = findings(STOP_RUNNING(), [target], NOW, [on(target, { expiresOn: "2026-11-01T00:00:00.000Z" })]);
    expect(result.findings[0]).toMatchObject({ verdict: "remediate" });
    expect(result.expired).toEqual(["vm-s: Azure Policy exemption waiver until 2026-11-01T00:00:00.000Z has expired"]);
  });
});

describe("change windows", () => {
  const freezes = `settings:
  timeZone: Europe/Brussels
  holidays: BE
  blackouts:
    - { name: month-end close, environments: [dev], lastWorkingDays: 3 }
    - { name: go-live, from: "2026-12-07", to: "2026-12-09" }
`;

  it("1. blocks a stop during month-end close for the environments it names", () => {
    const [finding] = findings(STOP_RUNNING("", freezes), [vm("vm-a", "rg-dev")], new Date("2026-11-27T10:00:00Z")).findings;
    expect(finding).toMatchObject({ verdict: "blocked", guard: "change-window" });
    expect(finding?.reason).toContain("month-end close");
  });

  it("2. blocks a stop in a fixed freeze for every environment", () => {
    const [finding] = findings(STOP_RUNNING("", freezes), [vm("vm-b", "rg-dev")], new Date("2026-12-08T10:00:00Z")).findings;
    expect(finding?.reason).toContain("go-live");
  });

  it("compliant: outside every freeze the stop goes ahead, and the reason says so", () => {
    const [finding] = findings(STOP_RUNNING("", freezes), [vm("vm-c", "rg-dev")], new Date("2026-11-24T10:00:00Z")).findings;
    expect(finding).toMatchObject({ verdict: "remediate" });
    expect(finding?.reason).toContain("outside change freeze");
  });
});

describe("blast-radius caps and dry-run", () => {
  const vms = Array.from({ length: 5 }, (_, index) => vm(`vm-${index}`, "rg-dev"));

  it("1. a policy's cap lets the first resources through and blocks the rest, saying why", () => {
    const result = findings(STOP_RUNNING("    limits: { maxResources: 2 }\n"), vms).findings;
    expect(result.filter((finding) => finding.verdict === "remediate")).toHaveLength(2);
    const capped = result.filter((finding) => finding.guard === "cap");
    expect(capped).toHaveLength(3);
    expect(capped[0]?.reason).toContain("at most 2 resources per run for this policy");
  });

  it("2. the run-wide cap counts changes across policies", () => {
    const yaml = STOP_RUNNING("", "settings:\n  maxChangesPerRun: 3\n");
    const result = findings(yaml, vms).findings;
    expect(result.filter((finding) => finding.verdict === "remediate")).toHaveLength(3);
    const capped = result.filter((finding) => finding.guard === "cap");
    expect(capped).toHaveLength(2);
    expect(capped[0]?.reason).toContain("at most 3 disruptive or destructive changes (stop, deallocate, delete) per run");
  });

  it("tag merges earlier in the policy order do not spend the run-wide cap of deallocations", () => {
    const yaml = `settings:
  maxChangesPerRun: 3
policies:
  - name: tag-owner
    resource: virtual-machine
    mode: enforce
    when: [{ tag: owner, present: false }]
    action: { type: tag, inherit: [owner] }
  - name: stop-running
    resource: virtual-machine
    mode: enforce
    when:
      - power-state: running
    action: deallocate
`;
    const set = parsePolicyText(yaml, "test.yaml", registry);
    const ctx = context({ resources: vms, groups: [{ name: "rg-dev", tags: { environment: "dev", owner: "ops@example.com" } }] });
    const evaluation = evaluate(set, ctx.inventory, ctx.facts, NOW, registry);
    const verdicts = (policy: string) =>
      evaluation.findings.filter((finding) => finding.policy === policy).map((finding) => finding.verdict);
    expect(verdicts("tag-owner")).toEqual(Array(5).fill("remediate"));
    expect(verdicts("stop-running").filter((verdict) => verdict === "remediate")).toHaveLength(3);
    expect(evaluation.summary.cappedByRun).toBe(2);
    expect(evaluation.summary.cappedByRunByPolicy).toEqual({ "stop-running": 2 });
  });

  it("a run-wide cap of 0 stops no tag merge: only a policy's own limit caps those", () => {
    const yaml = `settings:
  maxChangesPerRun: 0
policies:
  - name: tag-owner
    resource: virtual-machine
    mode: enforce
    when: [{ tag: owner, present: false }]
    action: { type: tag, inherit: [owner] }
    limits: { maxResources: 4 }
`;
    const result = findings(yaml, vms).findings;
    expect(result.filter((finding) => finding.verdict === "remediate")).toHaveLength(4);
    expect(result.filter((finding) => finding.guard === "cap")[0]?.reason).toContain("at most 4 resources per run for this policy");
  });

  it("3. dry-run blocks every change and says so", () => {
    const result = findings(STOP_RUNNING("", "settings:\n  dryRun: true\n"), vms).findings;
    expect(new Set(result.map((finding) => finding.guard))).toEqual(new Set(["dry-run"]));
  });

  it("compliant: audit mode reports and never acts, whatever the guards", () => {
    const result = findings(STOP_RUNNING().replace("mode: enforce", "mode: audit"), [vm("vm-x", "rg-prod"), vm("vm-y", "rg-dev")]).findings;
    expect(result.map((finding) => finding.verdict)).toEqual(["audit", "audit"]);
    expect(result.find((finding) => finding.resourceName === "vm-x")?.reason).toContain("is production");
  });
});
