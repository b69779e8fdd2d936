/**
 * What Governor's template must agree on with the code: the app settings, the Event Grid filter,
 * the custom roles' actions and where they are assigned. Each check is a pure function returning the problems it finds,
 * so a test can prove it bites on a mutated copy of the template.
 */
import { readFileSync } from "node:fs";
import type { PermissionScope } from "../../orchestrations/activities/permissions.ts";
import { evaluateValue, templateResourceId } from "./arm/expressions.ts";
import {
  type ArmResource,
  type ArmTemplate,
  evaluatedResource,
  resourcesOfType,
  type TemplateInScope,
  templatesInScope,
} from "./arm/template.ts";

export const TEMPLATE_FILE = new URL("../../infra/azuredeploy.json", import.meta.url);

export const TEST_SCOPE = { subscriptionId: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
/** Values for the parameters without a default, as someone deploying would give them. */
export const TEST_PARAMETERS = {
  packageUri: "https://example.invalid/governor.zip",
  budgetAmount: 5000,
  authClientId: "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e",
};

export function readTemplate(): ArmTemplate {
  return JSON.parse(readFileSync(TEMPLATE_FILE, "utf8")) as ArmTemplate;
}

export function scoped(template: ArmTemplate = readTemplate(), parameters: Record<string, unknown> = {}): TemplateInScope[] {
  return templatesInScope(template, TEST_SCOPE, { ...TEST_PARAMETERS, ...parameters });
}

const difference = (a: Iterable<string>, b: ReadonlySet<string>): string[] => [...a].filter((item) => !b.has(item)).sort();

/** Two sets of names, compared with what is missing on each side named. */
export function sameSet(
  what: string,
  left: { name: string; items: Iterable<string> },
  right: { name: string; items: Iterable<string> },
): string[] {
  const a = new Set(left.items);
  const b = new Set(right.items);
  return [
    ...difference(a, b).map((item) => `${what}: ${item} is in ${left.name} but not in ${right.name}`),
    ...difference(b, a).map((item) => `${what}: ${item} is in ${right.name} but not in ${left.name}`),
  ];
}

/** The Function App's `sites/config` resource of that name (`appsettings`, `authsettingsV2`), evaluated, or undefined. */
export function siteConfig(entries: readonly TemplateInScope[], name: string): ArmResource | undefined {
  const index = resourcesOfType(entries, "Microsoft.Web/sites/config")
    .map(({ entry, resource }) => String(evaluateValue(resource.name, entry.context)))
    .findIndex((full) => full.split("/").at(-1)?.toLowerCase() === name.toLowerCase());
  return index < 0 ? undefined : evaluatedResource(entries, "Microsoft.Web/sites/config", index);
}

/** The app settings the template gives the Function App, evaluated. */
export function templateAppSettings(entries: readonly TemplateInScope[]): Record<string, unknown> {
  const config = siteConfig(entries, "appsettings");
  if (!config) throw new Error("the template deploys no sites/config appsettings");
  return config.properties ?? {};
}

export interface EventFilter {
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: string; key: string; values: string[] }>;
}

