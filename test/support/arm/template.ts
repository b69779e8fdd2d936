/**
 * Structural checks of an ARM template, as pure functions returning the problems they find (an
 * empty list when the template is sound), so a test can run them on the real template and on a
 * mutated copy to prove each check bites.
 *
 * A nested deployment with `expressionEvaluationOptions.scope: inner` is a template of its own:
 * its parameters and variables are its own, its resources deploy to its resource group. Each
 * check walks every such template.
 */
import {
  calls,
  type EvaluationContext,
  evaluateValue,
  isExpression,
  Opaque,
  parseExpression,
  type Scope,
  templateResourceId,
} from "./expressions.ts";

export type Json = Record<string, unknown>;

export interface ArmResource extends Json {
  type: string;
  apiVersion: string;
  name: string;
  dependsOn?: string[];
  resourceGroup?: string;
  /** A nested deployment's target subscription. */
  subscriptionId?: string;
  scope?: string;
  /** A copy loop: `count` instances, each evaluated with its copyIndex(). */
  copy?: { name: string; count: unknown; mode?: string; batchSize?: number };
  properties?: Json;
}

export interface ArmTemplate extends Json {
  $schema: string;
  contentVersion: string;
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

export const SUBSCRIPTION_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
export const GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
export const MANAGEMENT_GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#";

/** The schema a template deployed at this scope declares. */
export function schemaFor(scope: Scope): string {
  if (scope.resourceGroup !== undefined) return GROUP_SCHEMA;
  return scope.subscriptionId === undefined && scope.managementGroup !== undefined ? MANAGEMENT_GROUP_SCHEMA : SUBSCRIPTION_SCHEMA;
}

/** One template (the root or a nested one) with where it deploys and the values of its parameters. */
export interface TemplateInScope {
  /** `root`, or `root/governor-app` for a nested deployment. */
  path: string;
  template: ArmTemplate;
  context: EvaluationContext;
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function isNestedTemplate(resource: ArmResource): boolean {
  const properties = resource.properties;
  return (
    resource.type?.toLowerCase() === "microsoft.resources/deployments" &&
    isObject(properties?.template) &&
    isObject(properties?.expressionEvaluationOptions) &&
    properties.expressionEvaluationOptions.scope === "inner"
  );
}

/**
 * Each resource of a template once, or once per instance of its copy loop with that instance's
 * copyIndex() in the context.
 */
export function resourceInstances(
  entry: Pick<TemplateInScope, "template" | "context">,
): Array<{ resource: ArmResource; context: EvaluationContext }> {
  return (entry.template.resources ?? []).flatMap((resource) => {
    if (resource.copy === undefined) return [{ resource, context: entry.context }];
    const count = Number(evaluateValue(resource.copy.count, entry.context));
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`copy loop ${resource.copy.name}: count ${String(count)} is not a whole number`);
    return Array.from({ length: count }, (_unused, copyIndex) => ({ resource, context: { ...entry.context, copyIndex } }));
  });
}

/**
 * The root template and every nested one, with parameter values: the given ones, else the
 * defaults (evaluated), for the root; what the outer template passes, for a nested one.
 */
export function templatesInScope(root: ArmTemplate, scope: Scope, given: Record<string, unknown>): TemplateInScope[] {
  const found: TemplateInScope[] = [];
  const visit = (template: ArmTemplate, path: string, outer: EvaluationContext): void => {
    found.push({ path, template, context: outer });
    for (const { resource, context } of resourceInstances({ template, context: outer })) {
      if (!isNestedTemplate(resource)) continue;
      const properties = resource.properties as Json;
      const inner = properties.template as ArmTemplate;
      const passed = evaluateValue(properties.parameters ?? {}, context) as Record<string, { value: unknown }>;
      const subscriptionId = resource.subscriptionId === undefined ? undefined : String(evaluateValue(resource.subscriptionId, context));
      // A deployment to another subscription starts at that subscription, not in the outer group.
      const outerGroup = subscriptionId === undefined ? context.scope.resourceGroup : undefined;
      const group = resource.resourceGroup === undefined ? outerGroup : String(evaluateValue(resource.resourceGroup, context));
      const { resourceGroup: _outerGroup, ...outerScope } = context.scope;
      const innerScope: Scope = {
        ...outerScope,
        ...(subscriptionId === undefined ? {} : { subscriptionId }),
        ...(group === undefined ? {} : { resourceGroup: group }),
      };
      const innerContext: EvaluationContext = { scope: innerScope, parameters: {}, variables: inner.variables ?? {} };
      for (const [name, declaration] of Object.entries(inner.parameters ?? {})) {
        innerContext.parameters[name] =
          name in passed
            ? passed[name]?.value
            : evaluateValue(declaration.defaultValue, { ...innerContext, parameters: { ...innerContext.parameters } });
      }
      visit(inner, `${path}/${String(evaluateValue(resource.name, context))}`, innerContext);
    }
  };
  const context: EvaluationContext = { scope, parameters: {}, variables: root.variables ?? {} };
  for (const [name, declaration] of Object.entries(root.parameters ?? {})) {
    context.parameters[name] = name in given ? given[name] : evaluateValue(declaration.defaultValue, context);
  }
  visit(root, "root", context);
  return found;
}

/** Every string of a template that its own scope evaluates: nested inner templates excluded, what is passed to them included. */
function ownStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const item of value) ownStrings(item, out);
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      if (key === "template" && isObject(item) && "resources" in item && isObject(value.expressionEvaluationOptions)) {
        if (value.expressionEvaluationOptions.scope === "inner") continue;
      }
      ownStrings(item, out);
    }
  }
  return out;
}

