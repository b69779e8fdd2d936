/**
 * What Governor's management-group template (infra/managementGroup.json) must hold beyond the
 * subscription template's checks: the roles at the management group, and in every governed
 * subscription its Event Grid wiring to the one app and its budget to the one action group. Each
 * check is a pure function returning the problems it finds, so a test can prove it bites on a
 * mutated copy.
 */
import { readFileSync } from "node:fs";
import type { PermissionScope } from "../../orchestrations/activities/permissions.ts";
import { evaluateValue, managementGroupId, Opaque, type Scope, templateResourceId } from "./arm/expressions.ts";
import { type ArmResource, type ArmTemplate, resourcesOfType, type TemplateInScope, templatesInScope } from "./arm/template.ts";
import { type EventFilter, filterProblems, type RoleScopes, TEST_PARAMETERS, TEST_SCOPE, templateAppSettings } from "./governorTemplate.ts";

export const MANAGEMENT_GROUP_TEMPLATE_FILE = new URL("../../infra/managementGroup.json", import.meta.url);

export const TEST_MANAGEMENT_GROUP = "mg-nordwind";
export const MANAGEMENT_GROUP_SCOPE: Scope = { tenantId: TEST_SCOPE.tenantId, managementGroup: TEST_MANAGEMENT_GROUP };
/** Three governed subscriptions, the app in the first (the subscription template's test subscription). */
export const GOVERNED = [
  TEST_SCOPE.subscriptionId,
  "0b7e9d34-5a61-4f2c-8e3d-71c4a9b2e650",
  "c3a8f1d2-9e47-4b56-a0c1-58d2e7f4b913",
] as const;
export const MANAGEMENT_GROUP_PARAMETERS = {
  ...TEST_PARAMETERS,
  governedSubscriptionIds: [...GOVERNED],
  homeSubscriptionId: GOVERNED[0],
};

export function readManagementGroupTemplate(): ArmTemplate {
  return JSON.parse(readFileSync(MANAGEMENT_GROUP_TEMPLATE_FILE, "utf8")) as ArmTemplate;
}

export function managementGroupScoped(
  template: ArmTemplate = readManagementGroupTemplate(),
  parameters: Record<string, unknown> = {},
): TemplateInScope[] {
  return templatesInScope(template, MANAGEMENT_GROUP_SCOPE, { ...MANAGEMENT_GROUP_PARAMETERS, ...parameters });
}

/**
 * Where the roles must be for these governed subscriptions: both assignable at the management
 * group; the operator role assigned there, the drill role at each subscription's drill group.
 */
export function managementGroupRoleScopes(entries: readonly TemplateInScope[], governed: readonly string[]): RoleScopes {
  const group = managementGroupId(TEST_MANAGEMENT_GROUP);
  const drillGroup = String(templateAppSettings(entries).GOVERNOR_DRILL_RESOURCE_GROUP);
  const assignable: Record<PermissionScope, string[]> = { subscription: [group], "drill-resource-group": [group] };
  return {
    assignable,
    assigned: {
      subscription: [group],
      "drill-resource-group": governed.map((id) => `/subscriptions/${id}/resourceGroups/${drillGroup}`),
    },
  };
}

/** Each resource of a type with its id and its evaluated self, across every template. */
function deployed(entries: readonly TemplateInScope[], type: string): Array<{ id: string; scope: Scope; resource: ArmResource }> {
  return resourcesOfType(entries, type).map(({ entry, resource }) => {
    const name = String(evaluateValue(resource.name, entry.context));
    const extensionScope = resource.scope === undefined ? undefined : String(evaluateValue(resource.scope, entry.context));
    return {
      id: templateResourceId(entry.context.scope, resource.type, name, extensionScope === undefined ? {} : { extensionScope }),
      scope: entry.context.scope,
      resource: evaluateValue(resource, entry.context) as ArmResource,
    };
  });
}

/** The one resource of a type the whole template deploys, by id; a problem when there is not exactly one. */
function theOne(entries: readonly TemplateInScope[], type: string, problems: string[]): string | undefined {
  const found = deployed(entries, type);
  if (found.length !== 1) problems.push(`the template deploys ${found.length} ${type}, expected the one`);
  return found[0]?.id;
}

