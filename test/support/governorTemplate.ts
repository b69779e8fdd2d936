/**
 * What Governor's template must agree on with the code: the app settings, the Event Grid filter,
 * the operator role's actions. Each check is a pure function returning the problems it finds,
 * so a test can prove it bites on a mutated copy of the template.
 */
import { readFileSync } from "node:fs";
import { type ArmTemplate, evaluatedResource, type TemplateInScope, templatesInScope } from "./arm/template.ts";

export const TEMPLATE_FILE = new URL("../../infra/azuredeploy.json", import.meta.url);

export const TEST_SCOPE = { subscriptionId: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
/** Values for the parameters without a default, as someone deploying would give them. */
export const TEST_PARAMETERS = { packageUri: "https://example.invalid/governor.zip", budgetAmount: 5000 };

export function readTemplate(): ArmTemplate {
  return JSON.parse(readFileSync(TEMPLATE_FILE, "utf8")) as ArmTemplate;
}

export function scoped(template: ArmTemplate = readTemplate()): TemplateInScope[] {
  return templatesInScope(template, TEST_SCOPE, TEST_PARAMETERS);
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

/** The app settings the template gives the Function App, evaluated. */
export function templateAppSettings(entries: readonly TemplateInScope[]): Record<string, unknown> {
  const config = evaluatedResource(entries, "Microsoft.Web/sites/config");
  if (!config.name.endsWith("/appsettings")) throw new Error(`the template's sites/config is ${config.name}, not appsettings`);
  return config.properties ?? {};
}

export interface EventFilter {
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: string; key: string; values: string[] }>;
}

/** The template's event subscription filters exactly as `expected` (the resourceEvents mapping's filter). */
export function eventFilterProblems(entries: readonly TemplateInScope[], expected: EventFilter): string[] {
  const subscription = evaluatedResource(entries, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
  const filter = (subscription.properties as { filter?: EventFilter }).filter;
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

/** The custom role holds exactly the actions the manifest needs, and nothing but them. */
export function roleProblems(entries: readonly TemplateInScope[], required: readonly string[]): string[] {
  const role = evaluatedResource(entries, "Microsoft.Authorization/roleDefinitions");
  const permissions = (role.properties as { permissions?: Array<Record<string, string[]>> }).permissions ?? [];
  const problems: string[] = [];
  if (permissions.length !== 1) problems.push(`the role has ${permissions.length} permission blocks, expected 1`);
  const [block] = permissions;
  for (const field of ["notActions", "dataActions", "notDataActions"])
    if ((block?.[field] ?? []).length > 0) problems.push(`the role's ${field} is not empty: ${block?.[field]?.join(", ")}`);
  problems.push(
    ...sameSet(
      "role actions",
      { name: "the template's role", items: block?.actions ?? [] },
      { name: "the activities' manifest", items: required },
    ),
  );
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
