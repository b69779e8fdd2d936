/**
 * `governor export azure-policy` compiles the built-in pack into definitions and one initiative:
 * each built-in it refers to is Microsoft's (matched by id and parameters against the copies of
 * their published definitions), each custom definition's rule is valid by Microsoft's schema,
 * modes become effects, and what Azure Policy cannot express is listed with the reason.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILTINS, builtinId } from "../../../shared/azurePolicy/builtins.ts";
import { type AzurePolicyExport, exportAzurePolicy, referencesOf } from "../../../shared/azurePolicy/export.ts";
import { DEFAULT_POLICIES } from "../../../cli/planCommand.ts";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../../shared/policy/loader.ts";
import { builtinDefinitions, builtinReferenceProblems, policyRuleValidator } from "../../support/azurePolicyBuiltins.ts";

const packText = readFileSync(DEFAULT_POLICIES, "utf8");
const pack = parsePolicyText(packText, "odoo-distribution.yaml", builtinRegistry());
const exported = exportAzurePolicy(pack);
const references = exported.initiative.properties.policyDefinitions;
const byReference = (id: string) => references.find((reference) => reference.policyDefinitionReferenceId === id);
const microsoft = builtinDefinitions();

/** The pack with some policies switched to enforce. */
function enforcing(...names: string[]): AzurePolicyExport {
  let text = packText;
  for (const name of names) text = text.replace(new RegExp(`(- name: ${name}\\n(?:.*\\n)*?    mode: )audit`), "$1enforce");
  const set = parsePolicyText(text, "enforcing.yaml", builtinRegistry());
  for (const name of names) expect(set.policies.find((policy) => policy.name === name)?.mode).toBe("enforce");
  return exportAzurePolicy(set);
}

