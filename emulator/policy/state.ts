/**
 * The emulated subscription's Azure Policy: custom definitions, initiatives, assignments and
 * exemptions as ARM stores them, Microsoft's built-ins (the repository's copies of their published
 * definitions, loaded when first asked for), and the evaluation of every assignment on a resource:
 * what each reference's rule says, its effect, and whether an exemption covers it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { idKey } from "../../shared/azure/resourceId.ts";
import { asText, evaluateExpression } from "./expressions.ts";
import { effectOf, evaluateCondition, type PolicyResource, type RuleScope } from "./rules.ts";

const BUILTINS_DIR = fileURLToPath(new URL("../../test/fixtures/azure-policy-builtins/", import.meta.url));
export const BUILTIN_PREFIX = "/providers/microsoft.authorization/policydefinitions/";

export interface PolicyObject {
  id: string;
  name: string;
  type: string;
  properties: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Reference {
  /** Null for an assignment of a single definition. */
  referenceId: string | null;
  definition: PolicyObject;
  parameters: Record<string, unknown>;
  groupNames: string[];
}

export type ComplianceState = "Compliant" | "NonCompliant" | "Exempt";

export interface ReferenceOutcome {
  reference: Reference;
  /** Lower case, as the rule resolved it. */
  effect: string;
  /** Undefined when the reference does not apply (disabled, or a mode that excludes the resource). */
  state?: ComplianceState;
  /** Whether the rule's `if` held. */
  matched: boolean;
  exemption?: PolicyObject;
}

export class PolicyState {
  readonly definitions = new Map<string, PolicyObject>();
  readonly setDefinitions = new Map<string, PolicyObject>();
  readonly assignments = new Map<string, PolicyObject>();
  readonly exemptions = new Map<string, PolicyObject>();
  /** Policy Insights' remediation tasks (`Microsoft.PolicyInsights/remediations`), by lower-case id. */
  readonly remediations = new Map<string, PolicyObject>();
  #builtins: Map<string, PolicyObject> | undefined;