export function checkSchemas(scoped: readonly TemplateInScope[]): string[] {
  const problems: string[] = [];
  for (const { path, template, context } of scoped) {
    const expected = schemaFor(context.scope);
    if (template.$schema !== expected) problems.push(`${path}: $schema is ${String(template.$schema)}, expected ${expected}`);
    if (typeof template.contentVersion !== "string" || !/^\d+\.\d+\.\d+\.\d+$/.test(template.contentVersion))
      problems.push(`${path}: contentVersion is ${String(template.contentVersion)}, not n.n.n.n`);
    if (!Array.isArray(template.resources)) problems.push(`${path}: resources is not an array`);
  }
  return problems;
}

export function checkResourceBasics(scoped: readonly TemplateInScope[]): string[] {
  const problems: string[] = [];
  for (const { path, template } of scoped) {
    (template.resources ?? []).forEach((resource, index) => {
      const at = `${path}: resource ${index} (${String(resource.type)} ${String(resource.name)})`;
      if (typeof resource.type !== "string" || !/^[A-Za-z]+\.[A-Za-z]+\/\w+(\/\w+)*$/.test(resource.type))
        problems.push(`${at}: type is missing or not Namespace/type`);
      if (typeof resource.apiVersion !== "string" || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(resource.apiVersion))
        problems.push(`${at}: apiVersion is missing or not yyyy-mm-dd`);
      if (typeof resource.name !== "string" || resource.name === "") problems.push(`${at}: name is missing`);
    });
  }
  return problems;
}

/** Every parameter and variable used is declared, and every one declared is used, in each template's own scope. */
export function checkParametersAndVariables(scoped: readonly TemplateInScope[]): string[] {
  const problems: string[] = [];
  for (const { path, template } of scoped) {
    const used = { parameters: new Set<string>(), variables: new Set<string>() };
    const { parameters: _parameters, ...rest } = template;
    for (const text of ownStrings(rest)) {
      if (!isExpression(text)) continue;
      let expression;
      try {
        expression = parseExpression(text);
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
        continue;
      }
      for (const call of calls(expression)) {
        const kind = call.name.toLowerCase();
        const [first] = call.args;
        if ((kind === "parameters" || kind === "variables") && first?.kind === "string") used[kind].add(first.value);
      }
    }
    for (const kind of ["parameters", "variables"] as const) {
      const declared = new Set(Object.keys(template[kind] ?? {}));
      for (const name of used[kind]) if (!declared.has(name)) problems.push(`${path}: ${kind}('${name}') is used but not declared`);
      for (const name of declared) if (!used[kind].has(name)) problems.push(`${path}: ${kind} ${name} is declared but never used`);
    }
  }
  return problems;
}

/** The id of each resource a template deploys, as ARM names it. */
export function resourceIds(entry: TemplateInScope): Map<string, ArmResource> {
  const ids = new Map<string, ArmResource>();
  for (const { resource, context } of resourceInstances(entry)) {
    const name = String(evaluateValue(resource.name, context));
    const group = resource.resourceGroup === undefined ? undefined : String(evaluateValue(resource.resourceGroup, context));
    const subscriptionId = resource.subscriptionId === undefined ? undefined : String(evaluateValue(resource.subscriptionId, context));
    const extensionScope = resource.scope === undefined ? undefined : String(evaluateValue(resource.scope, context));
    const id = templateResourceId(context.scope, resource.type, name, {
      ...(group === undefined ? {} : { resourceGroup: group }),
      ...(subscriptionId === undefined ? {} : { subscriptionId }),
      ...(extensionScope === undefined ? {} : { extensionScope }),
    });
    ids.set(id.toLowerCase(), resource);
  }
  return ids;
}