describe("the export of the built-in pack", () => {
  it("writes one initiative grouped by domain, every reference in a group it declares", () => {
    const groups = exported.initiative.properties.policyDefinitionGroups.map((group) => group.name);
    expect(groups).toEqual(["tagging", "cost", "security", "resilience"]);
    expect(references.every((reference) => groups.includes(reference.groupNames[0]))).toBe(true);
    expect(new Set(references.map((reference) => reference.policyDefinitionReferenceId)).size).toBe(references.length);
    expect(byReference("allowed-regions")?.groupNames).toEqual(["security"]);
    expect(byReference("allowed-vm-sizes")?.groupNames).toEqual(["cost"]);
    expect(byReference("required-tags.require-owner")?.groupNames).toEqual(["tagging"]);
    expect(byReference("backup-production-vms.westeurope")?.groupNames).toEqual(["resilience"]);
  });

  it("refers to Microsoft's built-ins by id with parameters they declare, passing every one without a default", () => {
    const builtinReferences = references.filter((reference) => reference.policyDefinitionId.startsWith("/providers/"));
    expect(builtinReferences.length).toBeGreaterThan(8);
    expect(builtinReferenceProblems(exported, microsoft)).toEqual([]);
  });

  it("the built-in check bites: an unknown parameter, a missing one, an effect not allowed, an unknown id", () => {
    const broken = structuredClone(exported);
    const [regions, vmBackup, tag] = ["allowed-regions", "backup-production-vms.westeurope", "required-tags.require-owner"].map((id) =>
      broken.initiative.properties.policyDefinitions.find((reference) => reference.policyDefinitionReferenceId === id)!,
    );
    regions!.parameters.effect = { value: "Modify" };
    delete vmBackup!.parameters.backupPolicyId;
    tag!.parameters.tagValue = { value: "x" };
    broken.initiative.properties.policyDefinitions.push({
      ...regions!,
      policyDefinitionReferenceId: "invented",
      policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/00000000-0000-0000-0000-000000000000",
    });
    expect(builtinReferenceProblems(broken, microsoft).sort()).toEqual([
      "allowed-regions: effect Modify is not one of Audit, Deny, Disabled",
      "backup-production-vms.westeurope: required parameter backupPolicyId of Configure backup on virtual machines with a given tag to an existing recovery services vault in the same location not passed",
      "invented: no built-in /providers/Microsoft.Authorization/policyDefinitions/00000000-0000-0000-0000-000000000000",
      "required-tags.require-owner: Require a tag on resources has no parameter tagValue",
    ]);
  });

  it("knows each built-in as Microsoft publishes it: name, display name, parameters, effects and the roles of its rule", () => {
    for (const builtin of Object.values(BUILTINS)) {
      const definition = microsoft.get(builtin.name);
      expect(definition, builtin.displayName).toBeDefined();
      expect(definition?.id).toBe(builtinId(builtin));
      expect(definition?.properties.displayName).toBe(builtin.displayName);
      expect(Object.keys(definition?.properties.parameters ?? {})).toEqual(expect.arrayContaining([...builtin.parameters]));
      const effects = definition?.properties.parameters.effect?.allowedValues ?? [definition?.properties.policyRule.then.effect];
      expect(effects).toEqual([...builtin.effects]);
      expect(definition?.properties.policyRule.then.details?.roleDefinitionIds ?? []).toEqual([...builtin.roleDefinitionIds]);
    }
  });

  it("writes custom definitions only where no built-in takes the effect, each rule valid by Microsoft's policy rule schema", () => {
    const validate = policyRuleValidator();
    expect(exported.definitions.map((definition) => definition.name).sort()).toEqual([
      "governor-allowed-vm-sizes",
      "governor-postgres-backup-settings-backupretentiondays",
    ]);
    for (const definition of enforcing().definitions.concat(exportAzurePolicy(pack).definitions)) {
      expect(validate(definition.properties.policyRule), `${definition.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // The schema check bites: an operator Azure Policy does not know.
    const broken = structuredClone(exported.definitions[0]!.properties.policyRule);
    (broken.if as { allOf: Array<Record<string, unknown>> }).allOf[0] = { field: "type", is: "Microsoft.Compute/virtualMachines" };
    expect(validate(broken)).toBe(false);
  });

  it("turns audit into Audit and enforce into Deny, Modify or DeployIfNotExists", () => {
    expect(byReference("allowed-regions")?.parameters).toEqual({
      listOfAllowedLocations: { value: ["westeurope", "northeurope"] },
      effect: { value: "Audit" },
    });
    expect(byReference("allowed-vm-sizes")?.parameters.effect).toEqual({ value: "Audit" });
    const enforced = enforcing("allowed-regions", "allowed-vm-sizes");
    const reference = (id: string) =>
      enforced.initiative.properties.policyDefinitions.find((candidate) => candidate.policyDefinitionReferenceId === id);
    expect(reference("allowed-regions")?.parameters.effect).toEqual({ value: "Deny" });
    // Enforced, the VM sizes are Microsoft's built-in (which denies) and Governor's own definition goes.
    expect(reference("allowed-vm-sizes")?.policyDefinitionId).toBe(builtinId(BUILTINS.allowedVmSizes));
    expect(enforced.definitions.map((definition) => definition.name)).not.toContain("governor-allowed-vm-sizes");
    // required-tags is enforced in the pack: inherit (modify) and require (deny) for each tag.
    expect(referencesOf(exported, "required-tags")).toEqual(
      ["owner", "environment", "cost-center", "application"].flatMap((tag) => [
        `required-tags.inherit-${tag}`,
        `required-tags.require-${tag}`,
      ]),
    );
    expect(byReference("required-tags.inherit-owner")?.policyDefinitionId).toBe(builtinId(BUILTINS.inheritTagIfMissing));
  });

  it("enrols production VMs per region with the backup built-in: audit until each vault's backup policy is given, then deploy", () => {
    expect(byReference("backup-production-vms.westeurope")?.parameters).toEqual({
      vaultLocation: { value: "westeurope" },
      inclusionTagName: { value: "environment" },
      inclusionTagValue: { value: ["prod"] },
      backupPolicyId: { value: "" },
      effect: { value: "AuditIfNotExists" },
    });
    expect(exported.notes).toContain(
      "backup-production-vms.westeurope: AuditIfNotExists until the backup policy of the westeurope vault is given (--backup-policy westeurope=<id>)",
    );
    const gold =
      "/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-weu/backupPolicies/gold";
    const deployed = exportAzurePolicy(pack, { backupPolicies: { westeurope: gold } });
    const westeurope = deployed.initiative.properties.policyDefinitions.find(
      (reference) => reference.policyDefinitionReferenceId === "backup-production-vms.westeurope",
    );
    expect(westeurope?.parameters.effect).toEqual({ value: "DeployIfNotExists" });
    expect(westeurope?.parameters.backupPolicyId).toEqual({ value: gold });
    expect(builtinReferenceProblems(deployed, microsoft)).toEqual([]);
  });

  it("names the roles the modify and deploy-if-not-exists references need, as their built-ins declare them", () => {
    expect(exported.roleDefinitionIds).toEqual([
      "/providers/microsoft.authorization/roledefinitions/5e467623-bb1f-42f4-a55d-6e525e11384b",
      "/providers/microsoft.authorization/roledefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
      "/providers/microsoft.authorization/roledefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
    ]);
  });

  it("leaves metrics, schedules, approvals, drills and dates compared with today to Governor, each with the reason", () => {
    const reasons = Object.fromEntries(exported.notExported.map((entry) => [entry.policy, entry.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      "delete-empty-app-service-plans",
      "delete-empty-resource-groups",
      "delete-orphaned-load-balancers",
      "delete-orphaned-network-interfaces",
      "delete-orphaned-network-security-groups",
      "delete-orphaned-public-ips",
      "downgrade-kept-unattached-disks",
      "expired-resources",
      "notify-orphaned-production",
      "postgres-production-without-ha",
      "postgres-tls-below-1-2",
      "production-without-delete-lock",
      "rightsize-nonprod-vms",
      "snapshot-retention-nonprod",
      "snapshot-retention-prod",
      "snapshot-then-delete-detached-dev-disks",
      "stop-idle-nonprod-vms",
      "stop-offhours-nonprod-aks",
      "stop-offhours-nonprod-postgres",
      "stop-offhours-nonprod-scale-sets",
      "stop-offhours-nonprod-vms",
      "weekly-restore-drill",
    ]);
    expect(reasons["notify-orphaned-production"]).toContain("what uses a resource");
    expect(reasons["snapshot-then-delete-detached-dev-disks"]).toContain("no Azure Policy effect takes a snapshot");
    expect(reasons["stop-idle-nonprod-vms"]).toContain("metrics over time");
    expect(reasons["stop-idle-nonprod-vms"]).toContain("approvals: Azure Policy has no approval step");
    expect(reasons["stop-offhours-nonprod-vms"]).toContain("schedules");
    expect(reasons["rightsize-nonprod-vms"]).toContain("resize");
    expect(reasons["snapshot-retention-prod"]).toContain("cannot compare a date with the current time");
    expect(reasons["weekly-restore-drill"]).toContain("restore drills");
    expect(reasons["postgres-tls-below-1-2"]).toContain("server parameters");
    expect(reasons["production-without-delete-lock"]).toContain("may sit on its group or the subscription");
    // Every policy is either exported or listed: none is dropped silently.
    const exportedPolicies = new Set(references.map((reference) => reference.policyDefinitionReferenceId.split(".")[0]));
    expect(pack.policies.every((policy) => exportedPolicies.has(policy.name) !== policy.name in reasons)).toBe(true);
  });

  it("a policy with an approval is exported when it hands its resources to remediation tasks, with a note that the approval governs the tasks", () => {
    const text = packText.replace(
      /(- name: required-tags\n(?:.*\n)*?    action: \{ type: tag, .*\n)/,
      "$1    approval: { approvers: [platform-team] }\n",
    );
    // An approval alone: Azure Policy has no approval step, so the policy stays Governor's.
    const asked = exportAzurePolicy(parsePolicyText(text, "p.yaml", builtinRegistry()));
    expect(asked.notExported.find((entry) => entry.policy === "required-tags")?.reason).toContain(
      "approvals: Azure Policy has no approval step",
    );
    const handing = exportAzurePolicy(
      parsePolicyText(
        text.replace("approvers: [platform-team] }\n", "approvers: [platform-team] }\n    azurePolicyRemediation: true\n"),
        "p.yaml",
        builtinRegistry(),
      ),
    );
    expect(handing.notExported.map((entry) => entry.policy)).not.toContain("required-tags");
    expect(referencesOf(handing, "required-tags")).toEqual(referencesOf(exported, "required-tags"));
    expect(handing.notes).toContainEqual(expect.stringMatching(/^required-tags: its approval is asked before each remediation task/));
  });

  it("maps the security and observability baselines to Microsoft's built-ins where they exist, saying where a built-in differs", () => {
    const idOf = (reference: string) => byReference(reference)?.policyDefinitionId;
    expect(idOf("postgres-public-network-access.publicNetworkAccess")).toBe(builtinId(BUILTINS.postgresPublicNetworkAccess));
    expect(idOf("storage-public-blob-access.allowBlobPublicAccess")).toBe(builtinId(BUILTINS.storagePublicBlobAccess));
    expect(idOf("storage-secure-transfer-off.supportsHttpsTrafficOnly")).toBe(builtinId(BUILTINS.storageHttpsOnly));
    expect(idOf("redis-non-tls-port.enableNonSslPort")).toBe(builtinId(BUILTINS.redisSecureConnectionsOnly));
    // versionBelow 1.2 is the built-in's minimum TLS version TLS1_2.
    expect(byReference("storage-tls-below-1-2.minimumTlsVersion")).toMatchObject({
      policyDefinitionId: builtinId(BUILTINS.storageMinimumTls),
      parameters: { minimumTlsVersion: { value: "TLS1_2" }, effect: { value: "Audit" } },
    });
    expect(byReference("diagnostics-to-log-analytics")).toMatchObject({
      policyDefinitionId: builtinId(BUILTINS.diagnosticSettingsForTypes),
      parameters: {
        listOfResourceTypes: {
          value: [
            "Microsoft.DBforPostgreSQL/flexibleServers",
            "Microsoft.ContainerService/managedClusters",
            "Microsoft.Storage/storageAccounts",
            "Microsoft.KeyVault/vaults",
          ],
        },
      },
    });
    expect(exported.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^storage-tls-below-1-2\.minimumTlsVersion: the built-in also reports a storage account whose minimumTlsVersion is not set/,
        ),
        expect.stringMatching(
          /^diagnostics-to-log-analytics: the built-in asks for a diagnostic setting that enables logs and metrics, wherever/,
        ),
      ]),
    );
  });

  it("exports no versionBelow test that no built-in covers: Azure Policy compares strings, not versions", () => {
    const text = `version: 1
policies:
  - name: redis-tls
    resource: redis-cache
    when: [{ value: properties.minimumTlsVersion, versionBelow: 1.2 }]
    action: notify
`;
    const result = exportAzurePolicy(parsePolicyText(text, "redis.yaml", builtinRegistry()));
    expect(result.initiative.properties.policyDefinitions).toEqual([]);
    expect(result.notExported).toEqual([
      {
        policy: "redis-tls",
        reason: "versions compared (versionBelow): Azure Policy compares strings, not versions, and no built-in covers this property",
      },
    ]);
  });

  it("refers to custom definitions at the scope it is given, or as a subscription template does", () => {
    expect(byReference("allowed-vm-sizes")?.policyDefinitionId).toBe(
      "[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', 'governor-allowed-vm-sizes')]",
    );
    const scoped = exportAzurePolicy(pack, {
      definitionId: (name) =>
        `/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/providers/Microsoft.Authorization/policyDefinitions/${name}`,
    });
    expect(
      scoped.initiative.properties.policyDefinitions.find((r) => r.policyDefinitionReferenceId === "allowed-vm-sizes")?.policyDefinitionId,
    ).toBe(
      "/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/providers/Microsoft.Authorization/policyDefinitions/governor-allowed-vm-sizes",
    );
  });
});
