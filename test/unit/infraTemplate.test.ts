/**
 * The deployment template (infra/azuredeploy.json), checked where Azure cannot be reached: its
 * structure, what it deploys, and that it agrees with the code (Event Grid filter, role actions,
 * function names and routes). Each check is also run on a mutated copy, to prove it bites.
 */
import { describe, expect, it } from "vitest";
import { requiredActionsByScope } from "../../orchestrations/activities/permissions.ts";
import { entryFilesIn, loadEntries } from "../../local/entries.ts";
import { eventSubscriptionFilter } from "../../shared/triggers/resourceEvents.ts";
import { APPROVALS_TABLE } from "../../shared/approvals/store.ts";
import { DEFAULT_SEEN_EVENTS_TABLE } from "../../shared/triggers/seenEvents.ts";
import { DEFAULT_POLICY_BLOB, parsePolicyLocation } from "../../shared/policy/location.ts";
import { evaluateValue, Opaque } from "../support/arm/expressions.ts";
import {
  type ArmResource,
  type ArmTemplate,
  checkDependsOn,
  checkOutputs,
  checkParametersAndVariables,
  checkResourceBasics,
  checkSchemas,
  checkTemplate,
  evaluatedResource,
  resourcesOfType,
} from "../support/arm/template.ts";
import {
  eventFilterProblems,
  readTemplate,
  roleProblems,
  scoped,
  siteConfig,
  TEST_PARAMETERS,
  TEST_SCOPE,
  templateAppSettings,
} from "../support/governorTemplate.ts";
import { readFileSync } from "node:fs";
import { withRoleActions } from "../../build/roles.ts";
import { exportAzurePolicy } from "../../shared/azurePolicy/export.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";
import { baselineProblems, evaluatedBaseline } from "../support/policyTemplate.ts";
import { EVENT_GRID_WEBHOOK, FIC_ASSERTION_SETTING, hostRoutePrefix, httpSurface, signInProblems } from "../support/signInTemplate.ts";

// Every function of functions/, registered once for the whole file: a module imported once registers once.
const registrations = await loadEntries(entryFilesIn("functions"));

/** A deep copy of the template to break on purpose. */
const mutable = (): ArmTemplate => structuredClone(readTemplate());
const nested = (template: ArmTemplate, name: string): ArmTemplate =>
  (
    template.resources.find((resource) => resource.type === "Microsoft.Resources/deployments" && resource.name === name)?.properties as {
      template: ArmTemplate;
    }
  ).template;
const inner = (template: ArmTemplate): ArmTemplate => nested(template, "governor-app");
const drillAccess = (template: ArmTemplate): ArmTemplate => nested(template, "governor-drill-access");
const find = (template: ArmTemplate, type: string): ArmResource => {
  const resource = [...template.resources, ...inner(template).resources].find((candidate) => candidate.type === type);
  if (!resource) throw new Error(`no ${type}`);
  return resource;
};

describe("the deployment template's structure", () => {
  it("passes every structural check: schemas, resource basics, parameters and variables, dependsOn, outputs", () => {
    expect(checkTemplate(scoped())).toEqual([]);
  });

  it("is a subscription-level template whose nested deployments deploy into the resource groups it creates", () => {
    const entries = scoped();
    expect(entries.map((entry) => entry.path)).toEqual(["root", "root/governor-app", "root/governor-drill-access"]);
    expect(entries[1]?.context.scope.resourceGroup).toBe("rg-governor");
    expect(entries[2]?.context.scope.resourceGroup).toBe("rg-governor-drills");
    const groups = resourcesOfType(entries, "Microsoft.Resources/resourceGroups").map((_found, index) =>
      String(evaluatedResource(entries, "Microsoft.Resources/resourceGroups", index).name),
    );
    expect(groups).toEqual(["rg-governor", "rg-governor-drills"]);
    // The drill group is the one the app's setting names, for a name given at deployment too.
    const named = scoped(mutable(), { drillResourceGroupName: "rg-our-drills" });
    expect(templateAppSettings(named).GOVERNOR_DRILL_RESOURCE_GROUP).toBe("rg-our-drills");
    expect(named[2]?.context.scope.resourceGroup).toBe("rg-our-drills");
    expect(roleProblems(named, requiredActionsByScope())).toEqual([]);
  });

  it("the schema check fails on a wrong schema or contentVersion", () => {
    const template = mutable();
    inner(template).$schema = "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#";
    template.contentVersion = "1.0";
    expect(checkSchemas(scoped(template))).toEqual([
      expect.stringContaining("root: contentVersion is 1.0"),
      expect.stringContaining("root/governor-app: $schema is https://schema.management.azure.com/schemas/2015-01-01"),
    ]);
  });

  it("the resource check fails on a resource without apiVersion", () => {
    const template = mutable();
    delete (find(template, "Microsoft.KeyVault/vaults") as Partial<ArmResource>).apiVersion;
    expect(checkResourceBasics(scoped(template))).toEqual([expect.stringMatching(/Microsoft\.KeyVault\/vaults.*apiVersion is missing/)]);
  });

  it("the parameter and variable check fails on one declared and unused, and on one used and undeclared", () => {
    const template = mutable();
    template.parameters = { ...template.parameters, forgotten: { type: "string", defaultValue: "x" } };
    find(template, "Microsoft.KeyVault/vaults").location = "[variables('vaultLocation')]";
    expect(checkParametersAndVariables(scoped(template))).toEqual([
      "root: parameters forgotten is declared but never used",
      "root/governor-app: variables('vaultLocation') is used but not declared",
    ]);
  });

  it("the dependsOn check fails on a dependency the template does not deploy", () => {
    const template = mutable();
    find(template, "Microsoft.Web/sites").dependsOn?.push("[resourceId('Microsoft.Web/serverfarms', 'plan-elsewhere')]");
    expect(checkDependsOn(scoped(template))).toEqual([
      expect.stringMatching(/Microsoft\.Web\/sites .* depends on .*serverfarms\/plan-elsewhere, which this template does not deploy$/),
    ]);
  });

  it("the outputs check fails on a function key, or a name that says secret", () => {
    const template = mutable();
    inner(template).outputs = {
      ...inner(template).outputs,
      hostKeys: {
        type: "object",
        value: "[listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', parameters('appName'))), '2024-04-01')]",
      },
      storagePassword: { type: "string", value: "[variables('storageName')]" },
    };
    expect(checkOutputs(scoped(template))).toEqual([
      "root/governor-app: output hostKeys: shows the result of listKeys()",
      "root/governor-app: output storagePassword: its name says it holds a secret",
    ]);
  });
});

