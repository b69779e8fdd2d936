/**
 * The exemption sync's decisions, pure: what a sweep writes or removes so the Azure Policy
 * exemptions Governor wrote agree with the policy file and the approvers' tags, and nothing when
 * they agree or when an exemption is not Governor's.
 */
import { describe, expect, it } from "vitest";
import { exemptionChanges, type ExemptionSyncInput, fileExemptionBody } from "../../../shared/azurePolicy/exemptionSync.ts";
import { fileExemptionName, governorOrigin } from "../../../shared/azurePolicy/names.ts";
import type { AzurePolicyExemption, InventoryResource, Policy } from "../../../shared/policy/types.ts";

const SUB = "/subscriptions/s";
const ASSIGNMENT = `${SUB}/providers/Microsoft.Authorization/policyAssignments/governor-baseline`;
const NOW = new Date("2026-11-24T06:00:00Z");
const vm = (name: string, tags: Record<string, string> = {}, kind: InventoryResource["kind"] = "virtual-machine"): InventoryResource => ({
  id: `${SUB}/resourceGroups/rg/providers/Microsoft.Compute/${kind === "disk" ? "disks" : "virtualMachines"}/${name}`,
  name,
  type: kind === "disk" ? "microsoft.compute/disks" : "microsoft.compute/virtualmachines",
  kind,
  subscriptionId: "s",
  resourceGroup: "rg",
  location: "eastus",
  tags,
  properties: {},
});
const policy = (exemptions: Policy["exemptions"], resource: Policy["resource"] = "virtual-machine"): Policy => ({
  name: "allowed-regions",
  resource,
  mode: "audit",
  when: [],
  action: { type: "notify", args: {} },
  exemptions,
  includeProduction: false,
});
function asRead(resource: InventoryResource, name: string, body: ReturnType<typeof fileExemptionBody>): AzurePolicyExemption {
  return {
    id: `${resource.id}/providers/Microsoft.Authorization/policyExemptions/${name}`,
    name,
    scope: resource.id,
    policyAssignmentId: body.policyAssignmentId,
    policyDefinitionReferenceIds: body.policyDefinitionReferenceIds,
    expiresOn: body.expiresOn,
    category: body.exemptionCategory,
    displayName: body.displayName,
    governor: governorOrigin(name, body.metadata),
  };
}
const input = (over: Partial<ExemptionSyncInput>): ExemptionSyncInput => ({
  policy: policy([]),
  policyNames: new Set(["allowed-regions"]),
  policyFile: "policies.yaml",
  referenceIds: ["allowed-regions"],
  assignmentId: ASSIGNMENT,
  inventory: { resources: [], policyExemptions: [] },
  exemptUntilTag: "governor-exempt-until",
  now: NOW,
  ...over,
});
const entry = { resource: "vm-load", until: "2026-12-15", reason: "load tests" };

