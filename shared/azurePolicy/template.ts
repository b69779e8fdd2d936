/**
 * The export as resources of Governor's subscription-level ARM template (infra/azuredeploy.json):
 * the custom definitions, the initiative, its assignment at the subscription (enforcement from the
 * `policyEnforcementMode` parameter, DoNotEnforce by default: audit first) with a system-assigned
 * identity, and that identity's role assignments, one per role the modify and deploy-if-not-exists
 * references need. Policy rules are ARM expressions themselves, so every string of a definition
 * that starts with `[` is escaped (`[[`), to reach Azure Policy as written rather than be evaluated
 * by the deployment; only the initiative's references to the custom definitions are evaluated.
 */
import { resourceNameOf } from "../azure/resourceId.ts";
import type { AzurePolicyExport } from "./export.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "./names.ts";

export const POLICY_API_VERSION = "2025-03-01";
const ROLE_ASSIGNMENT_API_VERSION = "2022-04-01";

/** Escapes every string that ARM would read as an expression. */
export function armLiteral(value: unknown): unknown {
  if (typeof value === "string") return value.startsWith("[") ? `[${value}` : value;
  if (Array.isArray(value)) return value.map(armLiteral);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, armLiteral(item)]));
  return value;
}

const definitionRef = (name: string): string => `[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', '${name}')]`;
const assignmentRef = `subscriptionResourceId('Microsoft.Authorization/policyAssignments', '${GOVERNOR_ASSIGNMENT_NAME}')`;

export function templateResources(exported: AzurePolicyExport): Array<Record<string, unknown>> {
  const initiativeRef = `[subscriptionResourceId('Microsoft.Authorization/policySetDefinitions', '${exported.initiative.name}')]`;
  const customIds = new Set(exported.definitions.map((definition) => definitionRef(definition.name)));
  const definitions = exported.definitions.map((definition) => ({
    type: "Microsoft.Authorization/policyDefinitions",
    apiVersion: POLICY_API_VERSION,
    name: definition.name,
    properties: armLiteral(definition.properties),
  }));
  const { policyDefinitions, ...initiativeProperties } = exported.initiative.properties;
  const initiative = {
    type: "Microsoft.Authorization/policySetDefinitions",
    apiVersion: POLICY_API_VERSION,
    name: exported.initiative.name,
    dependsOn: [...customIds],
    properties: {
      ...(armLiteral(initiativeProperties) as Record<string, unknown>),
      policyDefinitions: policyDefinitions.map((reference) => ({
        ...(armLiteral(reference) as Record<string, unknown>),
        // Custom definitions are referred to by the template's expression, built-ins by their literal id.
        policyDefinitionId: reference.policyDefinitionId,
      })),
    },
  };
  const assignment = {
    type: "Microsoft.Authorization/policyAssignments",
    apiVersion: POLICY_API_VERSION,
    name: GOVERNOR_ASSIGNMENT_NAME,
    location: "[parameters('location')]",
    identity: { type: "SystemAssigned" },
    dependsOn: [initiativeRef],
    properties: {
      displayName: "Governor baseline",
      description: "Governor's policies that Azure Policy evaluates: DoNotEnforce reports only, Default also denies and remediates.",
      policyDefinitionId: initiativeRef,
      enforcementMode: "[parameters('policyEnforcementMode')]",
      metadata: { assignedBy: "Governor" },
    },
  };
  const roles = exported.roleDefinitionIds.map((roleId) => {
    const guid = resourceNameOf(roleId);
    return {
      type: "Microsoft.Authorization/roleAssignments",
      apiVersion: ROLE_ASSIGNMENT_API_VERSION,
      name: `[guid(subscription().id, '${GOVERNOR_ASSIGNMENT_NAME}', '${guid}')]`,
      dependsOn: [`[${assignmentRef}]`],
      properties: {
        roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${guid}')]`,
        principalId: `[reference(${assignmentRef}, '${POLICY_API_VERSION}', 'full').identity.principalId]`,
        principalType: "ServicePrincipal",
        description: "Governor baseline: what its modify and deploy-if-not-exists policies need",
      },
    };
  });
  return [...definitions, initiative, assignment, ...roles];
}