describe("what the template deploys", () => {
  const entries = scoped();

  it("a Flex Consumption Function App on Node 22 with the user-assigned identity, deploying from its storage by that identity", () => {
    const plan = evaluatedResource(entries, "Microsoft.Web/serverfarms");
    expect(plan.sku).toEqual({ tier: "FlexConsumption", name: "FC1" });
    const site = evaluatedResource(entries, "Microsoft.Web/sites");
    const identity = evaluatedResource(entries, "Microsoft.ManagedIdentity/userAssignedIdentities");
    expect(Object.keys((site.identity as { userAssignedIdentities: object }).userAssignedIdentities)).toEqual([
      expect.stringMatching(new RegExp(`/userAssignedIdentities/${identity.name}$`)),
    ]);
    const config = (site.properties as { functionAppConfig: Record<string, Record<string, unknown>> }).functionAppConfig;
    expect(config.runtime).toEqual({ name: "node", version: "22" });
    expect(config.deployment?.storage).toMatchObject({ type: "blobContainer", authentication: { type: "UserAssignedIdentity" } });
  });

  it("storage without shared keys, reached by identity: no setting holds a key", () => {
    const storage = evaluatedResource(entries, "Microsoft.Storage/storageAccounts");
    expect(storage.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });
    const settings = templateAppSettings(entries);
    expect(settings).toMatchObject({ AzureWebJobsStorage__credential: "managedidentity", AzureWebJobsStorage__accountName: storage.name });
    expect(settings.AzureWebJobsStorage).toBeUndefined();
    for (const [key, value] of Object.entries(settings)) expect(`${key}=${String(value)}`).not.toMatch(/AccountKey=|listKeys/i);
  });

  it("the tables the app's settings name (audit trail, task hub), the seen-events and approvals tables, and the package, dead-letter and policies containers", () => {
    const names = (type: string) =>
      resourcesOfType(entries, type).map((_found, index) => evaluatedResource(entries, type, index).name.split("/").at(-1));
    const settings = templateAppSettings(entries);
    const hub = String(settings.GOVERNOR_TASK_HUB);
    expect(names("Microsoft.Storage/storageAccounts/tableServices/tables").sort()).toEqual(
      [String(settings.GOVERNOR_AUDIT_TABLE), DEFAULT_SEEN_EVENTS_TABLE, APPROVALS_TABLE, `${hub}Instances`, `${hub}History`].sort(),
    );
    // The policies container is where `governor policies push` writes unless told otherwise.
    const policies = parsePolicyLocation(DEFAULT_POLICY_BLOB);
    expect(names("Microsoft.Storage/storageAccounts/blobServices/containers")).toEqual([
      "app-package",
      "eventgrid-deadletter",
      policies.kind === "blob" ? policies.container : "(not a blob)",
    ]);
  });

  it("one identity everywhere: the SDK credential, storage, telemetry and Governor's own-event filter name the app's identity", () => {
    const settings = templateAppSettings(entries);
    const identity = evaluatedResource(entries, "Microsoft.ManagedIdentity/userAssignedIdentities");
    const of = (property: string) => new RegExp(`^reference\\(.*/userAssignedIdentities/${identity.name}\\)\\.${property}$`);
    for (const key of ["AZURE_CLIENT_ID", "AzureWebJobsStorage__clientId", "GOVERNOR_IDENTITY_CLIENT_ID"]) {
      expect(settings[key], key).toBeInstanceOf(Opaque);
      expect((settings[key] as Opaque).text, key).toMatch(of("clientId"));
    }
    // Without its own object id, Governor would take its own tag writes for someone else's and check them again.
    expect((settings.GOVERNOR_IDENTITY_OBJECT_ID as Opaque).text).toMatch(of("principalId"));
    expect(String(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING)).toMatch(
      /^ClientId=<reference\(.*userAssignedIdentities.*\)\.clientId>;Authorization=AAD$/,
    );
  });

  it("Application Insights on a Log Analytics workspace, local auth off; Key Vault with RBAC", () => {
    const insights = evaluatedResource(entries, "Microsoft.Insights/components").properties as Record<string, unknown>;
    expect(insights.DisableLocalAuth).toBe(true);
    expect(insights.WorkspaceResourceId).toMatch(/Microsoft\.OperationalInsights\/workspaces\//);
    expect(evaluatedResource(entries, "Microsoft.KeyVault/vaults").properties).toMatchObject({ enableRbacAuthorization: true });
  });

  it("the subscription's system topic, with retries and dead-lettering to the storage container by the topic's identity", () => {
    expect(evaluatedResource(entries, "Microsoft.EventGrid/systemTopics").properties).toEqual({
      source: `/subscriptions/${entries[0]?.context.scope.subscriptionId}`,
      topicType: "Microsoft.Resources.Subscriptions",
    });
    const subscription = evaluatedResource(entries, "Microsoft.EventGrid/systemTopics/eventSubscriptions").properties as Record<
      string,
      never
    >;
    expect(subscription.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    expect(subscription.deadLetterWithResourceIdentity).toMatchObject({
      identity: { type: "SystemAssigned" },
      deadLetterDestination: { endpointType: "StorageBlob", properties: { blobContainerName: "eventgrid-deadletter" } },
    });
  });

  it("a budget with actual and forecasted thresholds, notifying the action group the template creates", () => {
    const budget = evaluatedResource(entries, "Microsoft.Consumption/budgets");
    const properties = budget.properties as {
      amount: number;
      notifications: Record<string, { thresholdType: string; contactGroups: unknown[] }>;
    };
    expect(properties.amount).toBe(5000);
    const notifications = Object.values(properties.notifications);
    expect(new Set(notifications.map((notification) => notification.thresholdType))).toEqual(new Set(["Actual", "Forecasted"]));
    for (const notification of notifications) {
      expect(notification.contactGroups).toHaveLength(1);
      expect(notification.contactGroups[0]).toBeInstanceOf(Opaque);
      expect(String(notification.contactGroups[0])).toMatch(/governor-app.*outputs\.actionGroupId\.value/);
    }
    const outputs = entries[1]?.template.outputs ?? {};
    expect(outputs.actionGroupId?.value).toBe("[resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))]");
  });

  it("the operator role assigned to the app's identity at the subscription, the drill role at the drill resource group, nothing broader", () => {
    // The Governor baseline's own identity (the policy assignment's) has its roles checked with the baseline below.
    const assignments = resourcesOfType(entries, "Microsoft.Authorization/roleAssignments").filter(
      (found) => !String((evaluateAssignment(found).properties as { principalId: unknown }).principalId).includes("policyAssignments"),
    );
    const atSubscription = assignments.filter(({ entry }) => entry.path === "root");
    expect(atSubscription).toHaveLength(1);
    const roleDefinitionId = (evaluateAssignment(atSubscription[0]).properties as { roleDefinitionId: string }).roleDefinitionId;
    expect(roleDefinitionId).toMatch(/\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/);
    expect(roleDefinitionId.split("/").at(-1)).toBe(String(evaluatedResource(entries, "Microsoft.Authorization/roleDefinitions").name));
    const inDrillGroup = assignments.filter(({ entry }) => entry.path === "root/governor-drill-access");
    expect(inDrillGroup).toHaveLength(1);
    const drillAssignment = evaluateAssignment(inDrillGroup[0]).properties as { roleDefinitionId: string; principalId: Opaque };
    expect(drillAssignment.roleDefinitionId.split("/").at(-1)).toBe(
      String(evaluatedResource(entries, "Microsoft.Authorization/roleDefinitions", 1).name),
    );
    // The same identity as the operator role's: the app's, from its deployment's output.
    expect(String(drillAssignment.principalId)).toMatch(/governor-app.*outputs\.principalId\.value/);
    // Built-in roles in the resource group: data-plane storage, telemetry, secrets; never Owner or Contributor.
    const OWNER_OR_CONTRIBUTOR = ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c"];
    for (const found of assignments) {
      const id = (evaluateAssignment(found).properties as { roleDefinitionId: string }).roleDefinitionId;
      expect(OWNER_OR_CONTRIBUTOR).not.toContain(id.split("/").at(-1));
    }
  });
});

function evaluateAssignment(found: { entry: ReturnType<typeof scoped>[number]; resource: ArmResource } | undefined): ArmResource {
  if (!found) throw new Error("no role assignment");
  const index = found.entry.template.resources.filter((resource) => resource.type === found.resource.type).indexOf(found.resource);
  return evaluatedResource([found.entry], found.resource.type, index);
}

describe("the template agrees with the code", () => {
  const entries = scoped();

  it("the Event Grid filter lists exactly the operations the resourceEvents function maps", () => {
    expect(eventFilterProblems(entries, eventSubscriptionFilter())).toEqual([]);
  });

  it("the filter check fails when the mapping handles an operation the template does not let through", () => {
    const expected = eventSubscriptionFilter();
    const mapping = {
      ...expected,
      advancedFilters: [{ ...expected.advancedFilters[0]!, values: [...expected.advancedFilters[0]!.values, "/stop/action"] }],
    };
    expect(eventFilterProblems(entries, mapping)).toEqual([
      "advanced filter StringEndsWith data.operationName: /stop/action is in the resourceEvents mapping but not in the template",
    ]);
  });

  it("the filter check fails when the template lets through an event type the mapping drops", () => {
    const template = mutable();
    const subscription = find(template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
    (inner(template).variables as { eventFilter: { includedEventTypes: string[] } }).eventFilter.includedEventTypes.push(
      "Microsoft.Resources.ResourceDeleteSuccess",
    );
    expect(subscription.properties?.filter).toBe("[variables('eventFilter')]");
    expect(eventFilterProblems(scoped(template), eventSubscriptionFilter())).toEqual([
      "included event types: Microsoft.Resources.ResourceDeleteSuccess is in the template but not in the resourceEvents mapping",
    ]);
  });

  it("each custom role holds exactly the actions the activities' manifest needs at its scope, and is assigned there only", () => {
    expect(roleProblems(entries, requiredActionsByScope())).toEqual([]);
    const required = requiredActionsByScope();
    expect(required["drill-resource-group"]).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/delete",
      "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write",
      "Microsoft.DBforPostgreSQL/flexibleServers/write",
    ]);
    // Subscription-wide, PostgreSQL servers are only stopped and started (off-hours schedules), never written or deleted.
    expect(required.subscription.filter((action) => action.startsWith("Microsoft.DBforPostgreSQL/"))).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/start/action",
      "Microsoft.DBforPostgreSQL/flexibleServers/stop/action",
    ]);
  });

  const actionsOf = (role: ArmResource): { actions: string[] } =>
    (role.properties as { permissions: Array<{ actions: string[] }> }).permissions[0]!;
  const roles = (template: ArmTemplate): ArmResource[] =>
    template.resources.filter((resource) => resource.type === "Microsoft.Authorization/roleDefinitions");

  it("the role check fails on an action the manifest does not need, and on one it needs that the role lacks", () => {
    const template = mutable();
    const block = actionsOf(roles(template)[0]!);
    block.actions = [
      ...block.actions.filter((action) => action !== "Microsoft.Compute/snapshots/delete"),
      "Microsoft.Compute/virtualMachines/delete",
    ];
    expect(roleProblems(scoped(template), requiredActionsByScope())).toEqual([
      "the operator role's actions: Microsoft.Compute/virtualMachines/delete is in the template's role but not in the activities' manifest (scope subscription)",
      "the operator role's actions: Microsoft.Compute/snapshots/delete is in the activities' manifest (scope subscription) but not in the template's role",
    ]);
  });

  it("the role check fails when a drill action moves back to the subscription-wide role", () => {
    const template = mutable();
    const [operator, drill] = roles(template).map(actionsOf);
    const moved = "Microsoft.DBforPostgreSQL/flexibleServers/delete";
    operator!.actions.push(moved);
    drill!.actions = drill!.actions.filter((action) => action !== moved);
    expect(roleProblems(scoped(template), requiredActionsByScope())).toEqual([
      `the operator role's actions: ${moved} is in the template's role but not in the activities' manifest (scope subscription)`,
      `the drill role's actions: ${moved} is in the activities' manifest (scope drill-resource-group) but not in the template's role`,
    ]);
  });

  it("npm run infra:roles writes the manifest's actions into roles that drifted, and changes nothing else in the file", () => {
    const text = readFileSync(new URL("../../infra/azuredeploy.json", import.meta.url), "utf8");
    expect(withRoleActions(text, requiredActionsByScope())).toBe(text);
    const drifted = withRoleActions(text, { subscription: ["*/read"], "drill-resource-group": ["Microsoft.Compute/disks/delete"] });
    expect(roleProblems(scoped(JSON.parse(drifted) as ArmTemplate), requiredActionsByScope()).length).toBeGreaterThan(2);
    const written = withRoleActions(drifted, requiredActionsByScope());
    expect(written).toBe(text);
  });

  it("the role check fails when the drill role is assigned at the subscription, or deployed to another group", () => {
    const template = mutable();
    const operatorAssignment = template.resources.find((resource) => resource.type === "Microsoft.Authorization/roleAssignments")!;
    const atSubscription = structuredClone(operatorAssignment);
    atSubscription.name = "[guid(subscription().id, variables('appName'), variables('drillRoleName'))]";
    (atSubscription.properties as { roleDefinitionId: string }).roleDefinitionId =
      "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('drillRoleName'))]";
    template.resources.push(atSubscription);
    const subscriptionId = `/subscriptions/${entries[0]?.context.scope.subscriptionId}`;
    expect(roleProblems(scoped(template), requiredActionsByScope())).toEqual([
      `the drill role is assigned at ${subscriptionId}, not only at ${subscriptionId}/resourceGroups/rg-governor-drills`,
    ]);

    const elsewhere = mutable();
    elsewhere.resources.find((resource) => resource.name === "governor-drill-access")!.resourceGroup = "[parameters('resourceGroupName')]";
    expect(roleProblems(scoped(elsewhere), requiredActionsByScope())).toEqual([
      `the drill role is assigned at ${subscriptionId}/resourceGroups/rg-governor, not only at ${subscriptionId}/resourceGroups/rg-governor-drills`,
    ]);
  });

  it("the role check fails when the drill role is assignable beyond the drill resource group, or not assigned at all", () => {
    const template = mutable();
    (roles(template)[1]!.properties as { assignableScopes: string[] }).assignableScopes = ["[subscription().id]"];
    drillAccess(template).resources = [];
    const subscriptionId = `/subscriptions/${entries[0]?.context.scope.subscriptionId}`;
    expect(roleProblems(scoped(template), requiredActionsByScope())).toEqual([
      `the drill role's assignable scopes: ${subscriptionId} is in the template's role but not in where it must be assigned`,
      `the drill role's assignable scopes: ${subscriptionId}/resourceGroups/rg-governor-drills is in where it must be assigned but not in the template's role`,
      "the drill role is not assigned",
    ]);
  });

  it("Event Grid delivers to the registered resourceEvents function, and the action group posts to the budgetAlerts route", () => {
    const byName = new Map(registrations.map((registration) => [registration.name, registration]));
    const destination = (
      evaluatedResource(entries, "Microsoft.EventGrid/systemTopics/eventSubscriptions").properties as {
        destination: { endpointType: string; properties: { resourceId: string } };
      }
    ).destination;
    expect(destination.endpointType).toBe("AzureFunction");
    const functionName = destination.properties.resourceId.split("/functions/")[1] as string;
    expect(byName.get(functionName)?.triggerType).toBe("eventGridTrigger");

    const receivers = (
      evaluatedResource(entries, "Microsoft.Insights/actionGroups").properties as {
        webhookReceivers: Array<{ serviceUri: string; useCommonAlertSchema: boolean }>;
      }
    ).webhookReceivers;
    expect(receivers).toHaveLength(1);
    const route = /\/api\/([^?]+)\?code=/.exec(receivers[0]!.serviceUri)?.[1];
    const budgetAlerts = byName.get("budgetAlerts");
    expect(route).toBe((budgetAlerts?.options.trigger as { route?: string }).route);
    expect(receivers[0]!.useCommonAlertSchema).toBe(true);
  });
});

