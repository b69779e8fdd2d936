/**
 * The Azure RBAC operation each emulator route stands for: what Azure would check before
 * answering the same request. With the request log, it turns what Governor sent into the
 * operations its role must allow (orchestrations/activities/permissions.ts).
 *
 * Most routes name their operation; the generic ones (a resource of any type, long-running
 * operation status of any provider, tags at any scope) derive it from the request's path.
 */
import type { RequestLogEntry } from "./requestLog.ts";

type Derive = (entry: Pick<RequestLogEntry, "method" | "path">) => string;

const PROVIDER_PATH = /\/providers\/([^/]+)\/(.+)$/i;

/** `{provider}/{type}[/{childType}...]/{verb}` of a resource id's path, whatever the type. */
const fromResourcePath =
  (verb: string): Derive =>
  ({ path }) => {
    const match = PROVIDER_PATH.exec(path.split("?")[0] as string);
    if (!match) throw new Error(`no provider in ${path}`);
    const segments = (match[2] as string).split("/");
    const types = segments.filter((_segment, index) => index % 2 === 0);
    return `${match[1]}/${types.join("/")}/${verb}`;
  };

/** `{provider}/locations/operations/read`, from `/subscriptions/{s}/providers/{provider}/locations/{l}/operations/{id}`. */
const locationOperation =
  (kind: string): Derive =>
  ({ path }) => {
    const provider = /\/providers\/([^/]+)\/locations\//i.exec(path)?.[1];
    if (!provider) throw new Error(`no provider in ${path}`);
    return `${provider}/locations/${kind}/read`;
  };

const fixed =
  (operation: string): Derive =>
  () =>
    operation;

const VM = "Microsoft.Compute/virtualMachines";
const AKS = "Microsoft.ContainerService/managedClusters";
const PG = "Microsoft.DBforPostgreSQL/flexibleServers";
const VAULT = "Microsoft.RecoveryServices/Vaults";
const ITEM = `${VAULT}/backupFabrics/protectionContainers/protectedItems`;
const POLICY = "Microsoft.Authorization";
const VMSS = "Microsoft.Compute/virtualMachineScaleSets";

/** The read, write and delete of a family of routes (emulator/routes/family.ts) named after `prefix`. */
function familyOperations(prefix: string, type: string): Record<string, Derive> {
  return {
    [`${prefix}.listAll`]: fixed(`${type}/read`),
    [`${prefix}.list`]: fixed(`${type}/read`),
    [`${prefix}.get`]: fixed(`${type}/read`),
    [`${prefix}.createOrUpdate`]: fixed(`${type}/write`),
    [`${prefix}.delete`]: fixed(`${type}/delete`),
  };
}

