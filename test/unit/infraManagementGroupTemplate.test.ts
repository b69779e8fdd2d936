/**
 * The management-group template (infra/managementGroup.json), checked where Azure cannot be
 * reached: that it is what `npm run infra:mg` writes from the subscription template, its
 * structure, the roles at the management group, and in every governed subscription the Event
 * Grid wiring to the one app and the budget to the one action group. Each check is also run on a
 * mutated copy, to prove it bites.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { managementGroupText } from "../../build/managementGroupTemplate.ts";
import { withRoleActions } from "../../build/roles.ts";
import { requiredActionsByScope } from "../../orchestrations/activities/permissions.ts";
import { eventSubscriptionFilter } from "../../shared/triggers/resourceEvents.ts";
import { evaluateValue, managementGroupId } from "../support/arm/expressions.ts";
import {
  type ArmResource,
  type ArmTemplate,
  checkDependsOn,
  checkSchemas,
  checkTemplate,
  evaluatedResource,
  resourcesOfType,
  SUBSCRIPTION_SCHEMA,
} from "../support/arm/template.ts";
import { roleProblems, scoped, TEMPLATE_FILE, templateAppSettings } from "../support/governorTemplate.ts";
import {
  budgetProblems,
  eventWiringProblems,
  GOVERNED,
  MANAGEMENT_GROUP_TEMPLATE_FILE,
  managementGroupRoleScopes,
  managementGroupScoped,
  managementGroupSettingsProblems,
  readManagementGroupTemplate,
  TEST_MANAGEMENT_GROUP,
} from "../support/managementGroupTemplate.ts";

const mutable = (): ArmTemplate => structuredClone(readManagementGroupTemplate());
const templateOf = (resource: ArmResource): ArmTemplate => (resource.properties as { template: ArmTemplate }).template;
const rootResource = (template: ArmTemplate, test: (resource: ArmResource) => boolean): ArmResource => {
  const found = template.resources.find(test);
  if (!found) throw new Error("no such resource at the root");
  return found;
};
/** The template each governed subscription gets (the copy loop's). */
const perSubscription = (template: ArmTemplate): ArmTemplate =>
  templateOf(rootResource(template, (resource) => resource.copy !== undefined));
const deploymentIn = (template: ArmTemplate, name: string): ArmResource =>
  rootResource(template, (resource) => resource.type === "Microsoft.Resources/deployments" && resource.name === name);
const operatorAssignment = (template: ArmTemplate): ArmResource =>
  rootResource(template, (resource) => resource.type === "Microsoft.Authorization/roleAssignments");

const roleScopes = (entries = managementGroupScoped()) => managementGroupRoleScopes(entries, GOVERNED);
/** The subscription template's event subscription, evaluated: what every governed subscription's must equal. */
const subscriptionDelivery = () =>
  evaluatedResource(scoped(), "Microsoft.EventGrid/systemTopics/eventSubscriptions").properties as Record<string, unknown>;
const wiring = (entries = managementGroupScoped()) =>
  eventWiringProblems(entries, GOVERNED, eventSubscriptionFilter(), subscriptionDelivery());
const GROUP = managementGroupId(TEST_MANAGEMENT_GROUP);

