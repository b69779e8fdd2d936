/**
 * `npm run infra:mg`: writes infra/managementGroup.json, Governor's template at management-group
 * scope, from infra/azuredeploy.json, the subscription template, which stays the one source of
 * what Governor deploys. The parts are taken from it, not written again:
 *
 * - the custom roles, made assignable at the management group, and the operator role assigned
 *   to the app's identity there;
 * - `governor-home`, a deployment to the home subscription: the resource group and the app's own
 *   nested deployment (`governor-app`) as the subscription template has it, less its Event Grid
 *   resources, with GOVERNOR_SUBSCRIPTION_IDS and GOVERNOR_MANAGEMENT_GROUP set;
 * - one deployment per governed subscription (a copy loop): its resource group and drill
 *   resource group with the drill role assigned there, its Event Grid system topic and event
 *   subscription to the app's one resourceEvents function (dead-lettering to the app's storage),
 *   its budget to the app's one action group, and the Azure Policy baseline.
 *
 * Every rewrite names the text it replaces and fails when that text is not in the subscription
 * template, so a change there that this does not understand stops the build instead of slipping
 * through. The template tests fail, naming this command, when the committed file is not what
 * this writes.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

type Json = Record<string, unknown>;
interface Resource extends Json {
  type: string;
  name: string;
  dependsOn?: string[];
  properties?: Json;
}
interface Template extends Json {
  parameters: Record<string, Json>;
  variables: Record<string, unknown>;
  resources: Resource[];
  outputs: Record<string, Json>;
}

const SOURCE = fileURLToPath(new URL("../infra/azuredeploy.json", import.meta.url));
const TARGET = fileURLToPath(new URL("../infra/managementGroup.json", import.meta.url));

const MANAGEMENT_GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#";
const SUBSCRIPTION_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
const GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const DEPLOYMENTS_API = "2024-03-01";

const copy = <T>(value: T): T => structuredClone(value);

/** The one resource of the list that matches; throws naming what was looked for otherwise. */
function only(resources: readonly Resource[], what: string, test: (resource: Resource) => boolean): Resource {
  const found = resources.filter(test);
  if (found.length !== 1) throw new Error(`infra/azuredeploy.json: expected one ${what}, found ${found.length}`);
  return copy(found[0] as Resource);
}

const ofType = (type: string, name?: string) => (resource: Resource) =>
  resource.type === type && (name === undefined || resource.name === name);

/**
 * The value with each `from` replaced by its `to` in every string (keys included); throws when a
 * `from` occurs nowhere, so the rewrite cannot silently stop applying.
 */
function rewrite<T>(what: string, value: T, replacements: ReadonlyArray<readonly [string, string]>): T {
  const seen = new Set<string>();
  const visit = (item: unknown): unknown => {
    if (typeof item === "string") {
      let result = item;
      for (const [from, to] of replacements)
        if (result.includes(from)) {
          seen.add(from);
          result = result.split(from).join(to);
        }
      return result;
    }
    if (Array.isArray(item)) return item.map(visit);
    if (typeof item === "object" && item !== null)
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [visit(key) as string, visit(inner)]));
    return item;
  };
  const result = visit(value) as T;
  for (const [from] of replacements) if (!seen.has(from)) throw new Error(`infra/azuredeploy.json: ${what} no longer holds ${from}`);
  return result;
}

/** A nested deployment whose template has its own parameters and variables. */
function nested(name: string, target: Json, parameters: Record<string, unknown>, template: Json, dependsOn: string[] = []): Resource {
  return {
    type: "Microsoft.Resources/deployments",
    apiVersion: DEPLOYMENTS_API,
    name,
    ...target,
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    properties: {
      mode: "Incremental",
      expressionEvaluationOptions: { scope: "inner" },
      parameters: Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, { value }])),
      template: { contentVersion: "1.0.0.0", ...template },
    },
  };
}

const string = { type: "string" };
const parameter = (name: string) => `[parameters('${name}')]`;
const passThrough = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, parameter(name)]));