export const ROUTE_OPERATIONS: Record<string, Derive> = {
  "operations.status": locationOperation("operations"),
  "operations.result": locationOperation("operationResults"),
  "resourceGroups.list": fixed("Microsoft.Resources/subscriptions/resourceGroups/read"),
  "resourceGroups.get": fixed("Microsoft.Resources/subscriptions/resourceGroups/read"),
  "resourceGroups.checkExistence": fixed("Microsoft.Resources/subscriptions/resourceGroups/read"),
  "resourceGroups.createOrUpdate": fixed("Microsoft.Resources/subscriptions/resourceGroups/write"),
  "resourceGroups.delete": fixed("Microsoft.Resources/subscriptions/resourceGroups/delete"),
  "resources.list": fixed("Microsoft.Resources/subscriptions/resources/read"),
  "resources.listByResourceGroup": fixed("Microsoft.Resources/subscriptions/resourceGroups/resources/read"),
  "resources.get": fromResourcePath("read"),
  "resources.createOrUpdate": fromResourcePath("write"),
  "resources.delete": fromResourcePath("delete"),
  "tags.getAtScope": fixed("Microsoft.Resources/tags/read"),
  "tags.createOrUpdateAtScope": fixed("Microsoft.Resources/tags/write"),
  "tags.updateAtScope": fixed("Microsoft.Resources/tags/write"),
  "tags.deleteAtScope": fixed("Microsoft.Resources/tags/delete"),
  "virtualMachines.list": fixed(`${VM}/read`),
  "virtualMachines.listAll": fixed(`${VM}/read`),
  "virtualMachines.listByLocation": fixed(`${VM}/read`),
  "virtualMachines.get": fixed(`${VM}/read`),
  "virtualMachines.instanceView": fixed(`${VM}/instanceView/read`),
  "virtualMachines.createOrUpdate": fixed(`${VM}/write`),
  "virtualMachines.delete": fixed(`${VM}/delete`),
  "virtualMachines.deallocate": fixed(`${VM}/deallocate/action`),
  "virtualMachines.start": fixed(`${VM}/start/action`),
  "virtualMachines.powerOff": fixed(`${VM}/powerOff/action`),
  // A resize is a write of the VM's model, by PUT or PATCH.
  "virtualMachines.update": fixed(`${VM}/write`),
  "virtualMachines.listAvailableSizes": fixed(`${VM}/vmSizes/read`),
  "virtualMachineScaleSets.listAll": fixed(`${VMSS}/read`),
  "virtualMachineScaleSets.list": fixed(`${VMSS}/read`),
  "virtualMachineScaleSets.get": fixed(`${VMSS}/read`),
  "virtualMachineScaleSets.getInstanceView": fixed(`${VMSS}/instanceView/read`),
  "virtualMachineScaleSets.deallocate": fixed(`${VMSS}/deallocate/action`),
  "virtualMachineScaleSets.start": fixed(`${VMSS}/start/action`),
  "resourceSkus.list": fixed("Microsoft.Compute/skus/read"),
  "disks.listByResourceGroup": fixed("Microsoft.Compute/disks/read"),
  "disks.list": fixed("Microsoft.Compute/disks/read"),
  "disks.get": fixed("Microsoft.Compute/disks/read"),
  "disks.createOrUpdate": fixed("Microsoft.Compute/disks/write"),
  "disks.update": fixed("Microsoft.Compute/disks/write"),
  "disks.delete": fixed("Microsoft.Compute/disks/delete"),
  "snapshots.listByResourceGroup": fixed("Microsoft.Compute/snapshots/read"),
  "snapshots.list": fixed("Microsoft.Compute/snapshots/read"),
  "snapshots.get": fixed("Microsoft.Compute/snapshots/read"),
  "snapshots.createOrUpdate": fixed("Microsoft.Compute/snapshots/write"),
  "snapshots.delete": fixed("Microsoft.Compute/snapshots/delete"),
  "managedClusters.list": fixed(`${AKS}/read`),
  "managedClusters.listByResourceGroup": fixed(`${AKS}/read`),
  "managedClusters.get": fixed(`${AKS}/read`),
  "managedClusters.createOrUpdate": fixed(`${AKS}/write`),
  "managedClusters.stop": fixed(`${AKS}/stop/action`),
  "managedClusters.start": fixed(`${AKS}/start/action`),
  "agentPools.list": fixed(`${AKS}/agentPools/read`),
  "agentPools.get": fixed(`${AKS}/agentPools/read`),
  "agentPools.createOrUpdate": fixed(`${AKS}/agentPools/write`),
  "flexibleServers.listBySubscription": fixed(`${PG}/read`),
  "flexibleServers.listByResourceGroup": fixed(`${PG}/read`),
  "flexibleServers.get": fixed(`${PG}/read`),
  "flexibleServers.create": fixed(`${PG}/write`),
  "flexibleServers.delete": fixed(`${PG}/delete`),
  "flexibleServers.stop": fixed(`${PG}/stop/action`),
  "flexibleServers.start": fixed(`${PG}/start/action`),
  "flexibleServers.replicas.listByServer": fixed(`${PG}/replicas/read`),
  "flexibleServers.configurations.listByServer": fixed(`${PG}/configurations/read`),
  "flexibleServers.configurations.get": fixed(`${PG}/configurations/read`),
  "flexibleServers.backups.listByServer": fixed(`${PG}/backups/read`),
  "flexibleServers.backups.get": fixed(`${PG}/backups/read`),
  "flexibleServers.firewallRules.listByServer": fixed(`${PG}/firewallRules/read`),
  "flexibleServers.firewallRules.get": fixed(`${PG}/firewallRules/read`),
  "flexibleServers.firewallRules.createOrUpdate": fixed(`${PG}/firewallRules/write`),
  "flexibleServers.firewallRules.delete": fixed(`${PG}/firewallRules/delete`),
  "vaults.listBySubscriptionId": fixed(`${VAULT}/read`),
  "vaults.listByResourceGroup": fixed(`${VAULT}/read`),
  "vaults.get": fixed(`${VAULT}/read`),
  "backupPolicies.list": fixed(`${VAULT}/backupPolicies/read`),
  "protectionPolicies.get": fixed(`${VAULT}/backupPolicies/read`),
  "backupProtectableItems.list": fixed(`${VAULT}/backupProtectableItems/read`),
  "backupProtectedItems.list": fixed(`${VAULT}/backupProtectedItems/read`),
  "protectedItems.createOrUpdate": fixed(`${ITEM}/write`),
  "protectedItems.get": fixed(`${ITEM}/read`),
  "protectedItems.delete": fixed(`${ITEM}/delete`),
  "protectionContainers.refresh": fixed(`${VAULT}/backupFabrics/refreshContainers/action`),
  "protectionContainerRefreshOperationResults.get": fixed(`${VAULT}/backupFabrics/operationResults/read`),
  "protectedItemOperationStatuses.get": fixed(`${ITEM}/operationsStatus/read`),
  "protectedItemOperationResults.get": fixed(`${ITEM}/operationResults/read`),
  ...familyOperations("publicIPAddresses", "Microsoft.Network/publicIPAddresses"),
  ...familyOperations("networkInterfaces", "Microsoft.Network/networkInterfaces"),
  ...familyOperations("loadBalancers", "Microsoft.Network/loadBalancers"),
  ...familyOperations("networkSecurityGroups", "Microsoft.Network/networkSecurityGroups"),
  ...familyOperations("natGateways", "Microsoft.Network/natGateways"),
  ...familyOperations("virtualNetworks", "Microsoft.Network/virtualNetworks"),
  ...familyOperations("appServicePlans", "Microsoft.Web/serverfarms"),
  ...familyOperations("webApps", "Microsoft.Web/sites"),
  "managementLocks.list": fixed(`${POLICY}/locks/read`),
  "managementLocks.get": fixed(`${POLICY}/locks/read`),
  "managementLocks.createOrUpdate": fixed(`${POLICY}/locks/write`),
  "managementLocks.delete": fixed(`${POLICY}/locks/delete`),
  "diagnosticSettings.list": fixed("Microsoft.Insights/diagnosticSettings/read"),
  "diagnosticSettings.get": fixed("Microsoft.Insights/diagnosticSettings/read"),
  "diagnosticSettings.createOrUpdate": fixed("Microsoft.Insights/diagnosticSettings/write"),
  "diagnosticSettings.delete": fixed("Microsoft.Insights/diagnosticSettings/delete"),
  "resourceGraph.resources": fixed("Microsoft.ResourceGraph/resources/read"),
  "managementGroups.get": fixed("Microsoft.Management/managementGroups/read"),
  "managementGroups.getDescendants": fixed("Microsoft.Management/managementGroups/descendants/read"),
  "subscriptions.list": fixed("Microsoft.Resources/subscriptions/read"),
  "subscriptions.get": fixed("Microsoft.Resources/subscriptions/read"),
  "metrics.list": fixed("Microsoft.Insights/metrics/read"),
  // The batch API is data plane, authorised by the same read of each resource's metrics.
  "metrics.batch": fixed("Microsoft.Insights/metrics/read"),
  "budgets.list": fixed("Microsoft.Consumption/budgets/read"),
  "budgets.get": fixed("Microsoft.Consumption/budgets/read"),
  "budgets.createOrUpdate": fixed("Microsoft.Consumption/budgets/write"),
  "budgets.delete": fixed("Microsoft.Consumption/budgets/delete"),
  // A query is a POST that reads: Azure checks the query action, which Reader's */read does not grant.
  "costManagement.query": fixed("Microsoft.CostManagement/query/action"),
  "costManagement.queryResourceGroup": fixed("Microsoft.CostManagement/query/action"),
  "policyDefinitions.createOrUpdate": fixed(`${POLICY}/policyDefinitions/write`),
  "policyDefinitions.get": fixed(`${POLICY}/policyDefinitions/read`),
  "policyDefinitions.list": fixed(`${POLICY}/policyDefinitions/read`),
  "policyDefinitions.delete": fixed(`${POLICY}/policyDefinitions/delete`),
  "policyDefinitions.getBuiltIn": fixed(`${POLICY}/policyDefinitions/read`),
  "policyDefinitions.listBuiltIn": fixed(`${POLICY}/policyDefinitions/read`),
  "policySetDefinitions.createOrUpdate": fixed(`${POLICY}/policySetDefinitions/write`),
  "policySetDefinitions.get": fixed(`${POLICY}/policySetDefinitions/read`),
  "policySetDefinitions.list": fixed(`${POLICY}/policySetDefinitions/read`),
  "policySetDefinitions.delete": fixed(`${POLICY}/policySetDefinitions/delete`),
  "policyAssignments.create": fixed(`${POLICY}/policyAssignments/write`),
  "policyAssignments.get": fixed(`${POLICY}/policyAssignments/read`),
  "policyAssignments.list": fixed(`${POLICY}/policyAssignments/read`),
  "policyAssignments.delete": fixed(`${POLICY}/policyAssignments/delete`),
  "policyExemptions.createOrUpdate": fixed(`${POLICY}/policyExemptions/write`),
  "policyExemptions.get": fixed(`${POLICY}/policyExemptions/read`),
  "policyExemptions.list": fixed(`${POLICY}/policyExemptions/read`),
  "policyExemptions.delete": fixed(`${POLICY}/policyExemptions/delete`),
  // POSTs that Azure authorises as reads: Reader sees compliance.
  "policyStates.summarize": fixed("Microsoft.PolicyInsights/policyStates/summarize/read"),
  "policyStates.queryResults": fixed("Microsoft.PolicyInsights/policyStates/queryResults/read"),
  "remediations.createOrUpdate": fixed("Microsoft.PolicyInsights/remediations/write"),
  "remediations.get": fixed("Microsoft.PolicyInsights/remediations/read"),
  "remediations.list": fixed("Microsoft.PolicyInsights/remediations/read"),
  "remediations.listDeployments": fixed("Microsoft.PolicyInsights/remediations/listDeployments/read"),
};

/** The operation a logged request stands for; an unmatched request or an unmapped route is an error naming it. */
export function armOperationOf(entry: Pick<RequestLogEntry, "route" | "method" | "path">): string {
  const derive = ROUTE_OPERATIONS[entry.route];
  if (!derive)
    throw new Error(`${entry.method} ${entry.path}: route ${entry.route} stands for no known ARM operation (emulator/armOperations.ts)`);
  return derive(entry);
}