describe("the management-group template's structure", () => {
  const entries = managementGroupScoped();

  it("is exactly what npm run infra:mg writes from infra/azuredeploy.json", () => {
    const written = managementGroupText(readFileSync(TEMPLATE_FILE, "utf8"));
    // When this fails: edit infra/azuredeploy.json, not infra/managementGroup.json, and run npm run infra:mg.
    expect(readFileSync(MANAGEMENT_GROUP_TEMPLATE_FILE, "utf8")).toBe(written);
  });

  it("passes every structural check at management-group scope: schemas, resource basics, parameters and variables, dependsOn, outputs", () => {
    expect(checkTemplate(entries)).toEqual([]);
  });

  it("deploys the app once, in the home subscription, and one subscription-level deployment per governed subscription", () => {
    const sites = resourcesOfType(entries, "Microsoft.Web/sites");
    expect(sites).toHaveLength(1);
    expect(sites[0]?.entry.context.scope).toMatchObject({ subscriptionId: GOVERNED[0], resourceGroup: "rg-governor" });
    const perSubscriptionDeployments = entries.filter((entry) => /^root\/governor-[0-9a-f-]{36}$/.test(entry.path));
    expect(perSubscriptionDeployments.map((entry) => entry.context.scope.subscriptionId)).toEqual([...GOVERNED]);
    for (const entry of perSubscriptionDeployments) expect(entry.context.scope.resourceGroup).toBeUndefined();
  });

  it("governs the home subscription whether the list names it or not: first, once, with its own events, budget and drill group", () => {
    const [home, ...others] = GOVERNED;
    for (const listed of [others, [...others, home], [home, ...others]]) {
      const scopedEntries = managementGroupScoped(readManagementGroupTemplate(), { governedSubscriptionIds: listed });
      const deployments = scopedEntries.filter((entry) => /^root\/governor-[0-9a-f-]{36}$/.test(entry.path));
      expect(deployments.map((entry) => entry.context.scope.subscriptionId)).toEqual([...GOVERNED]);
      expect(templateAppSettings(scopedEntries).GOVERNOR_SUBSCRIPTION_IDS).toBe(GOVERNED.join(","));
      expect(wiring(scopedEntries)).toEqual([]);
    }
  });

  it("the schema and dependsOn checks bite at management-group scope: a group template declaring the subscription schema, a dependency on nothing deployed", () => {
    const template = mutable();
    templateOf(deploymentIn(perSubscription(template), "governor-events")).$schema = SUBSCRIPTION_SCHEMA;
    operatorAssignment(template).dependsOn?.push("governor-nowhere");
    const problems = [...checkSchemas(managementGroupScoped(template)), ...checkDependsOn(managementGroupScoped(template))];
    expect(problems).toEqual([
      ...GOVERNED.map((id): unknown =>
        expect.stringMatching(new RegExp(`^root/governor-${id}/governor-events: \\$schema is .*subscriptionDeploymentTemplate`)),
      ),
      expect.stringMatching(
        /^root: Microsoft\.Authorization\/roleAssignments .* depends on governor-nowhere, which this template does not deploy$/,
      ),
    ]);
  });
});

describe("the roles at the management group", () => {
  const entries = managementGroupScoped();

  it("both roles assignable at the management group with exactly the manifest's actions; the operator role assigned to the app's identity there, the drill role at each governed subscription's drill group only", () => {
    expect(roleProblems(entries, requiredActionsByScope(), roleScopes(entries))).toEqual([]);
    const assignment = evaluatedResource(entries, "Microsoft.Authorization/roleAssignments");
    expect(String((assignment.properties as { principalId: unknown }).principalId)).toMatch(
      /governor-home\)\.outputs\.principalId\.value>$/,
    );
  });

  it("fails when the operator role is assigned at a subscription instead of the management group", () => {
    const template = mutable();
    operatorAssignment(template).scope = "[format('/subscriptions/{0}', parameters('homeSubscriptionId'))]";
    expect(roleProblems(managementGroupScoped(template), requiredActionsByScope(), roleScopes())).toEqual([
      `the operator role is assigned at /subscriptions/${GOVERNED[0]}, not only at ${GROUP}`,
    ]);
  });

  it("fails when the operator role is assigned in each subscription's deployment rather than once on the management group", () => {
    const template = mutable();
    const assignment = operatorAssignment(template);
    template.resources = template.resources.filter((resource) => resource !== assignment);
    const roleName = String(evaluatedResource(managementGroupScoped(), "Microsoft.Authorization/roleDefinitions").name);
    perSubscription(template).resources.push({
      type: "Microsoft.Authorization/roleAssignments",
      apiVersion: "2022-04-01",
      name: `[guid(subscription().id, parameters('principalId'), '${roleName}')]`,
      properties: {
        roleDefinitionId: `[tenantResourceId('Microsoft.Authorization/roleDefinitions', '${roleName}')]`,
        principalId: "[parameters('principalId')]",
        principalType: "ServicePrincipal",
      },
    });
    expect(roleProblems(managementGroupScoped(template), requiredActionsByScope(), roleScopes())).toEqual(
      GOVERNED.map((id) => `the operator role is assigned at /subscriptions/${id}, not only at ${GROUP}`),
    );
  });

  it("fails when the drill role is assignable at one subscription only, or a governed subscription's drill group lacks it", () => {
    const template = mutable();
    const drill = rootResource(template, (resource) => resource.name === "[variables('drillRoleName')]");
    (drill.properties as { assignableScopes: string[] }).assignableScopes = [
      "[format('/subscriptions/{0}', parameters('homeSubscriptionId'))]",
    ];
    expect(roleProblems(managementGroupScoped(template), requiredActionsByScope(), roleScopes())).toEqual([
      `the drill role's assignable scopes: /subscriptions/${GOVERNED[0]} is in the template's role but not in where it must be assigned`,
      `the drill role's assignable scopes: ${GROUP} is in where it must be assigned but not in the template's role`,
    ]);
    // One more governed subscription than the template deploys to: its drill group has no assignment.
    const extra = "9d2c4b7a-1e3f-4a5b-8c6d-7e8f9a0b1c2d";
    const wider = managementGroupRoleScopes(managementGroupScoped(), [...GOVERNED, extra]);
    expect(roleProblems(managementGroupScoped(), requiredActionsByScope(), wider)).toEqual([
      `the drill role is not assigned at /subscriptions/${extra}/resourceGroups/rg-governor-drills`,
    ]);
  });

  it("npm run infra:roles keeps both templates' roles in step: the management group's are the subscription template's", () => {
    const text = readFileSync(TEMPLATE_FILE, "utf8");
    const drifted = withRoleActions(text, { subscription: ["*/read"], "drill-resource-group": ["Microsoft.Compute/disks/delete"] });
    const entries = managementGroupScoped(JSON.parse(managementGroupText(drifted)) as ArmTemplate);
    expect(roleProblems(entries, requiredActionsByScope(), roleScopes(entries)).length).toBeGreaterThan(2);
    expect(managementGroupText(withRoleActions(drifted, requiredActionsByScope()))).toBe(
      readFileSync(MANAGEMENT_GROUP_TEMPLATE_FILE, "utf8"),
    );
  });
});

