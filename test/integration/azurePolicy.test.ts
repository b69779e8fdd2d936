/**
 * Azure Policy through the emulator with the real SDK clients (@azure/arm-policy,
 * @azure/arm-policyinsights, and @azure/arm-policy 5.1.0 for exemptions): Governor's export
 * deployed as definitions, an initiative and an assignment; at Default the assignment denies a VM
 * in a disallowed region (Azure Policy's 403 RequestDisallowedByPolicy); at DoNotEnforce the VM
 * is created and shows non-compliant in the policy states; an exemption turns it Exempt.
 */
import { readFileSync } from "node:fs";
import type { VirtualMachine } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { VirtualClock } from "../../emulator/clock.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "../../shared/azurePolicy/names.ts";
import { computeClient, policyClient, policyExemptionsClient, policyInsightsClient } from "../../shared/azure/clients.ts";
import { emulatorTarget, type AzureTarget } from "../../shared/azure/target.ts";
import { plan } from "../../shared/planner.ts";
import { policyCompliance } from "../../shared/azurePolicy/compliance.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";
import { deployExport, packEnforcing } from "../support/azurePolicy.ts";
import { remediationRequest } from "../support/remediation.ts";
import { applyRemediation } from "../../shared/remediation/apply.ts";
import { BUILTINS_DIR } from "../support/azurePolicyBuiltins.ts";

const sample = sampleEstate();
const SUB = sample.subscriptionId;
const RG = "rg-odoo-test";
const FAST = { updateIntervalInMs: 10 };
const ASSIGNMENT_ID = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/${GOVERNOR_ASSIGNMENT_NAME}`;

let emulator: Emulator;
let target: AzureTarget;

beforeAll(async () => {
  emulator = await startEmulator({
    estate: sample.estate,
    subscriptionId: SUB,
    clock: new VirtualClock(sample.now),
    throttle: false,
    lroPolls: 0,
  });
  target = emulatorTarget(emulator, SUB);
});
afterAll(async () => emulator.close());

function vm(name: string, location: string): VirtualMachine {
  return {
    location,
    tags: { environment: "test", owner: "ops", "cost-center": "CC-2000", application: "odoo" },
    hardwareProfile: { vmSize: "Standard_D2s_v5" },
    storageProfile: {
      imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
      osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS" } },
    },
    osProfile: { computerName: name, adminUsername: "odoo", adminPassword: "S3cret-never-returned!" },
    networkProfile: {
      networkInterfaces: [{ id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/nic-${name}` }],
    },
  };
}