/** The management-group template built from the subscription template's parts. */
export function managementGroupTemplate(subscription: Template): Template {
  const resources = subscription.resources;
  const app = only(resources, "governor-app deployment", ofType("Microsoft.Resources/deployments", "governor-app"));
  const appProperties = app.properties as { parameters: Record<string, { value: string }>; template: Template };
  const appTemplate = appProperties.template;
  const appVariable = (name: string): string => {
    const value = appTemplate.variables[name];
    if (typeof value !== "string") throw new Error(`infra/azuredeploy.json: governor-app has no variable ${name}`);
    return value;
  };

  // What is reached from each subscription: named from the home subscription's values.
  const home = "parameters('homeSubscriptionId')";
  const appReference = `reference(resourceId(parameters('resourceGroupName'), 'Microsoft.Resources/deployments', 'governor-app'), '${DEPLOYMENTS_API}')`;
  const homeReference = `reference(subscriptionResourceId(${home}, 'Microsoft.Resources/deployments', 'governor-home'), '${DEPLOYMENTS_API}')`;
  const suffix = rewrite("the suffix variable", String(subscription.variables.suffix), [
    ["subscription().id", `format('/subscriptions/{0}', ${home})`],
  ]);

  // --- the roles, at the management group
  const operatorRole = rewrite(
    "the operator role",
    only(resources, "operator role", (resource) => resource.name === "[variables('operatorRoleName')]"),
    [
      ["[format('Governor operator ({0})', subscription().subscriptionId)]", "[format('Governor operator ({0})', managementGroup().name)]"],
      ["[subscription().id]", "[managementGroup().id]"],
      ["across the subscription", "across the governed subscriptions of the management group"],
    ],
  );
  const drillRole = rewrite(
    "the drill role",
    only(resources, "drill role", (resource) => resource.name === "[variables('drillRoleName')]"),
    [
      [
        "[format('Governor drill operator ({0})', subscription().subscriptionId)]",
        "[format('Governor drill operator ({0})', managementGroup().name)]",
      ],
      ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('drillResourceGroupName'))]", "[managementGroup().id]"],
      [
        "Assignable and assigned at the drill resource group only.",
        "Assignable at the management group, assigned at each governed subscription's drill resource group only.",
      ],
    ],
  );
  delete drillRole.dependsOn;
  const roleId = (variable: string) => `[tenantResourceId('Microsoft.Authorization/roleDefinitions', variables('${variable}'))]`;
  const roleResourceId = (variable: string) =>
    `[extensionResourceId(managementGroup().id, 'Microsoft.Authorization/roleDefinitions', variables('${variable}'))]`;

  // --- the app, in the home subscription, without the Event Grid resources (each subscription's own, below)
  const isEventGrid = (resource: Resource) =>
    resource.type.startsWith("Microsoft.EventGrid/") || resource.name.includes("variables('topicName')");
  const topic = only(appTemplate.resources, "system topic", ofType("Microsoft.EventGrid/systemTopics"));
  const eventSubscription = only(
    appTemplate.resources,
    "event subscription",
    ofType("Microsoft.EventGrid/systemTopics/eventSubscriptions"),
  );
  const deadLetterAccess = only(
    appTemplate.resources,
    "dead-letter role assignment",
    (resource) => resource.type === "Microsoft.Authorization/roleAssignments" && resource.name.includes("variables('topicName')"),
  );
  const { topicName: _topicName, eventFilter, ...appVariables } = appTemplate.variables;
  const homeApp = copy(app);
  const homeAppTemplate = (homeApp.properties as { template: Template }).template;
  homeAppTemplate.variables = appVariables;
  homeAppTemplate.resources = appTemplate.resources.filter((resource) => !isEventGrid(resource));
  homeAppTemplate.parameters = { ...homeAppTemplate.parameters, governedSubscriptionIds: string, managementGroupName: string };
  const settings = only(
    homeAppTemplate.resources,
    "appsettings",
    (resource) => resource.name === "[format('{0}/appsettings', parameters('appName'))]",
  );
  const settingsProperties = settings.properties as Record<string, unknown>;
  for (const [key, value] of [
    ["GOVERNOR_SUBSCRIPTION_IDS", parameter("governedSubscriptionIds")],
    ["GOVERNOR_MANAGEMENT_GROUP", parameter("managementGroupName")],
  ] as const) {
    if (settingsProperties[key] !== "") throw new Error(`infra/azuredeploy.json: ${key} is no longer empty in the app settings`);
    settingsProperties[key] = value;
  }
  homeAppTemplate.resources = homeAppTemplate.resources.map((resource) => (resource.name === settings.name ? settings : resource));
  const appParameterNames = Object.keys(appProperties.parameters);
  (homeApp.properties as Json).parameters = Object.fromEntries(
    [...appParameterNames, "governedSubscriptionIds", "managementGroupName"].map((name) => [name, { value: parameter(name) }]),
  );
  const rootParameter = (name: string): Json => {
    const declaration = subscription.parameters[name] ?? appTemplate.parameters[name];
    if (!declaration) throw new Error(`infra/azuredeploy.json: no parameter ${name}`);
    return { type: declaration.type };
  };
  const homeParameters = ["resourceGroupName", ...appParameterNames];
  const resourceGroup = only(
    resources,
    "app resource group",
    ofType("Microsoft.Resources/resourceGroups", "[parameters('resourceGroupName')]"),
  );
  const homeDeployment = nested(
    "governor-home",
    { subscriptionId: `[${home}]`, location: parameter("location") },
    {
      ...Object.fromEntries(
        homeParameters.map((name) => [name, name === "suffix" || name === "appName" ? `[variables('${name}')]` : parameter(name)]),
      ),
      governedSubscriptionIds: "[join(variables('governedSubscriptions'), ',')]",
      managementGroupName: "[managementGroup().name]",
    },
    {
      $schema: SUBSCRIPTION_SCHEMA,
      parameters: {
        ...Object.fromEntries(homeParameters.map((name) => [name, rootParameter(name)])),
        governedSubscriptionIds: string,
        managementGroupName: string,
      },
      resources: [resourceGroup, homeApp],
      outputs: Object.fromEntries(
        Object.entries(appTemplate.outputs).map(([name, output]) => [
          name,
          { type: output.type, value: `[${appReference}.outputs.${name}.value]` },
        ]),
      ),
    },
  );

  const operatorAssignment = rewrite(
    "the operator role's assignment",
    only(
      resources,
      "operator role assignment",
      (resource) => resource.type === "Microsoft.Authorization/roleAssignments" && resource.name.includes("variables('operatorRoleName')"),
    ),
    [
      [
        "[guid(subscription().id, variables('appName'), variables('operatorRoleName'))]",
        "[guid(managementGroup().id, variables('appName'), variables('operatorRoleName'))]",
      ],
      [`${appReference}.outputs.`, `${homeReference}.outputs.`],
    ],
  );
  operatorAssignment.dependsOn = [roleResourceId("operatorRoleName"), "governor-home"];
  (operatorAssignment.properties as Json).roleDefinitionId = roleId("operatorRoleName");

  // --- each governed subscription
  const drillGroup = only(
    resources,
    "drill resource group",
    ofType("Microsoft.Resources/resourceGroups", "[parameters('drillResourceGroupName')]"),
  );
  const drillAccess = only(
    resources,
    "governor-drill-access deployment",
    ofType("Microsoft.Resources/deployments", "governor-drill-access"),
  );
  drillAccess.dependsOn = (drillAccess.dependsOn ?? []).filter((dependency) => dependency.includes("Microsoft.Resources/resourceGroups"));
  (drillAccess.properties as Json).parameters = {
    roleDefinitionId: { value: parameter("drillRoleDefinitionId") },
    principalId: { value: parameter("principalId") },
  };
  const budget = rewrite("the budget", only(resources, "budget", ofType("Microsoft.Consumption/budgets")), [
    [`[${appReference}.outputs.actionGroupId.value]`, parameter("actionGroupId")],
  ]);
  delete budget.dependsOn;
  const baseline = resources
    .filter((resource) => resource.type.startsWith("Microsoft.Authorization/policy") || resource.name.includes("'governor-baseline'"))
    .map(copy);
  if (baseline.length === 0) throw new Error("infra/azuredeploy.json: no Azure Policy baseline");

  const topicInner = rewrite("the system topic", topic, [["[variables('topicName')]", parameter("topicName")]]);
  const topicPrincipal = String((deadLetterAccess.properties as Json).principalId);
  const events = nested(
    "governor-events",
    { resourceGroup: parameter("resourceGroupName") },
    { topicName: "[variables('topicName')]" },
    {
      $schema: GROUP_SCHEMA,
      parameters: { topicName: string },
      resources: [topicInner],
      outputs: {
        principalId: {
          type: "string",
          value: rewrite("the topic's identity", topicPrincipal, [["variables('topicName')", "parameters('topicName')"]]),
        },
      },
    },
    ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('resourceGroupName'))]"],
  );
  const eventsReference = `reference(resourceId(parameters('resourceGroupName'), 'Microsoft.Resources/deployments', 'governor-events'), '${DEPLOYMENTS_API}')`;
  const deadLetterInner = rewrite("the dead-letter role assignment", deadLetterAccess, [
    [topicPrincipal, parameter("principalId")],
    ["variables('topicName')", "parameters('topicName')"],
    ["variables('storageName')", "parameters('storageName')"],
    ["variables('deadLetterContainer')", "parameters('deadLetterContainer')"],
    ["variables('roles').storageBlobDataContributor", "variables('storageBlobDataContributor')"],
  ]);
  delete deadLetterInner.dependsOn;
  const roles = appTemplate.variables.roles as Record<string, string>;
  const deadLetterName = "[format('governor-dead-letter-{0}', subscription().subscriptionId)]";
  const deadLetter = nested(
    deadLetterName,
    { subscriptionId: parameter("appSubscriptionId"), resourceGroup: parameter("resourceGroupName") },
    {
      topicName: "[variables('topicName')]",
      principalId: `[${eventsReference}.outputs.principalId.value]`,
      storageName: parameter("storageName"),
      deadLetterContainer: parameter("deadLetterContainer"),
    },
    {
      $schema: GROUP_SCHEMA,
      parameters: { topicName: string, principalId: string, storageName: string, deadLetterContainer: string },
      variables: { storageBlobDataContributor: roles.storageBlobDataContributor },
      resources: [deadLetterInner],
    },
    [`[resourceId(parameters('resourceGroupName'), 'Microsoft.Resources/deployments', 'governor-events')]`],
  );
  const eventSubscriptionInner = rewrite("the event subscription", eventSubscription, [
    ["variables('topicName')", "parameters('topicName')"],
    [
      "[format('{0}/functions/resourceEvents', resourceId('Microsoft.Web/sites', parameters('appName')))]",
      parameter("resourceEventsFunctionId"),
    ],
    ["[resourceId('Microsoft.Storage/storageAccounts', variables('storageName'))]", parameter("deadLetterStorageId")],
    ["[variables('deadLetterContainer')]", parameter("deadLetterContainer")],
  ]);
  delete eventSubscriptionInner.dependsOn;
  const eventDelivery = nested(
    "governor-event-subscription",
    { resourceGroup: parameter("resourceGroupName") },
    {
      topicName: "[variables('topicName')]",
      ...passThrough(["resourceEventsFunctionId", "deadLetterStorageId", "deadLetterContainer"]),
    },
    {
      $schema: GROUP_SCHEMA,
      parameters: { topicName: string, resourceEventsFunctionId: string, deadLetterStorageId: string, deadLetterContainer: string },
      variables: { eventFilter },
      resources: [eventSubscriptionInner],
    },
    [
      `[resourceId(parameters('resourceGroupName'), 'Microsoft.Resources/deployments', 'governor-events')]`,
      `[resourceId(parameters('appSubscriptionId'), parameters('resourceGroupName'), 'Microsoft.Resources/deployments', format('governor-dead-letter-{0}', subscription().subscriptionId))]`,
    ],
  );
  const perSubscriptionParameters = [
    "location",
    "resourceGroupName",
    "drillResourceGroupName",
    "budgetAmount",
    "budgetStartDate",
    "policyEnforcementMode",
  ];
  const governed = "variables('governedSubscriptions')[copyIndex()]";
  const homeApp_ = (type: string, name: string) => `resourceId(${home}, parameters('resourceGroupName'), '${type}', ${name})`;
  const storageName = rewrite("the storage name", appVariable("storageName"), [["parameters('suffix')", "variables('suffix')"]]);
  const perSubscription: Resource = {
    ...nested(
      `[format('governor-{0}', ${governed})]`,
      { subscriptionId: `[${governed}]`, location: parameter("location") },
      {
        ...passThrough(perSubscriptionParameters),
        // A subscription's own amount when budgetAmounts names it, budgetAmount otherwise.
        budgetAmount: `[if(contains(parameters('budgetAmounts'), ${governed}), parameters('budgetAmounts')[${governed}], parameters('budgetAmount'))]`,
        principalId: `[${homeReference}.outputs.principalId.value]`,
        actionGroupId: `[${homeApp_("Microsoft.Insights/actionGroups", `'${appVariable("actionGroupName")}'`)}]`,
        drillRoleDefinitionId: roleId("drillRoleName"),
        appSubscriptionId: `[${home}]`,
        storageName: "[variables('storageName')]",
        deadLetterContainer: appVariable("deadLetterContainer"),
        deadLetterStorageId: `[${homeApp_("Microsoft.Storage/storageAccounts", "variables('storageName')")}]`,
        resourceEventsFunctionId: `[format('{0}/functions/resourceEvents', ${homeApp_("Microsoft.Web/sites", "variables('appName')")})]`,
      },
      {
        $schema: SUBSCRIPTION_SCHEMA,
        parameters: {
          ...Object.fromEntries(perSubscriptionParameters.map((name) => [name, rootParameter(name)])),
          principalId: string,
          actionGroupId: string,
          drillRoleDefinitionId: string,
          appSubscriptionId: string,
          storageName: string,
          deadLetterContainer: string,
          deadLetterStorageId: string,
          resourceEventsFunctionId: string,
        },
        variables: {
          topicName: rewrite("the topic name", appVariable("topicName"), [
            ["parameters('suffix')", String(subscription.variables.suffix).slice(1, -1)],
          ]),
          budgetName: subscription.variables.budgetName,
        },
        resources: [resourceGroup, drillGroup, drillAccess, events, deadLetter, eventDelivery, budget, ...baseline],
      },
      [roleResourceId("drillRoleName"), "governor-home"],
    ),
    copy: { name: "governor-subscriptions", count: "[length(variables('governedSubscriptions'))]" },
  };

  // --- the root
  const parameters = {
    governedSubscriptionIds: {
      type: "array",
      minLength: 1,
      metadata: {
        description:
          "Ids of the subscriptions under this management group that Governor governs (GOVERNOR_SUBSCRIPTION_IDS); the home subscription is governed whether listed or not. Each gets its Event Grid system topic wired to the app, its budget, its drill resource group and the Azure Policy baseline. Add one and redeploy to govern it.",
      },
    },
    homeSubscriptionId: {
      type: "string",
      minLength: 36,
      maxLength: 36,
      metadata: {
        description:
          "The subscription the app is deployed in (its resource group, Function App, storage, Key Vault, action group). Governed too, listed in governedSubscriptionIds or not.",
      },
    },
    budgetAmounts: {
      type: "object",
      defaultValue: {},
      metadata: {
        description:
          "Monthly budgets of particular governed subscriptions, by subscription id (as governedSubscriptionIds writes it), in their billing currency; the others get budgetAmount.",
      },
    },
    ...rewrite("the parameters", copy(subscription.parameters), [
      ["[subscription().tenantId]", "[tenant().tenantId]"],
      ["Monthly budget of the subscription", "Monthly budget of each governed subscription"],
      ["the subscription's tenant by default", "the management group's tenant by default"],
    ]),
  };
  const outputs = rewrite("the outputs", copy(subscription.outputs), [
    [`${appReference}.outputs.`, `${homeReference}.outputs.`],
    ["[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('operatorRoleName'))]", roleId("operatorRoleName")],
    ["[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('drillRoleName'))]", roleId("drillRoleName")],
  ]);
  return {
    $schema: MANAGEMENT_GROUP_SCHEMA,
    contentVersion: String(subscription.contentVersion),
    metadata: {
      description:
        "Governor for the subscriptions of a management group, written by npm run infra:mg from infra/azuredeploy.json (edit that, not this): the app in the home subscription as the subscription template deploys it, the Governor operator role assignable and assigned to the app's identity at the management group, and in each governed subscription its Event Grid system topic wired to the one resourceEvents function, its budget to the one action group, its drill resource group with the Governor drill operator role assigned there only, and the Azure Policy baseline.",
    },
    parameters,
    variables: {
      suffix,
      // The home subscription first, governed whether the list names it or not: Governor plans it
      // in any case, and without its own deployment it would have no events, budget or drill group.
      governedSubscriptions: "[union(createArray(parameters('homeSubscriptionId')), parameters('governedSubscriptionIds'))]",
      appName: subscription.variables.appName,
      storageName,
      operatorRoleName: "[guid(managementGroup().id, 'Governor operator')]",
      drillRoleName: "[guid(managementGroup().id, 'Governor drill operator')]",
    },
    resources: [operatorRole, drillRole, homeDeployment, operatorAssignment, perSubscription],
    outputs: {
      ...outputs,
      governedSubscriptionIds: { type: "array", value: "[variables('governedSubscriptions')]" },
      managementGroup: { type: "string", value: "[managementGroup().name]" },
    },
  };
}

/** The file's text as written: two-space JSON, as the subscription template is. */
export function managementGroupText(subscriptionText: string): string {
  return `${JSON.stringify(managementGroupTemplate(JSON.parse(subscriptionText) as Template), null, 2)}\n`;
}

async function main(): Promise<void> {
  const written = managementGroupText(await readFile(SOURCE, "utf8"));
  const before = await readFile(TARGET, "utf8").catch(() => "");
  await writeFile(TARGET, written);
  console.log(
    before === written
      ? "infra/managementGroup.json: already what infra/azuredeploy.json gives"
      : "infra/managementGroup.json: written from infra/azuredeploy.json",
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
