/**
 * The Governor baseline in the template against `governor export azure-policy`: the template's
 * policy definitions, initiative, assignment and the assignment identity's role assignments are
 * exactly the resources the export generates (generated, then compared), and evaluated they reach
 * Azure Policy as the export wrote them (policy rule expressions escaped, not evaluated).
 */
import { isDeepStrictEqual } from "node:util";
import type { AzurePolicyExport } from "../../shared/azurePolicy/export.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "../../shared/azurePolicy/names.ts";
import { templateResources } from "../../shared/azurePolicy/template.ts";
import { evaluateValue } from "./arm/expressions.ts";
import type { ArmResource, ArmTemplate, TemplateInScope } from "./arm/template.ts";

const POLICY_TYPES = /^microsoft\.authorization\/(policydefinitions|policysetdefinitions|policyassignments)$/i;

/** The template's baseline resources: policy objects, and role assignments of the policy assignment's identity. */
export function baselineResources(template: ArmTemplate): ArmResource[] {
  return template.resources.filter(
    (resource) =>
      POLICY_TYPES.test(resource.type) ||
      (resource.type === "Microsoft.Authorization/roleAssignments" &&
        JSON.stringify(resource.properties).includes(`policyAssignments', '${GOVERNOR_ASSIGNMENT_NAME}'`)),
  );
}

const keyOf = (resource: { type: unknown; name: unknown }) => `${String(resource.type)} ${String(resource.name)}`;

export function baselineProblems(template: ArmTemplate, exported: AzurePolicyExport): string[] {
  const expected = new Map(templateResources(exported).map((resource) => [keyOf(resource as ArmResource), resource]));
  const actual = new Map(baselineResources(template).map((resource) => [keyOf(resource), resource]));
  const problems: string[] = [];
  for (const [key, resource] of expected) {
    const found = actual.get(key);
    if (!found) problems.push(`${key}: governor export writes it, the template does not deploy it`);
    else if (!isDeepStrictEqual(found, resource)) problems.push(`${key}: differs from what governor export writes`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${key}: in the template, not in governor export's`);
  return problems;
}

/** The baseline as Azure receives it: evaluated in the template's scope, with its parameters. */
export function evaluatedBaseline(entry: TemplateInScope): ArmResource[] {
  return baselineResources(entry.template).map((resource) => evaluateValue(resource, entry.context) as ArmResource);
}