/*
 * Approvers sign in through App Service authentication (Microsoft Entra ID), which puts who they
 * are in x-ms-client-principal. The sign-in's client credential is the app's user-assigned
 * identity, through a federated identity credential on the app registration
 * (clientSecretSettingName OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID), not a client secret:
 * Microsoft's "Configure your App Service or Azure Functions app to use Microsoft Entra sign-in"
 * documents it for Function apps (in preview, workforce tenants), and it leaves no secret to
 * expire, store or rotate. The identity is assigned to this Function App only, as that page asks,
 * and the registration holds no permissions an identity could borrow. The check still accepts
 * the documented alternative, a secret held as a Key Vault reference, and refuses one in plain text.
 * Flex Consumption's preview documentation listed built-in authentication as not yet supported
 * (unauthenticated callers not blocked), so the README has the deployer check it with two requests.
 */
describe("sign-in in front of the approval page", () => {
  const entries = scoped();
  const surface = httpSurface(registrations, hostRoutePrefix());
  const authSettings = (template: ArmTemplate): ArmResource => {
    const found = inner(template).resources.find(
      (resource) => resource.type === "Microsoft.Web/sites/config" && resource.name.includes("authsettingsV2"),
    );
    if (!found) throw new Error("no authsettingsV2");
    return found;
  };
  const validation = (template: ArmTemplate) =>
    (authSettings(template).properties as { globalValidation: Record<string, unknown> & { excludedPaths: string[] } }).globalValidation;
  const entra = (template: ArmTemplate) =>
    (
      authSettings(template).properties as {
        identityProviders: { azureActiveDirectory: { registration: Record<string, string>; validation: { allowedAudiences: string[] } } };
      }
    ).identityProviders.azureActiveDirectory;
  const appSettings = (template: ArmTemplate): Record<string, string> =>
    inner(template).resources.find((resource) => resource.type === "Microsoft.Web/sites/config" && resource.name.includes("appsettings"))!
      .properties as Record<string, string>;

  it("the code's HTTP surface: the approval page and the report are a person's routes, budget alerts, instance status and Event Grid hold keys", () => {
    expect(surface).toEqual({
      keyAuthenticated: ["/api/budget-alerts", "/api/instances/*", EVENT_GRID_WEBHOOK],
      personRoutes: ["/api/approvals/{instanceId}", "/api/report", "/api/report/{page}"],
      problems: [],
    });
  });

  it("App Service authentication with Entra ID: the authClientId registration, the tenant's v2.0 issuer, browsers sent to sign in, exactly the key-authenticated paths excluded", () => {
    expect(signInProblems(entries, surface)).toEqual([]);
    const config = siteConfig(entries, "authsettingsV2");
    expect(config?.properties).toMatchObject({
      platform: { enabled: true },
      globalValidation: {
        requireAuthentication: true,
        unauthenticatedClientAction: "RedirectToLoginPage",
        excludedPaths: surface.keyAuthenticated,
      },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: {
            clientId: TEST_PARAMETERS.authClientId,
            clientSecretSettingName: FIC_ASSERTION_SETTING,
            openIdIssuer: `https://login.microsoftonline.com/${TEST_SCOPE.tenantId}/v2.0`,
          },
          validation: { allowedAudiences: [`api://${TEST_PARAMETERS.authClientId}`] },
        },
      },
      login: { tokenStore: { enabled: false } },
    });
    const identity = evaluatedResource(entries, "Microsoft.ManagedIdentity/userAssignedIdentities");
    expect((templateAppSettings(entries)[FIC_ASSERTION_SETTING] as Opaque).text).toMatch(
      new RegExp(`^reference\\(.*/userAssignedIdentities/${identity.name}\\)\\.clientId$`),
    );
  });

  it("names the given tenant's issuer when authTenantId is passed", () => {
    const tenant = "9b2f4c1e-7a3d-4e5f-8c6b-1d2e3f4a5b6c";
    const other = scoped(mutable(), { authTenantId: tenant });
    expect(signInProblems(other, surface)).toEqual([]);
    expect(
      (
        siteConfig(other, "authsettingsV2")?.properties as {
          identityProviders: { azureActiveDirectory: { registration: { openIdIssuer: string } } };
        }
      ).identityProviders.azureActiveDirectory.registration.openIdIssuer,
    ).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`);
  });

  it("outputs the redirect URI the app registration needs: the app's host name and /.auth/login/aad/callback", () => {
    expect(String(evaluateValue(readTemplate().outputs?.signInRedirectUri?.value, entries[0]!.context))).toMatch(
      /^https:\/\/<reference\(.*\/deployments\/governor-app\)\.outputs\.defaultHostName\.value>\/\.auth\/login\/aad\/callback$/,
    );
    expect(entries[1]?.template.outputs?.defaultHostName?.value).toBe(
      "[reference(resourceId('Microsoft.Web/sites', parameters('appName')), '2024-04-01').defaultHostName]",
    );
  });

  it("fails when authentication is disabled, and when it is not configured at all", () => {
    const disabled = mutable();
    (authSettings(disabled).properties as { platform: { enabled: boolean } }).platform.enabled = false;
    expect(signInProblems(scoped(disabled), surface)).toEqual(["App Service authentication is not enabled (platform.enabled is false)"]);

    const missing = mutable();
    inner(missing).resources = inner(missing).resources.filter((resource) => !resource.name.includes("authsettingsV2"));
    expect(signInProblems(scoped(missing), surface)).toEqual([
      "the template does not configure App Service authentication (sites/config authsettingsV2): every decision would be refused (401)",
    ]);
  });

  it("fails when unauthenticated requests are let through, or sign-in is not required", () => {
    const anonymous = mutable();
    validation(anonymous).unauthenticatedClientAction = "AllowAnonymous";
    validation(anonymous).requireAuthentication = false;
    expect(signInProblems(scoped(anonymous), surface)).toEqual([
      "requireAuthentication is false: anyone reaches the approval page unsigned",
      "unauthenticated requests get AllowAnonymous, not the sign-in page",
    ]);
  });

  it("fails when an approval route is excluded from sign-in, by its own path or a broader one", () => {
    const own = mutable();
    validation(own).excludedPaths.push("/api/approvals/*");
    expect(signInProblems(scoped(own), surface)).toEqual([
      "excluded path /api/approvals/* is not a key-authenticated route or webhook of functions/",
      "excluded path /api/approvals/* lets the person route /api/approvals/{instanceId} through without sign-in",
    ]);
    const broader = mutable();
    validation(broader).excludedPaths = ["/api/*", EVENT_GRID_WEBHOOK];
    expect(signInProblems(scoped(broader), surface)).toEqual([
      "excluded path /api/* is not a key-authenticated route or webhook of functions/",
      "/api/budget-alerts is key-authenticated in functions/ but not excluded: its callers would be sent to sign in",
      "/api/instances/* is key-authenticated in functions/ but not excluded: its callers would be sent to sign in",
      "excluded path /api/* lets the person route /api/approvals/{instanceId} through without sign-in",
      "excluded path /api/* lets the person route /api/report through without sign-in",
      "excluded path /api/* lets the person route /api/report/{page} through without sign-in",
    ]);
  });

  it("fails when a webhook is not excluded, and when functions/ gains a key-authenticated route the template does not exclude", () => {
    const template = mutable();
    validation(template).excludedPaths = validation(template).excludedPaths.filter((path) => path !== EVENT_GRID_WEBHOOK);
    expect(signInProblems(scoped(template), surface)).toEqual([
      `${EVENT_GRID_WEBHOOK} is key-authenticated in functions/ but not excluded: its callers would be sent to sign in`,
    ]);
    const costWebhook = {
      name: "costWebhook",
      triggerType: "httpTrigger",
      options: { trigger: { type: "httpTrigger", name: "httpTrigger1", route: "cost/{source}/alerts", authLevel: "function" } },
    } as unknown as (typeof registrations)[number];
    expect(signInProblems(entries, httpSurface([...registrations, costWebhook], hostRoutePrefix()))).toEqual([
      "/api/cost/* is key-authenticated in functions/ but not excluded: its callers would be sent to sign in",
    ]);
  });

  it("fails on a trigger type the derivation does not know, rather than skipping it", () => {
    const unknown = {
      name: "queueWork",
      triggerType: "queueTrigger",
      options: { trigger: { type: "queueTrigger" } },
    } as unknown as (typeof registrations)[number];
    expect(httpSurface([unknown], "api").problems).toEqual([
      "queueWork: the check does not know whether a queueTrigger is reached over HTTP",
    ]);
  });

  it("fails on a client secret in plain text, and accepts one held as a Key Vault reference", () => {
    const plain = mutable();
    entra(plain).registration.clientSecretSettingName = "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET";
    appSettings(plain).MICROSOFT_PROVIDER_AUTHENTICATION_SECRET = "s3cr3t~value";
    expect(signInProblems(scoped(plain), surface)).toEqual([
      "the client secret setting MICROSOFT_PROVIDER_AUTHENTICATION_SECRET holds the secret itself, not a Key Vault reference",
    ]);
    appSettings(plain).MICROSOFT_PROVIDER_AUTHENTICATION_SECRET =
      "[format('@Microsoft.KeyVault(VaultName={0};SecretName=auth-client-secret)', variables('vaultName'))]";
    expect(signInProblems(scoped(plain), surface)).toEqual([]);

    const otherIdentity = mutable();
    appSettings(otherIdentity)[FIC_ASSERTION_SETTING] = "[parameters('authClientId')]";
    expect(signInProblems(scoped(otherIdentity), surface)).toEqual([
      `${FIC_ASSERTION_SETTING} is ${TEST_PARAMETERS.authClientId}, not the client id of the app's user-assigned identity`,
    ]);
  });

  it("fails when authClientId has a default, or the provider names another client, tenant or audience", () => {
    const template = mutable();
    template.parameters!.authClientId = { ...template.parameters!.authClientId!, defaultValue: "" };
    entra(template).registration.clientId = "11111111-2222-3333-4444-555555555555";
    entra(template).registration.openIdIssuer = "https://login.microsoftonline.com/common/v2.0";
    entra(template).validation.allowedAudiences = [];
    expect(signInProblems(scoped(template), surface)).toEqual([
      "authClientId must be required, 36 characters (no default, minLength 36, maxLength 36): an empty one would refuse every decision",
      `the provider's client id is 11111111-2222-3333-4444-555555555555, not the authClientId parameter (${TEST_PARAMETERS.authClientId})`,
      `the issuer is https://login.microsoftonline.com/common/v2.0, not https://login.microsoftonline.com/${TEST_SCOPE.tenantId}/v2.0`,
      `api://${TEST_PARAMETERS.authClientId} is not an allowed audience`,
    ]);
  });

  it("fails when it does not wait for the site, or the package is installed before sign-in is configured", () => {
    const template = mutable();
    authSettings(template).dependsOn = ["[resourceId('Microsoft.Web/sites/config', parameters('appName'), 'appsettings')]"];
    find(template, "Microsoft.Web/sites/extensions").dependsOn = [
      "[resourceId('Microsoft.Web/sites/config', parameters('appName'), 'appsettings')]",
    ];
    expect(signInProblems(scoped(template), surface)).toEqual([
      "authsettingsV2 does not depend on the Function App",
      "the package is installed without waiting for authsettingsV2: the app would run, for a while, without sign-in",
    ]);
  });
});