/** The template's event subscription filters exactly as `expected` (the resourceEvents mapping's filter). */
export function eventFilterProblems(entries: readonly TemplateInScope[], expected: EventFilter): string[] {
  const subscription = evaluatedResource(entries, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
  return filterProblems((subscription.properties as { filter?: EventFilter }).filter, expected);
}

/** One event subscription's filter is exactly `expected`. */
export function filterProblems(filter: EventFilter | undefined, expected: EventFilter): string[] {
  if (!filter) return ["the event subscription has no filter: every event of the subscription would reach resourceEvents"];
  const problems = sameSet(
    "included event types",
    { name: "the template", items: filter.includedEventTypes ?? [] },
    { name: "the resourceEvents mapping", items: expected.includedEventTypes },
  );
  const key = (item: { operatorType: string; key: string }) => `${item.operatorType} ${item.key}`;
  const actual = new Map((filter.advancedFilters ?? []).map((item) => [key(item), item.values]));
  for (const wanted of expected.advancedFilters) {
    const values = actual.get(key(wanted));
    if (!values) problems.push(`advanced filter ${key(wanted)} is missing`);
    else
      problems.push(
        ...sameSet(
          `advanced filter ${key(wanted)}`,
          { name: "the template", items: values },
          { name: "the resourceEvents mapping", items: wanted.values },
        ),
      );
    actual.delete(key(wanted));
  }
  for (const extra of actual.keys()) problems.push(`advanced filter ${extra} is not one the resourceEvents mapping asks for`);
  return problems;
}

/** Governor's custom roles: the one assigned at the subscription, and the drill role assigned at the drill resource group. */
export const GOVERNOR_ROLES: ReadonlyArray<{ scope: PermissionScope; roleName: RegExp; what: string }> = [
  { scope: "subscription", roleName: /^Governor operator \(/, what: "the operator role" },
  { scope: "drill-resource-group", roleName: /^Governor drill operator \(/, what: "the drill role" },
];

/** Where a role assignment of a template applies: its `scope` property, else the template's group, else the subscription. */
function assignmentScope(entry: TemplateInScope, resource: ArmResource): string {
  const name = String(evaluateValue(resource.name, entry.context));
  const extensionScope = resource.scope === undefined ? undefined : String(evaluateValue(resource.scope, entry.context));
  const id = templateResourceId(entry.context.scope, resource.type, name, extensionScope === undefined ? {} : { extensionScope });
  return id.slice(0, id.toLowerCase().lastIndexOf("/providers/microsoft.authorization/roleassignments/"));
}

/** Where each of Governor's roles must be assignable, and every scope it must be assigned at (and no other). */
export interface RoleScopes {
  assignable: Record<PermissionScope, readonly string[]>;
  assigned: Record<PermissionScope, readonly string[]>;
}

/**
 * Each custom role holds exactly the actions the manifest needs at its scope, and nothing but
 * them; it is assignable at that scope only and assigned there only (the operator role at the
 * subscription, the drill role at the resource group GOVERNOR_DRILL_RESOURCE_GROUP names); and
 * the template defines no other custom role. `where` says otherwise for another template (the
 * management group's).
 */
export function roleProblems(
  entries: readonly TemplateInScope[],
  required: Readonly<Record<PermissionScope, readonly string[]>>,
  where?: RoleScopes,
): string[] {
  const problems: string[] = [];
  const subscriptionId = `/subscriptions/${entries[0]?.context.scope.subscriptionId}`;
  const drillGroup = String(templateAppSettings(entries).GOVERNOR_DRILL_RESOURCE_GROUP);
  const scopeIds: Record<PermissionScope, string[]> = {
    subscription: [subscriptionId],
    "drill-resource-group": [`${subscriptionId}/resourceGroups/${drillGroup}`],
  };
  const scopes: RoleScopes = where ?? { assignable: scopeIds, assigned: scopeIds };
  const definitions = resourcesOfType(entries, "Microsoft.Authorization/roleDefinitions").map(({ entry, resource }) => ({
    id: String(evaluateValue(resource.name, entry.context)),
    role: evaluateValue(resource, entry.context) as ArmResource,
  }));
  const assignments = resourcesOfType(entries, "Microsoft.Authorization/roleAssignments").map(({ entry, resource }) => ({
    at: assignmentScope(entry, resource),
    roleDefinitionId: String((evaluateValue(resource.properties, entry.context) as { roleDefinitionId: unknown }).roleDefinitionId),
  }));
  const roleName = (role: ArmResource) => String((role.properties as { roleName?: unknown }).roleName);
  for (const { id, role } of definitions)
    if (!GOVERNOR_ROLES.some((expected) => expected.roleName.test(roleName(role))))
      problems.push(`the template defines the custom role ${roleName(role)} (${id}), which is none of Governor's roles`);
  for (const expected of GOVERNOR_ROLES) {
    const found = definitions.filter(({ role }) => expected.roleName.test(roleName(role)));
    if (found.length !== 1) {
      problems.push(`the template defines ${found.length} roles named like ${expected.what}, expected 1`);
      continue;
    }
    const { id, role } = found[0]!;
    const properties = role.properties as { permissions?: Array<Record<string, string[]>>; assignableScopes?: string[] };
    const permissions = properties.permissions ?? [];
    if (permissions.length !== 1) problems.push(`${expected.what} has ${permissions.length} permission blocks, expected 1`);
    const [block] = permissions;
    for (const field of ["notActions", "dataActions", "notDataActions"])
      if ((block?.[field] ?? []).length > 0) problems.push(`${expected.what}'s ${field} is not empty: ${block?.[field]?.join(", ")}`);
    problems.push(
      ...sameSet(
        `${expected.what}'s actions`,
        { name: "the template's role", items: block?.actions ?? [] },
        { name: `the activities' manifest (scope ${expected.scope})`, items: required[expected.scope] },
      ),
    );
    problems.push(
      ...sameSet(
        `${expected.what}'s assignable scopes`,
        { name: "the template's role", items: (properties.assignableScopes ?? []).map(String) },
        { name: "where it must be assigned", items: scopes.assignable[expected.scope] },
      ),
    );
    const at = assignments
      .filter((assignment) => assignment.roleDefinitionId.toLowerCase().endsWith(`/${id.toLowerCase()}`))
      .map((a) => a.at);
    const wanted = scopes.assigned[expected.scope];
    const only = wanted.join(", ");
    if (at.length === 0) problems.push(`${expected.what} is not assigned`);
    for (const scope of at)
      if (!wanted.some((item) => item.toLowerCase() === scope.toLowerCase()))
        problems.push(`${expected.what} is assigned at ${scope}, not only at ${only}`);
    // Several scopes to cover (one drill group per subscription): each must have its assignment.
    if (at.length > 0 && wanted.length > 1)
      for (const scope of wanted)
        if (!at.some((item) => item.toLowerCase() === scope.toLowerCase())) problems.push(`${expected.what} is not assigned at ${scope}`);
  }
  return problems;
}

/**
 * The GOVERNOR_* settings agree everywhere: the sample local settings and the typed configuration
 * hold the same keys, and the template deploys all of them but the local-only ones.
 */
export function settingsProblems(sources: {
  sample: Iterable<string>;
  config: Iterable<string>;
  template: Iterable<string>;
  localOnly: ReadonlySet<string>;
}): string[] {
  const governor = (keys: Iterable<string>) => [...keys].filter((key) => key.startsWith("GOVERNOR_"));
  const deployed = governor(sources.config).filter((key) => !sources.localOnly.has(key));
  return [
    ...sameSet(
      "settings",
      { name: "local.settings.sample.json", items: governor(sources.sample) },
      { name: "shared/config.ts SETTINGS", items: governor(sources.config) },
    ),
    ...sameSet(
      "settings",
      { name: "the template's app settings", items: governor(sources.template) },
      { name: "shared/config.ts SETTINGS (less the local-only ones)", items: deployed },
    ),
  ];
}