describe("Azure Policy in the emulator", () => {
  it("serves Microsoft's built-ins as published, to the SDK's get of a built-in", async () => {
    const client = await policyClient(target);
    const builtin = await client.policyDefinitions.getBuiltIn("e56962a6-4747-49cd-b67b-bf8b01975c4c");
    const published = JSON.parse(readFileSync(`${BUILTINS_DIR}/General-AllowedLocations_Deny.json`, "utf8")) as {
      properties: { displayName: string; policyRule: unknown };
    };
    expect(builtin.displayName).toBe(published.properties.displayName);
    expect(builtin.policyRule).toEqual(published.properties.policyRule);
    await expect(client.policyDefinitions.getBuiltIn("00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({
      statusCode: 404,
      code: "PolicyDefinitionNotFound",
    });
  });

  it("refuses an assignment of a definition that does not exist, or without a parameter that has no default", async () => {
    const client = await policyClient(target);
    const scope = `/subscriptions/${SUB}`;
    await expect(
      client.policyAssignments.create(scope, "nothing", {
        policyDefinitionId: `${scope}/providers/Microsoft.Authorization/policySetDefinitions/none`,
      }),
    ).rejects.toMatchObject({ statusCode: 404, code: "PolicySetDefinitionNotFound" });
    await expect(
      client.policyAssignments.create(scope, "no-locations", {
        policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: "MissingPolicyParameter" });
    const names = [];
    for await (const assignment of client.policyAssignments.list()) names.push(assignment.name);
    expect(names).toEqual([]);
  });

  it("at Default, the assignment denies a VM in a disallowed region with RequestDisallowedByPolicy, and lets an allowed one through", async () => {
    await deployExport(emulator, SUB, packEnforcing("allowed-regions"), "Default");
    const compute = await computeClient(target);
    const refused = await compute.virtualMachines
      .beginCreateOrUpdateAndWait(RG, "vm-test-eastus-01", vm("vm-test-eastus-01", "eastus"), FAST)
      .then(
        () => undefined,
        (error: unknown) => error as { statusCode?: number; code?: string; message: string },
      );
    expect(refused).toMatchObject({ statusCode: 403, code: "RequestDisallowedByPolicy" });
    expect(refused?.message).toContain("Resource 'vm-test-eastus-01' was disallowed by policy.");
    expect(refused?.message).toContain('"policyDefinitionReferenceId":"allowed-regions"');
    await expect(compute.virtualMachines.get(RG, "vm-test-eastus-01")).rejects.toMatchObject({ statusCode: 404 });
    // The same VM in West Europe (as a person spells it) is allowed.
    const allowed = await compute.virtualMachines.beginCreateOrUpdateAndWait(
      RG,
      "vm-test-weu-01",
      vm("vm-test-weu-01", "West Europe"),
      FAST,
    );
    expect(allowed.provisioningState).toBe("Succeeded");
  });

  it("at Default, the modify reference inherits a missing tag from the resource group before deny looks", async () => {
    const compute = await computeClient(target);
    const model = vm("vm-test-inherit-01", "westeurope");
    delete model.tags?.["cost-center"];
    await compute.virtualMachines.beginCreateOrUpdateAndWait(RG, "vm-test-inherit-01", model, FAST);
    expect((await compute.virtualMachines.get(RG, "vm-test-inherit-01")).tags?.["cost-center"]).toBe("CC-2000");
  });

  it("at DoNotEnforce, the VM is created and the policy states show it non-compliant, by assignment, reference and group", async () => {
    await deployExport(emulator, SUB, packEnforcing("allowed-regions"), "DoNotEnforce");
    const compute = await computeClient(target);
    const created = await compute.virtualMachines.beginCreateOrUpdateAndWait(
      RG,
      "vm-test-eastus-01",
      vm("vm-test-eastus-01", "eastus"),
      FAST,
    );
    expect(created.provisioningState).toBe("Succeeded");

    const insights = await policyInsightsClient(target);
    const states = [];
    for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", SUB, {
      queryOptions: {
        filter:
          "ComplianceState eq 'NonCompliant' and PolicyDefinitionReferenceId eq 'allowed-regions' and ResourceType eq '/Microsoft.Compute/virtualMachines'",
      },
    })) {
      states.push(state);
    }
    expect(states.map((state) => state.resourceId?.split("/").at(-1)).sort()).toEqual(["vm-odoo-test-eastus-m64", "vm-test-eastus-01"]);
    expect(states[0]).toMatchObject({ policyAssignmentId: ASSIGNMENT_ID, isCompliant: false, policyDefinitionAction: "deny" });

    const summary = await insights.policyStates.summarizeForSubscription("latest", SUB);
    const assignment = summary.value?.[0]?.policyAssignments?.find((candidate) => candidate.policyAssignmentId === ASSIGNMENT_ID);
    const regions = assignment?.policyDefinitions?.find((reference) => reference.policyDefinitionReferenceId === "allowed-regions");
    // Both VMs and their OS disks, and the sample VM's NIC and VNet: Allowed locations judges every resource with a location.
    expect(regions?.results?.nonCompliantResources).toBe(6);
    expect(regions?.effect).toBe("deny");
    expect(assignment?.policyGroups?.map((group) => group.policyGroupName).sort()).toEqual(["cost", "resilience", "security", "tagging"]);
    expect(summary.value?.[0]?.results?.nonCompliantResources).toBeGreaterThan(2);
  });

  it("an exemption created with the SDK turns the VM Exempt for its reference until it expires", async () => {
    const exemptions = await policyExemptionsClient(target);
    const vmId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-odoo-test-eastus-m64`;
    const expiresOn = new Date(sample.now.getTime() + 7 * 86_400_000);
    const created = await exemptions.policyExemptions.createOrUpdate(vmId, "load-test-eastus", {
      policyAssignmentId: ASSIGNMENT_ID,
      policyDefinitionReferenceIds: ["allowed-regions"],
      exemptionCategory: "Waiver",
      expiresOn,
      displayName: "Load tests in East US",
      metadata: { reason: "load tests from the US", approver: "maria@contoso.example" },
    });
    expect(created).toMatchObject({
      id: `${vmId}/providers/Microsoft.Authorization/policyExemptions/load-test-eastus`,
      exemptionCategory: "Waiver",
    });
    await expect(
      exemptions.policyExemptions.createOrUpdate(vmId, "wrong-reference", {
        policyAssignmentId: ASSIGNMENT_ID,
        policyDefinitionReferenceIds: ["no-such-reference"],
        exemptionCategory: "Waiver",
      }),
    ).rejects.toMatchObject({ statusCode: 400 });

    const listed = [];
    for await (const exemption of exemptions.policyExemptions.list()) listed.push(exemption.name);
    expect(listed).toEqual(["load-test-eastus"]);

    const insights = await policyInsightsClient(target);
    const states = [];
    for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", SUB, {
      queryOptions: {
        filter:
          "PolicyDefinitionReferenceId eq 'allowed-regions' and ComplianceState ne 'Compliant' and ResourceType eq '/Microsoft.Compute/virtualMachines'",
      },
    })) {
      states.push([state.resourceId?.split("/").at(-1), state.complianceState]);
    }
    expect(states.sort()).toEqual([
      ["vm-odoo-test-eastus-m64", "Exempt"],
      ["vm-test-eastus-01", "NonCompliant"],
    ]);

    // Past its expiry the exemption no longer counts.
    emulator.core.clock.set(new Date(expiresOn.getTime() + 1000));
    const later = [];
    for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", SUB, {
      queryOptions: { filter: "ResourceId eq '" + vmId + "' and PolicyDefinitionReferenceId eq 'allowed-regions'" },
    })) {
      later.push(state.complianceState);
    }
    expect(later).toEqual(["NonCompliant"]);
    emulator.core.clock.set(sample.now);

    await exemptions.policyExemptions.delete(vmId, "load-test-eastus");
    await expect(exemptions.policyExemptions.get(vmId, "load-test-eastus")).rejects.toMatchObject({ statusCode: 404 });
  });

  it("an exemption for an assignment that does not exist is refused", async () => {
    const exemptions = await policyExemptionsClient(target);
    await expect(
      exemptions.policyExemptions.createOrUpdate(`/subscriptions/${SUB}/resourceGroups/${RG}`, "orphan", {
        policyAssignmentId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/none`,
        exemptionCategory: "Waiver",
      }),
    ).rejects.toMatchObject({ statusCode: 404, code: "PolicyAssignmentNotFound" });
  });

  it("governor plan and the change's re-check honour an exemption created in the portal (by the SDK): the finding is blocked and the change skipped, with the exemption's name and end", async () => {
    const pack = parsePolicyText(packEnforcing(), "pack.yaml", builtinRegistry());
    const untagged = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-odoo-test-02`;
    const before = await plan(target, pack, sample.now, builtinRegistry());
    const finding = (evaluation: typeof before.evaluation) =>
      evaluation.findings.find(
        (candidate) => candidate.policy === "required-tags" && candidate.resourceId.toLowerCase() === untagged.toLowerCase(),
      );
    expect(finding(before.evaluation)?.verdict).toBe("remediate");

    const exemptions = await policyExemptionsClient(target);
    await exemptions.policyExemptions.createOrUpdate(untagged, "tags-after-migration", {
      policyAssignmentId: ASSIGNMENT_ID,
      policyDefinitionReferenceIds: ["required-tags.require-owner", "required-tags.inherit-owner"],
      exemptionCategory: "Mitigated",
      expiresOn: new Date("2026-12-20T00:00:00Z"),
      metadata: { reason: "tagged by the migration tool" },
    });
    const after = await plan(target, pack, sample.now, builtinRegistry());
    expect(after.inventory.policyExemptions?.map((exemption) => exemption.name)).toEqual(["tags-after-migration"]);
    expect(finding(after.evaluation)).toMatchObject({
      verdict: "blocked",
      guard: "exemption",
      reason: expect.stringContaining(
        "exempt: Azure Policy exemption tags-after-migration until 2026-12-20T00:00:00.000Z (Mitigated: tagged by the migration tool)",
      ) as string,
    });
    // The change itself, sent after the plan (an approval waited meanwhile), is held by the same exemption on its fresh read.
    const outcome = await applyRemediation(remediationRequest(pack, "required-tags", untagged), {
      target,
      config: { killSwitch: false, dryRun: false },
      policySet: pack,
      registry: builtinRegistry(),
      now: () => sample.now,
    });
    expect(outcome).toMatchObject({ outcome: "skipped", guard: "exemption" });
    expect(outcome.reason).toContain("exempt: Azure Policy exemption tags-after-migration");
    await exemptions.policyExemptions.delete(untagged, "tags-after-migration");
  });

  it("policyCompliance reads the non-compliant counts per assignment and reference, naming the Governor policy of each", async () => {
    const client = await policyClient(target);
    // Someone else's assignment beside Governor's: the report can keep Governor's alone.
    await client.policyAssignments.create(`/subscriptions/${SUB}`, "security-locations", {
      policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
      parameters: { listOfAllowedLocations: { value: ["westeurope"] } },
      enforcementMode: "DoNotEnforce",
    });
    const all = await policyCompliance(target);
    expect(all.assignments.map((assignment) => [assignment.assignmentId.split("/").at(-1), assignment.governor]).sort()).toEqual([
      ["governor-baseline", true],
      ["security-locations", false],
    ]);
    const governor = all.assignments.find((assignment) => assignment.governor)!;
    const regions = governor.references.find((reference) => reference.referenceId === "allowed-regions");
    expect(regions).toMatchObject({ governorPolicy: "allowed-regions", effect: "deny", groups: ["security"], nonCompliantResources: 6 });
    expect(governor.references.find((reference) => reference.referenceId === "required-tags.require-owner")?.governorPolicy).toBe(
      "required-tags",
    );
    expect(governor.nonCompliantResources).toBeGreaterThanOrEqual(regions!.nonCompliantResources);
    // North Europe is outside the other assignment's list: it counts more resources than Governor's reference.
    const other = all.assignments.find((assignment) => !assignment.governor)!;
    expect(other.references[0]?.nonCompliantResources).toBeGreaterThan(regions!.nonCompliantResources);
    expect(other.references[0]?.governorPolicy).toBeUndefined();
    const ours = await policyCompliance(target, { governorOnly: true });
    expect(ours.assignments.map((assignment) => assignment.governor)).toEqual([true]);
    expect(ours.nonCompliantResources).toBe(governor.nonCompliantResources);
    await client.policyAssignments.delete(`/subscriptions/${SUB}`, "security-locations");
  });

  it("a remediation task of a modify reference runs as a long-running operation: Accepted, Evaluating, then Succeeded with the tags inherited", async () => {
    const insights = await policyInsightsClient(target);
    const nonCompliant = async () => {
      const ids: string[] = [];
      for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", SUB, {
        queryOptions: {
          filter: `PolicyAssignmentId eq '${ASSIGNMENT_ID}' and PolicyDefinitionReferenceId eq 'required-tags.inherit-cost-center' and ComplianceState eq 'NonCompliant'`,
        },
      }))
        ids.push(state.resourceId as string);
      return ids.sort();
    };
    const before = await nonCompliant();
    expect(before.length).toBeGreaterThan(1);

    // Narrowed to one resource by its id, then the rest.
    const [first, ...rest] = before as [string, ...string[]];
    const polls = emulator.core.lro.options.polls;
    emulator.core.lro.options.polls = 1;
    try {
      const created = await insights.remediations.createOrUpdateAtSubscription("governor-inherit-cost-center-1", {
        policyAssignmentId: ASSIGNMENT_ID,
        policyDefinitionReferenceId: "required-tags.inherit-cost-center",
        filters: { resourceIds: [first] },
      });
      expect(created).toMatchObject({
        provisioningState: "Accepted",
        resourceDiscoveryMode: "ExistingNonCompliant",
        deploymentStatus: { totalDeployments: 1, successfulDeployments: 0, failedDeployments: 0 },
      });
      expect((await insights.remediations.getAtSubscription("governor-inherit-cost-center-1")).provisioningState).toBe("Evaluating");
      expect(await insights.remediations.getAtSubscription("governor-inherit-cost-center-1")).toMatchObject({
        provisioningState: "Succeeded",
        deploymentStatus: { totalDeployments: 1, successfulDeployments: 1, failedDeployments: 0 },
      });
    } finally {
      emulator.core.lro.options.polls = polls;
    }
    expect(await nonCompliant()).toEqual(rest);
    const whole = await insights.remediations.createOrUpdateAtSubscription("governor-inherit-cost-center-2", {
      policyAssignmentId: ASSIGNMENT_ID,
      policyDefinitionReferenceId: "required-tags.inherit-cost-center",
    });
    expect(whole.deploymentStatus?.totalDeployments).toBe(rest.length);
    expect((await insights.remediations.getAtSubscription("governor-inherit-cost-center-2")).provisioningState).toBe("Succeeded");
    expect(await nonCompliant()).toEqual([]);
    // The same task asked for again is the one that ran.
    expect(
      (await insights.remediations.createOrUpdateAtSubscription("governor-inherit-cost-center-2", { policyAssignmentId: ASSIGNMENT_ID }))
        .deploymentStatus?.successfulDeployments,
    ).toBe(rest.length);

    // Only modify (and, in Azure, deploy-if-not-exists) references are remediated; an initiative needs the reference named.
    await expect(
      insights.remediations.createOrUpdateAtSubscription("audit-regions", {
        policyAssignmentId: ASSIGNMENT_ID,
        policyDefinitionReferenceId: "allowed-regions",
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: "InvalidRemediationRequest" });
    await expect(
      insights.remediations.createOrUpdateAtSubscription("no-reference", { policyAssignmentId: ASSIGNMENT_ID }),
    ).rejects.toMatchObject({ statusCode: 400, code: "InvalidRemediationRequest" });
  });
});