/** Where two evaluated values differ, by path; empty when they are equal. */
export function differences(path: string, actual: unknown, expected: unknown): string[] {
  if (typeof actual === "object" && actual !== null && typeof expected === "object" && expected !== null) {
    if (Array.isArray(actual) !== Array.isArray(expected))
      return [`${path}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    return [...keys].flatMap((key) =>
      differences(`${path}.${key}`, (actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key]),
    );
  }
  return shown(actual) === shown(expected) && typeof actual === typeof expected
    ? []
    : [`${path}: ${actual === undefined ? "missing" : JSON.stringify(shown(actual))}, expected ${JSON.stringify(shown(expected))}`];
}

const shown = (value: unknown): string =>
  value instanceof Opaque ? value.toString() : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);

const lower = (text: string) => text.toLowerCase();
const parentOf = (id: string) => id.split("/").slice(0, -2).join("/");

/**
 * Every governed subscription has exactly one Event Grid system topic of its own
 * `Microsoft.Resources.Subscriptions` events, with exactly one event subscription delivering to
 * the app's one `resourceEvents` function, filtered as `filter` and otherwise as `delivery` (the
 * subscription template's event subscription: retries, dead-lettering); the topic's identity may
 * write to that dead-letter container; and no topic or event subscription is left over.
 */
export function eventWiringProblems(
  entries: readonly TemplateInScope[],
  governed: readonly string[],
  filter: EventFilter,
  delivery: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const site = theOne(entries, "Microsoft.Web/sites", problems);
  const functionId = `${site}/functions/resourceEvents`;
  const topics = deployed(entries, "Microsoft.EventGrid/systemTopics");
  const subscriptions = deployed(entries, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
  const deadLetterAccess = deployed(entries, "Microsoft.Authorization/roleAssignments");
  for (const topic of topics) {
    const properties = topic.resource.properties as { source?: string; topicType?: string };
    if (
      lower(String(properties.source)) !== lower(`/subscriptions/${topic.scope.subscriptionId}`) ||
      properties.topicType !== "Microsoft.Resources.Subscriptions"
    )
      problems.push(
        `the system topic ${topic.id} is not of its own subscription's events (${String(properties.source)}, ${String(properties.topicType)})`,
      );
  }
  for (const subscription of subscriptions)
    if (!topics.some((topic) => lower(topic.id) === lower(parentOf(subscription.id))))
      problems.push(`the event subscription ${subscription.id} is on a topic the template does not deploy`);
  for (const id of governed) {
    const own = topics.filter((topic) => lower(String(topic.scope.subscriptionId)) === lower(id));
    if (own.length !== 1) {
      problems.push(`subscription ${id} has ${own.length} system topics, expected 1`);
      continue;
    }
    const topic = own[0]!;
    const onTopic = subscriptions.filter((subscription) => lower(parentOf(subscription.id)) === lower(topic.id));
    if (onTopic.length !== 1) {
      problems.push(`subscription ${id} has ${onTopic.length} event subscriptions on its system topic, expected 1`);
      continue;
    }
    const properties = onTopic[0]!.resource.properties as Record<string, unknown> & {
      destination?: { endpointType?: string; properties?: { resourceId?: unknown } };
      filter?: EventFilter;
      deadLetterWithResourceIdentity?: { deadLetterDestination?: { properties?: { resourceId?: unknown; blobContainerName?: unknown } } };
    };
    const destination = String(properties.destination?.properties?.resourceId);
    if (properties.destination?.endpointType !== "AzureFunction" || lower(destination) !== lower(functionId))
      problems.push(`subscription ${id}: events go to ${destination}, not to the app's ${functionId}`);
    problems.push(...filterProblems(properties.filter, filter).map((problem) => `subscription ${id}: ${problem}`));
    const { filter: _filter, ...rest } = properties;
    const { filter: _expectedFilter, ...expected } = delivery;
    problems.push(...differences(`subscription ${id}: the event subscription`, rest, expected));
    const deadLetter = properties.deadLetterWithResourceIdentity?.deadLetterDestination?.properties;
    const container = `${String(deadLetter?.resourceId)}/blobServices/default/containers/${String(deadLetter?.blobContainerName)}`;
    const topicAccess = deadLetterAccess.filter(
      ({ id: assignment, resource }) =>
        lower(assignment).startsWith(lower(`${container}/providers/Microsoft.Authorization/roleAssignments/`)) &&
        String((resource.properties as { principalId?: unknown }).principalId).includes(`/subscriptions/${id}/`),
    );
    if (topicAccess.length !== 1)
      problems.push(`subscription ${id}: its topic's identity has ${topicAccess.length} role assignments on ${container}, expected 1`);
  }
  return problems;
}

/** Every governed subscription has one budget, and every notification of every budget goes to the template's one action group. */
export function budgetProblems(entries: readonly TemplateInScope[], governed: readonly string[]): string[] {
  const problems: string[] = [];
  const actionGroup = theOne(entries, "Microsoft.Insights/actionGroups", problems);
  const budgets = deployed(entries, "Microsoft.Consumption/budgets");
  for (const id of governed) {
    const own = budgets.filter(
      (budget) => lower(String(budget.scope.subscriptionId)) === lower(id) && budget.scope.resourceGroup === undefined,
    );
    if (own.length !== 1) problems.push(`subscription ${id} has ${own.length} budgets, expected 1`);
  }
  for (const budget of budgets) {
    const notifications =
      (budget.resource.properties as { notifications?: Record<string, { contactGroups?: unknown[] }> }).notifications ?? {};
    if (Object.keys(notifications).length === 0) problems.push(`the budget ${budget.id} notifies no one`);
    for (const [name, notification] of Object.entries(notifications)) {
      const groups = (notification.contactGroups ?? []).map(String);
      if (groups.length !== 1 || lower(groups[0] as string) !== lower(String(actionGroup)))
        problems.push(`the budget ${budget.id}'s ${name} goes to ${groups.join(", ") || "no one"}, not to the action group ${actionGroup}`);
    }
  }
  return problems;
}

/** The app is told the governed subscriptions (comma-separated, as shared/config.ts reads them) and the management group. */
export function managementGroupSettingsProblems(entries: readonly TemplateInScope[], governed: readonly string[], group: string): string[] {
  const settings = templateAppSettings(entries);
  return [
    ...differences("GOVERNOR_SUBSCRIPTION_IDS", settings.GOVERNOR_SUBSCRIPTION_IDS, governed.join(",")),
    ...differences("GOVERNOR_MANAGEMENT_GROUP", settings.GOVERNOR_MANAGEMENT_GROUP, group),
  ];
}