describe("exemptions from the policy file", () => {
  it("1. an entry naming a resource of the policy's kind by name writes one exemption on it (a disk of that name is not the policy's)", () => {
    const changes = exemptionChanges(
      input({ policy: policy([entry]), inventory: { resources: [vm("vm-load"), vm("vm-load", {}, "disk")], policyExemptions: [] } }),
    );
    expect(changes.map((change) => [change.op, change.resourceId.split("/").slice(-2).join("/"), change.name])).toEqual([
      ["write", "virtualMachines/vm-load", "governor-file_allowed-regions"],
    ]);
  });

  it("2. an entry past its day, or of a policy without references in the initiative, writes nothing", () => {
    const resources = [vm("vm-load")];
    expect(exemptionChanges(input({ policy: policy([{ ...entry, until: "2026-11-23" }]), inventory: { resources } }))).toEqual([]);
    expect(exemptionChanges(input({ policy: policy([entry]), referenceIds: [], inventory: { resources } }))).toEqual([]);
  });

  it("3. an exemption that agrees is left; one whose entry changed is rewritten; one whose entry is gone, or whose policy left the file, is removed", () => {
    const resource = vm("vm-load");
    const body = fileExemptionBody(entry, "allowed-regions", "policies.yaml", ["allowed-regions"], ASSIGNMENT);
    const existing = asRead(resource, fileExemptionName("allowed-regions"), body);
    const inventory = { resources: [resource], policyExemptions: [existing] };
    expect(exemptionChanges(input({ policy: policy([entry]), inventory }))).toEqual([]);
    expect(exemptionChanges(input({ policy: policy([{ ...entry, until: "2026-12-01" }]), inventory })).map((change) => change.op)).toEqual([
      "write",
    ]);
    expect(exemptionChanges(input({ policy: policy([]), inventory })).map((change) => change.op)).toEqual(["delete"]);
    const other = { ...policy([]), name: "allowed-vm-sizes" };
    expect(
      exemptionChanges(input({ policy: other, policyNames: new Set(["allowed-vm-sizes"]), inventory })).map((change) => [
        change.op,
        change.policy,
      ]),
    ).toEqual([["delete", "allowed-regions"]]);
  });

  it("4. an exemption someone else wrote, even one named like Governor's, is never changed", () => {
    const resource = vm("vm-load");
    const foreign: AzurePolicyExemption = {
      id: `${resource.id}/providers/Microsoft.Authorization/policyExemptions/governor-file_allowed-regions`,
      name: "governor-file_allowed-regions",
      scope: resource.id,
      policyAssignmentId: ASSIGNMENT,
      policyDefinitionReferenceIds: [],
      category: "Waiver",
    };
    expect(governorOrigin(foreign.name, { reason: "made in the portal" })).toBeUndefined();
    expect(exemptionChanges(input({ inventory: { resources: [resource], policyExemptions: [foreign] } }))).toEqual([]);
  });

  it("a name too long for ARM keeps its start and ends with a hash, the same for the same policy", () => {
    const long = `p-${"x".repeat(78)}`;
    expect(fileExemptionName(long)).toHaveLength(64);
    expect(fileExemptionName(long)).toBe(fileExemptionName(long));
    expect(fileExemptionName(long)).not.toBe(fileExemptionName(`${long.slice(0, -1)}y`));
  });
});

describe("an approver's exemption", () => {
  const approval = (resource: InventoryResource, expiresOn: string): AzurePolicyExemption => ({
    id: `${resource.id}/providers/Microsoft.Authorization/policyExemptions/governor-allowed-regions`,
    name: "governor-allowed-regions",
    scope: resource.id,
    policyAssignmentId: ASSIGNMENT,
    policyDefinitionReferenceIds: ["allowed-regions"],
    expiresOn,
    category: "Waiver",
    governor: governorOrigin("governor-allowed-regions", { governorPolicy: "allowed-regions", approvalInstance: "r1:approval" }),
  });
  const changesFor = (tags: Record<string, string>) => {
    const resource = vm("vm-load", tags);
    return exemptionChanges(
      input({ inventory: { resources: [resource], policyExemptions: [approval(resource, "2026-12-31T23:59:59.000Z")] } }),
    );
  };

  it("stands while its tag says the same day or later, and while the tag cannot be read (the guard honours it)", () => {
    expect(changesFor({ "governor-exempt-until": "2026-12-31" })).toEqual([]);
    expect(changesFor({ "Governor-Exempt-Until": "2027-01-15" })).toEqual([]);
    expect(changesFor({ "governor-exempt-until": "soon" })).toEqual([]);
  });

  it("ends at the tag's earlier day, and is removed when the tag is gone or its day has passed", () => {
    expect(changesFor({ "governor-exempt-until": "2026-12-10" })).toMatchObject([{ op: "shorten", expiresOn: "2026-12-10T23:59:59.000Z" }]);
    expect(changesFor({})).toMatchObject([{ op: "delete", source: "approval" }]);
    expect(changesFor({ "governor-exempt-until": "2026-11-20" })).toMatchObject([{ op: "delete", source: "approval" }]);
  });
});
