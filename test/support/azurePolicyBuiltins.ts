/**
 * Microsoft's built-in policy definitions and the policy rule schema, from the repository's copies
 * (test/fixtures/azure-policy-builtins), and the checks that hold Governor's export to them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import type { AzurePolicyExport } from "../../shared/azurePolicy/export.ts";

export const BUILTINS_DIR = fileURLToPath(new URL("../fixtures/azure-policy-builtins/", import.meta.url));

export interface BuiltinDefinition {
  id: string;
  name: string;
  properties: {
    displayName: string;
    mode: string;
    parameters: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
    policyRule: { if: unknown; then: { effect: string; details?: { roleDefinitionIds?: string[] } } };
  };
}

/** Every built-in of the copies, by definition name (its GUID). */
export function builtinDefinitions(): Map<string, BuiltinDefinition> {
  const files = readdirSync(BUILTINS_DIR).filter((file) => file.endsWith(".json") && file !== "policyRule.schema.json");
  return new Map(
    files.map((file) => {
      const definition = JSON.parse(readFileSync(join(BUILTINS_DIR, file), "utf8")) as BuiltinDefinition;
      return [definition.name, definition];
    }),
  );
}

/**
 * Microsoft's schema of `policyRule` (JSON Schema draft-04, read by Ajv without its `$schema`).
 * The two documents it refers to are stood in for: ARM expressions as strings in brackets, and
 * deployment properties (of deploy-if-not-exists, which no custom definition of Governor's uses)
 * as any object.
 */
export function policyRuleValidator(): ValidateFunction {
  const {
    $schema: _draft,
    id,
    ...schema
  } = JSON.parse(readFileSync(join(BUILTINS_DIR, "policyRule.schema.json"), "utf8")) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({
    $id: "https://schema.management.azure.com/schemas/common/definitions.json",
    definitions: { expression: { type: "string", pattern: "^\\[" } },
  });
  ajv.addSchema({
    $id: "https://schema.management.azure.com/schemas/2018-05-01/Microsoft.Resources.Deployments.json",
    definitions: { DeploymentProperties: { type: "object" } },
  });
  return ajv.compile({ ...schema, $id: id as string });
}

const BUILTIN_PREFIX = "/providers/microsoft.authorization/policydefinitions/";

/**
 * Each reference of the initiative to a built-in, against Microsoft's definition: it exists, every
 * parameter passed is one of its parameters, every parameter without a default is passed, and an
 * effect passed is one of its allowed values.
 */
export function builtinReferenceProblems(exported: AzurePolicyExport, builtins = builtinDefinitions()): string[] {
  const problems: string[] = [];
  for (const reference of exported.initiative.properties.policyDefinitions) {
    const id = reference.policyDefinitionId.toLowerCase();
    if (!id.startsWith(BUILTIN_PREFIX)) continue;
    const builtin = builtins.get(id.slice(BUILTIN_PREFIX.length));
    const name = reference.policyDefinitionReferenceId;
    if (!builtin) {
      problems.push(`${name}: no built-in ${reference.policyDefinitionId}`);
      continue;
    }
    const declared = builtin.properties.parameters;
    for (const parameter of Object.keys(reference.parameters)) {
      if (!(parameter in declared)) problems.push(`${name}: ${builtin.properties.displayName} has no parameter ${parameter}`);
    }
    for (const [parameter, declaration] of Object.entries(declared)) {
      if (declaration.defaultValue === undefined && !(parameter in reference.parameters))
        problems.push(`${name}: required parameter ${parameter} of ${builtin.properties.displayName} not passed`);
    }
    const effect = reference.parameters.effect?.value;
    const allowed = declared.effect?.allowedValues;
    if (effect !== undefined && allowed !== undefined && !allowed.includes(effect))
      problems.push(`${name}: effect ${JSON.stringify(effect).replaceAll('"', "")} is not one of ${allowed.join(", ")}`);
  }
  return problems;
}
