/**
 * Which resources Governor hands to Azure Policy remediation tasks, and how each resource's
 * outcome is read from a task's deployments: pure, no I/O.
 */
import { describe, expect, it } from "vitest";
import {
  handedOver,
  handOver,
  type NonCompliantState,
  remediationTaskName,
  TASK_RESOURCES_MAX,
  taskOutcomes,
  type TaskStatus,
} from "../../../shared/azurePolicy/remediationTasks.ts";
import { byResource } from "../../../orchestrations/policyRemediation.ts";
import type { Finding, Verdict } from "../../../shared/policy/types.ts";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
const vm = (name: string): string => `${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`;

function finding(name: string, verdict: Verdict, reason = "missing cost-center"): Finding {
  return {
    policy: "required-tags",
    resourceId: vm(name),
    resourceName: name,
    resourceGroup: "rg-odoo-dev",
    kind: "virtual-machine",
    verdict,
    action: "tag",
    effect: "modify",
    reason,
    ...(verdict === "blocked" ? { guard: "exemption" } : {}),
    estimatedMonthlySavings: 0,
  };
}
const state = (name: string, referenceId = "required-tags.inherit-cost-center", effect = "modify"): NonCompliantState => ({
  resourceId: vm(name),
  referenceId,
  effect,
});

describe("handOver: the resources a remediation task may touch", () => {
  it("1. a resource Governor's guards hold is kept from every task, with the guard's reason", () => {
    const over = handOver([finding("vm-a", "blocked", "exempt until 2027-06-30 (governor-exempt-until)")], [state("vm-a")]);
    expect(over.tasks).toEqual([]);
    expect(over.kept).toEqual([
      {
        resourceId: vm("vm-a"),
        referenceId: "required-tags.inherit-cost-center",
        reason: "held by Governor: exempt until 2027-06-30 (governor-exempt-until)",
      },
    ]);
  });

  it("2. a resource Azure Policy reports but Governor's plan does not change is kept", () => {
    const over = handOver([], [state("vm-b")]);
    expect(over.tasks).toEqual([]);
    expect(over.kept[0]?.reason).toMatch(/^Governor's plan has no change for it/);
  });

  it("3. an audit finding is kept: the policy reports only", () => {
    expect(handOver([finding("vm-c", "audit", "reported only")], [state("vm-c")]).kept[0]?.reason).toBe("audit: reported only");
  });

  it("4. a reference whose effect no task can correct (deny, audit) is not handed over at all", () => {
    const over = handOver(
      [finding("vm-d", "needs-approval")],
      [state("vm-d", "required-tags.require-owner", "deny"), state("vm-d", "allowed-regions", "audit")],
    );
    expect(over).toEqual({ tasks: [], kept: [] });
  });

  it("5. a state reported twice counts once; a resource of two references goes into a task of each", () => {
    const over = handOver(
      [finding("vm-e", "needs-approval")],
      [state("vm-e"), state("vm-e"), state("vm-e", "required-tags.inherit-owner"), state("vm-e", "backup.deploy", "deployifnotexists")],
    );
    expect(over.tasks.map((task) => [task.referenceId, task.effect, task.resourceIds])).toEqual([
      ["backup.deploy", "deployifnotexists", [vm("vm-e")]],
      ["required-tags.inherit-cost-center", "modify", [vm("vm-e")]],
      ["required-tags.inherit-owner", "modify", [vm("vm-e")]],
    ]);
    expect([...handedOver(over.tasks)]).toEqual([vm("vm-e").toLowerCase()]);
  });

  it("6. more resources than a task takes are split into tasks of at most 100, in id order", () => {
    const names = Array.from({ length: 2 * TASK_RESOURCES_MAX + 5 }, (_, index) => `vm-${String(index).padStart(3, "0")}`);
    const over = handOver(
      names.map((name) => finding(name, "remediate")),
      [...names].reverse().map((name) => state(name)),
    );
    expect(over.tasks.map((task) => task.resourceIds.length)).toEqual([100, 100, 5]);
    expect(over.tasks[0]?.resourceIds[0]).toBe(vm("vm-000"));
    expect(over.tasks[2]?.resourceIds.at(-1)).toBe(vm("vm-204"));
  });

  it("7. resources of two subscriptions go into tasks of their own subscription, each for its subscription's assignment", () => {
    const other = (name: string): string =>
      `/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`;
    const elsewhere: Finding = { ...finding("vm-x", "remediate"), resourceId: other("vm-x"), resourceName: "vm-x" };
    const over = handOver(
      [finding("vm-a", "remediate"), elsewhere, finding("vm-b", "remediate")],
      [state("vm-a"), { ...state("vm-x"), resourceId: other("vm-x") }, state("vm-b")],
    );
    expect(over.tasks).toEqual([
      { referenceId: "required-tags.inherit-cost-center", effect: "modify", resourceIds: [vm("vm-a"), vm("vm-b")] },
      { referenceId: "required-tags.inherit-cost-center", effect: "modify", resourceIds: [other("vm-x")] },
    ]);
  });

  it("compliant case: what Azure Policy reports and Governor would change (needs-approval or remediate) is handed over, ids matched case-insensitively", () => {
    const over = handOver(
      [finding("vm-f", "needs-approval"), finding("vm-g", "remediate")],
      [{ ...state("vm-f"), resourceId: vm("vm-f").toLowerCase() }, state("vm-g")],
    );
    expect(over.kept).toEqual([]);
    expect(over.tasks).toEqual([
      { referenceId: "required-tags.inherit-cost-center", effect: "modify", resourceIds: [vm("vm-f"), vm("vm-g")] },
    ]);
  });
});

describe("taskOutcomes: each resource's outcome from the task's deployments", () => {
  const task = {
    name: "governor-required-tags-inherit-owner-1",
    referenceId: "required-tags.inherit-owner",
    resourceIds: [vm("vm-a"), vm("vm-b"), vm("vm-c")],
  };
  const status = (provisioningState: string): TaskStatus => ({
    name: task.name,
    id: task.name,
    provisioningState,
    total: 3,
    succeeded: 1,
    failed: 1,
  });

  it("a succeeded deployment is applied, a failed one failed with Azure's error, a resource without one failed as not deployed", () => {
    const outcomes = taskOutcomes(
      task,
      status("Succeeded"),
      [
        { resourceId: vm("vm-a").toUpperCase(), status: "Succeeded" },
        { resourceId: vm("vm-b"), status: "Failed", error: "AuthorizationFailed: the identity may not write tags" },
      ],
      true,
    );
    expect(outcomes.map((outcome) => [outcome.resourceId, outcome.outcome, outcome.errorCode])).toEqual([
      [vm("vm-a"), "applied", undefined],
      [vm("vm-b"), "failed", "RemediationDeploymentFailed"],
      [vm("vm-c"), "failed", "RemediationNotDeployed"],
    ]);
    expect(outcomes[1]?.reason).toContain("AuthorizationFailed: the identity may not write tags");
  });

  it("a task still running when the wait ran out: the resources it has not deployed are timed out", () => {
    const outcomes = taskOutcomes(task, status("Evaluating"), [], false);
    expect(outcomes.map((outcome) => outcome.errorCode)).toEqual(["RemediationTimedOut", "RemediationTimedOut", "RemediationTimedOut"]);
    expect(outcomes[0]?.reason).toContain("was still Evaluating when Governor stopped waiting");
  });
});

describe("remediation task names and merged outcomes", () => {
  it("a task's name is the same for the same workflow, reference and place, different otherwise, and fits ARM's name rules", () => {
    const name = remediationTaskName("azure-policy-remediation:required-tags:2026-12-03t10:15", "required-tags.inherit-cost-center", 0);
    expect(remediationTaskName("azure-policy-remediation:required-tags:2026-12-03t10:15", "required-tags.inherit-cost-center", 0)).toBe(
      name,
    );
    expect(remediationTaskName("azure-policy-remediation:required-tags:2026-12-03t10:15", "required-tags.inherit-cost-center", 1)).not.toBe(
      name,
    );
    expect(remediationTaskName("azure-policy-remediation:required-tags:2026-12-04t10:15", "required-tags.inherit-cost-center", 0)).not.toBe(
      name,
    );
    expect(name).toMatch(/^governor-required-tags-inherit-cost-center-[0-9a-f]{16}$/);
  });

  it("a resource in the tasks of two references is recorded once, as its worst outcome, with both reasons", () => {
    const merged = byResource([
      { resourceId: vm("vm-a"), action: "azure-policy-remediation", outcome: "applied", reason: "owner: deployed" },
      { resourceId: vm("vm-b"), action: "azure-policy-remediation", outcome: "applied", reason: "owner: deployed" },
      {
        resourceId: vm("VM-A"),
        action: "azure-policy-remediation",
        outcome: "failed",
        reason: "cost-center: failed",
        errorCode: "RemediationDeploymentFailed",
      },
    ]);
    expect(merged.map((outcome) => [outcome.resourceId, outcome.outcome, outcome.reason])).toEqual([
      [vm("VM-A"), "failed", "owner: deployed; cost-center: failed"],
      [vm("vm-b"), "applied", "owner: deployed"],
    ]);
  });
});