/**
 * Every `dependsOn` names a resource of the same template: by its id, or (as ARM also takes) by
 * its plain name or the name of its copy loop.
 */
export function checkDependsOn(scoped: readonly TemplateInScope[]): string[] {
  const problems: string[] = [];
  for (const entry of scoped) {
    const ids = resourceIds(entry);
    const instances = resourceInstances(entry);
    const names = new Set([
      ...instances.map(({ resource, context }) => String(evaluateValue(resource.name, context)).toLowerCase()),
      ...instances.flatMap(({ resource }) => (resource.copy === undefined ? [] : [resource.copy.name.toLowerCase()])),
    ]);
    for (const { resource, context } of instances) {
      for (const dependency of resource.dependsOn ?? []) {
        if (!isExpression(dependency)) {
          if (!names.has(dependency.toLowerCase()))
            problems.push(`${entry.path}: ${resource.type} ${resource.name} depends on ${dependency}, which this template does not deploy`);
          continue;
        }
        let id: string;
        try {
          id = String(evaluateValue(dependency, context));
        } catch (error) {
          problems.push(`${entry.path}: ${resource.type} ${resource.name}: dependsOn ${dependency}: ${(error as Error).message}`);
          continue;
        }
        if (!ids.has(id.toLowerCase()))
          problems.push(`${entry.path}: ${resource.type} ${resource.name} depends on ${id}, which this template does not deploy`);
      }
    }
  }
  return problems;
}

const SECRET_NAME = /password|secret|connectionstring|accountkey|sas|token|functionkey|masterkey/i;

/** No output shows a secret: no list*() result, no secure parameter, nothing named like a secret. */
export function checkOutputs(scoped: readonly TemplateInScope[]): string[] {
  const problems: string[] = [];
  for (const { path, template } of scoped) {
    const secure = new Set(
      Object.entries(template.parameters ?? {})
        .filter(([, declaration]) => /^secure/i.test(declaration.type))
        .map(([name]) => name),
    );
    for (const [name, output] of Object.entries(template.outputs ?? {})) {
      const at = `${path}: output ${name}`;
      if (SECRET_NAME.test(name)) problems.push(`${at}: its name says it holds a secret`);
      for (const text of ownStrings(output.value)) {
        if (!isExpression(text)) {
          if (/accountkey=|sharedaccesssignature=|sig=/i.test(text)) problems.push(`${at}: holds a key or signature in plain text`);
          continue;
        }
        for (const call of calls(parseExpression(text))) {
          if (/^list/i.test(call.name)) problems.push(`${at}: shows the result of ${call.name}()`);
          const [first] = call.args;
          if (call.name.toLowerCase() === "parameters" && first?.kind === "string" && secure.has(first.value))
            problems.push(`${at}: shows the secure parameter ${first.value}`);
        }
      }
    }
  }
  return problems;
}

/** All the structural checks at once. */
export function checkTemplate(scoped: readonly TemplateInScope[]): string[] {
  return [
    ...checkSchemas(scoped),
    ...checkResourceBasics(scoped),
    ...checkParametersAndVariables(scoped),
    ...checkDependsOn(scoped),
    ...checkOutputs(scoped),
  ];
}

/** The resources of a type across every template, with the template that deploys them. */
export function resourcesOfType(
  scoped: readonly TemplateInScope[],
  type: string,
): Array<{ entry: TemplateInScope; resource: ArmResource }> {
  return scoped.flatMap((entry) =>
    resourceInstances(entry)
      .filter(({ resource }) => resource.type.toLowerCase() === type.toLowerCase())
      .map(({ resource, context }) => ({ entry: context === entry.context ? entry : { ...entry, context }, resource })),
  );
}

/** One resource of a type, evaluated: the test's way to read what the template deploys. */
export function evaluatedResource(scoped: readonly TemplateInScope[], type: string, index = 0): ArmResource {
  const found = resourcesOfType(scoped, type)[index];
  if (!found) throw new Error(`the template deploys no ${type}${index > 0 ? ` number ${index + 1}` : ""}`);
  return evaluateValue(found.resource, found.entry.context) as ArmResource;
}

export { Opaque };