  get builtins(): Map<string, PolicyObject> {
    if (this.#builtins === undefined) {
      const files = readdirSync(BUILTINS_DIR).filter((file) => file.endsWith(".json") && file !== "policyRule.schema.json");
      this.#builtins = new Map(
        files.map((file) => {
          const raw = JSON.parse(readFileSync(join(BUILTINS_DIR, file), "utf8")) as {
            id: string;
            name: string;
            properties: Record<string, unknown>;
          };
          const definition: PolicyObject = { ...raw, type: "Microsoft.Authorization/policyDefinitions" };
          return [raw.name.toLowerCase(), definition];
        }),
      );
    }
    return this.#builtins;
  }

  definition(id: string): PolicyObject | undefined {
    const key = idKey(id);
    if (key.startsWith(BUILTIN_PREFIX)) return this.builtins.get(key.slice(BUILTIN_PREFIX.length));
    return this.definitions.get(key);
  }

  /** The definitions an assignment applies, each with its parameters resolved. */
  references(assignment: PolicyObject): Reference[] {
    const properties = assignment.properties as { policyDefinitionId: string; parameters?: Record<string, { value: unknown }> };
    const given = Object.fromEntries(Object.entries(properties.parameters ?? {}).map(([name, entry]) => [name, entry.value]));
    const target = idKey(properties.policyDefinitionId);
    if (target.includes("/policysetdefinitions/")) {
      const set = this.setDefinitions.get(target);
      if (!set) return [];
      const setParameters = withDefaults(set, given);
      const entries = (set.properties.policyDefinitions ?? []) as Array<{
        policyDefinitionReferenceId?: string;
        policyDefinitionId: string;
        parameters?: Record<string, { value: unknown }>;
        groupNames?: string[];
      }>;
      return entries.flatMap((entry) => {
        const definition = this.definition(entry.policyDefinitionId);
        if (!definition) return [];
        const passed = Object.fromEntries(
          Object.entries(entry.parameters ?? {}).map(([name, value]) => [
            name,
            evaluateExpression(value.value, { parameters: setParameters, subscriptionId: "", field: () => undefined }),
          ]),
        );
        return [
          {
            referenceId: entry.policyDefinitionReferenceId ?? null,
            definition,
            parameters: withDefaults(definition, passed),
            groupNames: entry.groupNames ?? [],
          },
        ];
      });
    }
    const definition = this.definition(target);
    return definition ? [{ referenceId: null, definition, parameters: withDefaults(definition, given), groupNames: [] }] : [];
  }

  /** Assignments whose scope holds the resource (and whose notScopes do not). */
  assignmentsCovering(resourceId: string): PolicyObject[] {
    const key = idKey(resourceId);
    return [...this.assignments.values()].filter((assignment) => {
      const scope = idKey(asText(assignment.properties.scope ?? ""));
      const notScopes = ((assignment.properties.notScopes as string[] | undefined) ?? []).map(idKey);
      return covers(scope, key) && !notScopes.some((excluded) => covers(excluded, key));
    });
  }

  exemptionFor(resourceId: string, assignmentId: string, referenceId: string | null, now: Date): PolicyObject | undefined {
    const key = idKey(resourceId);
    return [...this.exemptions.values()].find((exemption) => {
      const properties = exemption.properties as {
        policyAssignmentId: string;
        policyDefinitionReferenceIds?: string[];
        expiresOn?: string;
      };
      if (idKey(properties.policyAssignmentId) !== idKey(assignmentId)) return false;
      if (!covers(idKey(scopeOfExtension(exemption.id)), key)) return false;
      if (properties.expiresOn !== undefined && Date.parse(properties.expiresOn) <= now.getTime()) return false;
      const ids = properties.policyDefinitionReferenceIds ?? [];
      return ids.length === 0 || (referenceId !== null && ids.some((id) => id.toLowerCase() === referenceId.toLowerCase()));
    });
  }

  /**
   * Every reference of an assignment on one resource. `related` answers an if-not-exists
   * rule's question: does a resource of the details' type exist for this one?
   */
  evaluate(
    assignment: PolicyObject,
    resource: PolicyResource,
    context: { subscriptionId: string; now: Date; related: (type: string, resource: PolicyResource) => boolean },
  ): ReferenceOutcome[] {
    return this.references(assignment).map((reference) => {
      const scope: RuleScope = {
        parameters: reference.parameters,
        subscriptionId: context.subscriptionId,
        resource,
        ...(resource.resourceGroup ? { resourceGroup: resource.resourceGroup } : {}),
      };
      const rule = reference.definition.properties.policyRule as { if: unknown; then: { details?: { type?: string } } };
      const effect = effectOf(rule.then, scope);
      const mode = asText(reference.definition.properties.mode ?? "Indexed").toLowerCase();
      if (effect === "disabled" || (mode === "indexed" && !indexed(resource))) return { reference, effect, matched: false };
      const matched = evaluateCondition(rule.if, scope);
      let state: ComplianceState = matched ? "NonCompliant" : "Compliant";
      if (matched && effect.endsWith("ifnotexists") && rule.then.details?.type !== undefined) {
        state = context.related(rule.then.details.type, resource) ? "Compliant" : "NonCompliant";
      }
      const exemption = this.exemptionFor(resource.id, assignment.id, reference.referenceId, context.now);
      return { reference, effect, matched, state: exemption ? "Exempt" : state, ...(exemption ? { exemption } : {}) };
    });
  }
}

function withDefaults(definition: PolicyObject, given: Record<string, unknown>): Record<string, unknown> {
  const declared = (definition.properties.parameters ?? {}) as Record<string, { defaultValue?: unknown }>;
  const values: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(declared)) {
    if (name in given) values[name] = given[name];
    else if (declaration.defaultValue !== undefined) values[name] = declaration.defaultValue;
  }
  return values;
}

/** Parameters a definition (or initiative) declares without a default that were not given. */
export function missingParameters(definition: PolicyObject, given: Record<string, unknown>): string[] {
  const declared = (definition.properties.parameters ?? {}) as Record<string, { defaultValue?: unknown }>;
  return Object.entries(declared)
    .filter(([name, declaration]) => declaration.defaultValue === undefined && !(name in given))
    .map(([name]) => name);
}

const covers = (scope: string, resourceKey: string): boolean =>
  scope !== "" && (resourceKey === scope || resourceKey.startsWith(`${scope}/`));

/** The scope an extension resource (`<scope>/providers/Microsoft.Authorization/<type>/<name>`) sits on. */
export function scopeOfExtension(id: string): string {
  const index = id.toLowerCase().lastIndexOf("/providers/microsoft.authorization/");
  return index < 0 ? id : id.slice(0, index);
}

/** Indexed mode: top-level resources in a resource group that take tags and a location (no resource groups, no children, no budgets). */
const indexed = (resource: PolicyResource): boolean =>
  resource.type.split("/").length === 2 &&
  resource.type.toLowerCase() !== "microsoft.resources/resourcegroups" &&
  resource.location !== undefined &&
  /\/resourcegroups\//i.test(resource.id);