describe("the Governor baseline (Azure Policy) the template deploys", () => {
  const exported = exportAzurePolicy(parsePolicyText(readFileSync(DEFAULT_POLICIES, "utf8"), "odoo-distribution.yaml", builtinRegistry()));
  const root = () => scoped()[0]!;
  const ofType = (resources: ArmResource[], type: string) => resources.filter((resource) => resource.type === type);

  it("is exactly what governor export azure-policy writes for the built-in pack: definitions, initiative, assignment, roles", () => {
    expect(baselineProblems(readTemplate(), exported)).toEqual([]);
  });

  it("reaches Azure Policy as the export wrote it: every rule expression escaped, only the custom definitions' ids evaluated", () => {
    const baseline = evaluatedBaseline(root());
    for (const definition of exported.definitions) {
      const deployed = ofType(baseline, "Microsoft.Authorization/policyDefinitions").find((resource) => resource.name === definition.name);
      expect(deployed?.properties).toEqual(definition.properties);
    }
    const initiative = ofType(baseline, "Microsoft.Authorization/policySetDefinitions")[0]!;
    const references = (initiative.properties as { policyDefinitions: Array<{ policyDefinitionId: string }> }).policyDefinitions;
    expect(references.map((reference) => reference.policyDefinitionId)).toEqual(
      exported.initiative.properties.policyDefinitions.map((reference) =>
        reference.policyDefinitionId.replace(
          /^\[subscriptionResourceId\('Microsoft.Authorization\/policyDefinitions', '(.+)'\)\]$/,
          `/subscriptions/${TEST_SCOPE.subscriptionId}/providers/Microsoft.Authorization/policyDefinitions/$1`,
        ),
      ),
    );
  });

  it("assigns the initiative at the subscription in DoNotEnforce unless the deployment says Default, with a managed identity", () => {
    const assignment = ofType(evaluatedBaseline(root()), "Microsoft.Authorization/policyAssignments")[0]!;
    expect(assignment.properties).toMatchObject({
      enforcementMode: "DoNotEnforce",
      policyDefinitionId: `/subscriptions/${TEST_SCOPE.subscriptionId}/providers/Microsoft.Authorization/policySetDefinitions/governor-baseline`,
    });
    expect(assignment.identity).toEqual({ type: "SystemAssigned" });
    const enforced = ofType(
      evaluatedBaseline(scoped(mutable(), { policyEnforcementMode: "Default" })[0]!),
      "Microsoft.Authorization/policyAssignments",
    )[0]!;
    expect((enforced.properties as { enforcementMode: string }).enforcementMode).toBe("Default");
  });

  it("gives the assignment's identity the roles its modify and deploy-if-not-exists built-ins declare, and no other", () => {
    const roles = ofType(evaluatedBaseline(root()), "Microsoft.Authorization/roleAssignments").map(
      (resource) => resource.properties as { roleDefinitionId: string; principalId: unknown },
    );
    expect(
      roles.map((role) => `/providers/microsoft.authorization/roledefinitions/${role.roleDefinitionId.split("/").at(-1)}`).sort(),
    ).toEqual(exported.roleDefinitionIds);
    for (const role of roles)
      expect(String(role.principalId)).toMatch(
        /^<reference\(\/subscriptions\/[^)]*\/policyAssignments\/governor-baseline\)\.identity\.principalId>$/,
      );
  });

  it("the check bites: a reference dropped, a rule unescaped, a role missing, the audit-first default changed, an extra assignment", () => {
    const broken = (change: (template: ArmTemplate) => void): string[] => {
      const template = mutable();
      change(template);
      return baselineProblems(template, exported);
    };
    const find = (template: ArmTemplate, type: string) => template.resources.find((resource) => resource.type === type)!;
    expect(
      broken((template) => {
        const initiative = find(template, "Microsoft.Authorization/policySetDefinitions");
        (initiative.properties as { policyDefinitions: unknown[] }).policyDefinitions.pop();
      }),
    ).toEqual(["Microsoft.Authorization/policySetDefinitions governor-baseline: differs from what governor export writes"]);
    expect(
      broken((template) => {
        const definition = find(template, "Microsoft.Authorization/policyDefinitions");
        (definition.properties as { policyRule: { then: { effect: string } } }).policyRule.then.effect = "[parameters('effect')]";
      }),
    ).toEqual(["Microsoft.Authorization/policyDefinitions governor-allowed-vm-sizes: differs from what governor export writes"]);
    expect(
      broken((template) => {
        template.resources = template.resources.filter(
          (resource) =>
            !(
              resource.type === "Microsoft.Authorization/roleAssignments" && String(resource.name).includes("governor-baseline', '9980e02c")
            ),
        );
      }),
    ).toEqual([
      "Microsoft.Authorization/roleAssignments [guid(subscription().id, 'governor-baseline', '9980e02c-c2be-4d73-94e8-173b1dc7cf3c')]: governor export writes it, the template does not deploy it",
    ]);
    expect(
      broken((template) => {
        (find(template, "Microsoft.Authorization/policyAssignments").properties as { enforcementMode: string }).enforcementMode = "Default";
      }),
    ).toEqual(["Microsoft.Authorization/policyAssignments governor-baseline: differs from what governor export writes"]);
    expect(
      broken((template) => {
        template.resources.push({ ...find(template, "Microsoft.Authorization/policyAssignments"), name: "another" });
      }),
    ).toEqual(["Microsoft.Authorization/policyAssignments another: in the template, not in governor export's"]);
    // Unescaped, the deployment would evaluate the rule's own expression and fail on it.
    const unescaped = mutable();
    const definition = find(unescaped, "Microsoft.Authorization/policyDefinitions");
    (definition.properties as { policyRule: { then: { effect: string } } }).policyRule.then.effect = "[parameters('effect')]";
    expect(() => evaluatedBaseline(scoped(unescaped)[0]!)).toThrow("parameters('effect') is not declared");
  });
});
