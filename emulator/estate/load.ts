/**
 * Seeds the store from an estate definition. Entries are written as the bodies a user would PUT,
 * and go through the same resource-type handlers as a PUT, so the estate has ARM's shapes.
 */
import type { EmulatorCore } from "../core.ts";
import { resourceGroupId } from "../../shared/azure/resourceId.ts";
import { diagnosticScopeOf } from "../diagnosticSettings.ts";
import type { LockLevel } from "../locks.ts";
import type { SimulationState } from "../store.ts";

export interface EstateResourceGroup {
  name: string;
  location: string;
  tags?: Record<string, string>;
}

export interface EstateResource {
  /** Full ARM type, e.g. `Microsoft.Compute/virtualMachines` or `Microsoft.ContainerService/managedClusters/agentPools`. */
  type: string;
  /** Omitted for resources at subscription scope (budgets). */
  resourceGroup?: string;
  /** For child types, the names along the path: `aks-dev/nodepool1`. */
  name: string;
  /** What a user would PUT: location, tags, sku, properties… */
  body: Record<string, unknown>;
  sim?: SimulationState;
  /**
   * The `provisioningState` ARM shows instead of `Succeeded`: a resource caught mid-operation
   * (`Updating`, `Deleting`, `Creating`) or left `Failed` by one. A PUT cannot set it (ARM ignores
   * it in a body), so an estate plants it here. No operation runs: it stays until a change of the
   * resource completes.
   */
  provisioningState?: string;
}

/** A management lock; `scope` is a resource group or resource id (as `EstateBuilder.id` builds them). */
export interface EstateLock {
  scope: string;
  name: string;
  level: LockLevel;
  notes?: string;
}

/** A diagnostic setting on a resource, with the properties a PUT would send. */
export interface EstateDiagnosticSetting {
  resourceId: string;
  name: string;
  properties: Record<string, unknown>;
}

export interface EstateDefinition {
  resourceGroups: EstateResourceGroup[];
  resources: EstateResource[];
  /** Extension resources, kept apart from the resources (inventory does not list them). */
  locks?: EstateLock[];
  diagnosticSettings?: EstateDiagnosticSetting[];
}

/** Builds a resource id from a type and the slash-separated names of it and its parents. */
export function estateResourceId(subscriptionId: string, resourceGroup: string | undefined, type: string, name: string): string {
  const [provider, ...typeSegments] = type.split("/");
  const names = name.split("/");
  if (names.length !== typeSegments.length) {
    throw new Error(`estate: name "${name}" does not fit type "${type}" (${typeSegments.length} name segment(s) expected)`);
  }
  const path = typeSegments.map((segment, index) => `${segment}/${names[index]}`).join("/");
  const scope = resourceGroup === undefined ? `/subscriptions/${subscriptionId}` : resourceGroupId(subscriptionId, resourceGroup);
  return `${scope}/providers/${provider}/${path}`;
}

/** Seeds one subscription (the emulator's own by default) with an estate. */
export function loadEstate(core: EmulatorCore, estate: EstateDefinition, subscriptionId = core.subscriptionId): void {
  if (!core.store.hasSubscription(subscriptionId)) throw new Error(`estate: subscription ${subscriptionId} is not one the emulator serves`);
  for (const group of estate.resourceGroups) {
    core.store.putGroup({
      id: resourceGroupId(subscriptionId, group.name),
      name: group.name,
      type: "Microsoft.Resources/resourceGroups",
      location: group.location,
      tags: group.tags ?? {},
      properties: { provisioningState: "Succeeded" },
    });
  }
  for (const entry of estate.resources) {
    if (entry.resourceGroup !== undefined && !core.store.getGroup(subscriptionId, entry.resourceGroup)) {
      throw new Error(`estate: resource ${entry.name} names resource group ${entry.resourceGroup}, which the estate does not define`);
    }
    const id = estateResourceId(subscriptionId, entry.resourceGroup, entry.type, entry.name);
    const name = entry.name.split("/").at(-1) as string;
    const resource = core.materialise(entry.type, { id, name, body: entry.body, ...(entry.sim ? { sim: entry.sim } : {}) });
    if (entry.provisioningState !== undefined) (resource.arm.properties ??= {}).provisioningState = entry.provisioningState;
    core.store.put(resource);
  }
  for (const lock of estate.locks ?? []) {
    if (!core.store.get(lock.scope) && !/^\/subscriptions\/[^/]+(\/resourcegroups\/[^/]+)?$/i.test(lock.scope)) {
      throw new Error(`estate: lock ${lock.name} is on ${lock.scope}, which the estate does not define`);
    }
    core.locks.put({ scope: lock.scope, name: lock.name, level: lock.level, ...(lock.notes === undefined ? {} : { notes: lock.notes }) });
  }
  for (const setting of estate.diagnosticSettings ?? []) {
    const resourceId = diagnosticScopeOf(core.store, setting.resourceId);
    if (resourceId === undefined) {
      throw new Error(`estate: diagnostic setting ${setting.name} is on ${setting.resourceId}, which the estate does not define`);
    }
    core.diagnosticSettings.put({ resourceId, name: setting.name, properties: structuredClone(setting.properties) });
  }
}