describe("every governed subscription", () => {
  const entries = managementGroupScoped();

  it("has its own system topic with one event subscription to the app's one resourceEvents function, filtered, retried and dead-lettered as the subscription template's", () => {
    expect(wiring(entries)).toEqual([]);
    const topics = resourcesOfType(entries, "Microsoft.EventGrid/systemTopics");
    expect(topics.map(({ entry }) => entry.context.scope.subscriptionId)).toEqual([...GOVERNED]);
  });

  it("fails when a governed subscription is left without its event subscription", () => {
    // Every event subscription made in the home subscription: the others' topics deliver nowhere.
    const template = mutable();
    deploymentIn(perSubscription(template), "governor-event-subscription").subscriptionId = "[parameters('appSubscriptionId')]";
    expect(wiring(managementGroupScoped(template))).toEqual([
      expect.stringMatching(
        new RegExp(`^the event subscription /subscriptions/${GOVERNED[0]}/.*evgt-governor-.* is on a topic the template does not deploy$`),
      ),
      expect.stringMatching(
        new RegExp(`^the event subscription /subscriptions/${GOVERNED[0]}/.*evgt-governor-.* is on a topic the template does not deploy$`),
      ),
      `subscription ${GOVERNED[1]} has 0 event subscriptions on its system topic, expected 1`,
      `subscription ${GOVERNED[2]} has 0 event subscriptions on its system topic, expected 1`,
    ]);
    // None at all.
    const without = mutable();
    const inner = perSubscription(without);
    inner.resources = inner.resources.filter((resource) => resource.name !== "governor-event-subscription");
    expect(wiring(managementGroupScoped(without))).toEqual(
      GOVERNED.map((id) => `subscription ${id} has 0 event subscriptions on its system topic, expected 1`),
    );
  });

  it("fails when an event subscription goes to another function, retries differently, or its topic's identity cannot write the dead letters", () => {
    const template = mutable();
    const delivery = templateOf(deploymentIn(perSubscription(template), "governor-event-subscription")).resources[0]!;
    const properties = delivery.properties as {
      destination: { properties: Record<string, unknown> };
      retryPolicy: Record<string, unknown>;
    };
    properties.retryPolicy.maxDeliveryAttempts = 3;
    const inner = perSubscription(template);
    inner.resources = inner.resources.filter((resource) => !String(resource.name).includes("governor-dead-letter"));
    const eventDelivery = deploymentIn(inner, "governor-event-subscription");
    eventDelivery.dependsOn = eventDelivery.dependsOn?.filter((dependency) => !dependency.includes("governor-dead-letter"));
    properties.destination.properties.resourceId = "[format('{0}/functions/budgetAlerts', parameters('resourceEventsFunctionId'))]";
    const problems = wiring(managementGroupScoped(template));
    for (const id of GOVERNED) {
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(`^subscription ${id}: events go to .*/budgetAlerts, not to the app's .*/functions/resourceEvents$`),
        ),
      );
      expect(problems).toContain(`subscription ${id}: the event subscription.retryPolicy.maxDeliveryAttempts: "3", expected "30"`);
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(`^subscription ${id}: its topic's identity has 0 role assignments on .*/containers/eventgrid-deadletter, expected 1$`),
        ),
      );
    }
  });

  it("has one budget, every notification of which goes to the app's one action group", () => {
    expect(budgetProblems(entries, GOVERNED)).toEqual([]);
    const budgets = resourcesOfType(entries, "Microsoft.Consumption/budgets");
    expect(budgets.map(({ entry }) => entry.context.scope.subscriptionId)).toEqual([...GOVERNED]);
  });

  it("gives a subscription named in budgetAmounts its own amount, and every other one budgetAmount", () => {
    const amounts = (parameters: Record<string, unknown>) =>
      resourcesOfType(managementGroupScoped(readManagementGroupTemplate(), parameters), "Microsoft.Consumption/budgets").map(
        ({ entry, resource }) => [
          entry.context.scope.subscriptionId,
          (evaluateValue(resource, entry.context) as { properties: { amount: unknown } }).properties.amount,
        ],
      );
    const [home, second, third] = GOVERNED;
    expect(amounts({})).toEqual([
      [home, 5000],
      [second, 5000],
      [third, 5000],
    ]);
    // Named in upper case: ARM compares an object's property names case-insensitively.
    expect(amounts({ budgetAmounts: { [String(second).toUpperCase()]: 12000 } })).toEqual([
      [home, 5000],
      [second, 12000],
      [third, 5000],
    ]);
  });

  it("fails when a budget notifies another action group, or a governed subscription has none", () => {
    const template = mutable();
    const inner = perSubscription(template);
    const budget = rootResource(inner, (resource) => resource.type === "Microsoft.Consumption/budgets");
    const notifications = (budget.properties as { notifications: Record<string, { contactGroups: string[] }> }).notifications;
    notifications.Actual_GreaterThan_80_Percent!.contactGroups = [
      "[resourceId('rg-elsewhere', 'Microsoft.Insights/actionGroups', 'ag-other')]",
    ];
    expect(budgetProblems(managementGroupScoped(template), GOVERNED)).toEqual(
      GOVERNED.map((id): unknown =>
        expect.stringMatching(
          new RegExp(
            `^the budget /subscriptions/${id}/.*Actual_GreaterThan_80_Percent goes to /subscriptions/${id}/resourceGroups/rg-elsewhere/.*ag-other, not to the action group`,
          ),
        ),
      ),
    );
    inner.resources = inner.resources.filter((resource) => resource !== budget);
    expect(budgetProblems(managementGroupScoped(template), GOVERNED)).toEqual(
      GOVERNED.map((id) => `subscription ${id} has 0 budgets, expected 1`),
    );
  });

  it("is named to the app in GOVERNOR_SUBSCRIPTION_IDS, comma-separated, with the management group in GOVERNOR_MANAGEMENT_GROUP", () => {
    expect(managementGroupSettingsProblems(entries, GOVERNED, TEST_MANAGEMENT_GROUP)).toEqual([]);
    const template = mutable();
    const app = templateOf(deploymentIn(templateOf(deploymentIn(template, "governor-home")), "governor-app"));
    const settings = rootResource(
      app,
      (resource) => resource.type === "Microsoft.Web/sites/config" && String(resource.name).includes("appsettings"),
    );
    (settings.properties as Record<string, string>).GOVERNOR_SUBSCRIPTION_IDS = "[subscription().subscriptionId]";
    (settings.properties as Record<string, string>).GOVERNOR_MANAGEMENT_GROUP = "";
    expect(managementGroupSettingsProblems(managementGroupScoped(template), GOVERNED, TEST_MANAGEMENT_GROUP)).toEqual([
      `GOVERNOR_SUBSCRIPTION_IDS: "${GOVERNED[0]}", expected "${GOVERNED.join(",")}"`,
      `GOVERNOR_MANAGEMENT_GROUP: "", expected "${TEST_MANAGEMENT_GROUP}"`,
    ]);
  });
});
