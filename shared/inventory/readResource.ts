/**
 * One resource as Azure Resource Manager says it is NOW: an ARM GET, never Resource Graph, whose
 * results can lag a change by minutes. What a remediation decides on, just before it acts.
 *
 * A type with a descriptor is read by id at the descriptor's api-version (or through its own
 * SDK where the descriptor says so: a VM's instance view); any other top-level type through the
 * generic list, which needs no api-version of its own. The answer is the same `InventoryResource`
 * the inventory builds from Resource Graph, mapped by the same `inventoryResource`, so a filter
 * reads a fresh resource as it reads an inventoried one. It keeps every property ARM returned,
 * not only the inventory's projection: the GET costs the same whatever it holds, and so every
 * path a loaded policy reads is there, whichever caller re-reads. Power state comes from where
 * the descriptor says ARM keeps it (a VM's instance view, an AKS cluster's `powerState.code`),
 * with the transitions ARM shows only as `provisioningState` (an AKS cluster's Stopping and
 * Starting). A resource that no longer exists (404) is `undefined`.
 */
import { type ArmBody, rawBody, type ReadOptions, unlessNotFound, withPolicies } from "../azure/armRead.ts";
import { computeClient, resourcesClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { InventoryResource, InventoryResourceGroup } from "../policy/types.ts";
import { asObject } from "../resourceTypes/descriptor.ts";
import { resourceTypeOfArmType } from "../resourceTypes/index.ts";
import { RESOURCE_GROUP_TYPE } from "../resourceTypes/resourceGroup.ts";
import { inventoryResource } from "./inventoryResource.ts";
import { armIdOrUndefined, parseResourceId, type ResourceIdParts } from "../azure/resourceId.ts";

export type { ReadOptions } from "../azure/armRead.ts";

/** An ARM body (as ARM sends it, not the SDK's flattened model) as an inventory resource. */
export function resourceFromArm(body: ArmBody, subscriptionId: string): InventoryResource {
  const id = typeof body.id === "string" ? body.id : "";
  const descriptor = typeof body.type === "string" ? resourceTypeOfArmType(body.type) : undefined;
  const armProperties = asObject(body.properties) ?? {};
  const properties = descriptor?.fromArm ? descriptor.fromArm(armProperties) : { ...armProperties };
  const resource = inventoryResource(
    {
      id,
      name: body.name,
      type: body.type,
      location: typeof body.location === "string" ? body.location.replace(/\s+/g, "").toLowerCase() : "",
      // Resource Graph answers resource groups in lower case; so does this.
      resourceGroup: (armIdOrUndefined(id)?.resourceGroup ?? "").toLowerCase(),
      subscriptionId: armIdOrUndefined(id)?.subscriptionId ?? subscriptionId,
      tags: asObject(body.tags) ?? {},
      managedBy: body.managedBy,
      skuName: asObject(body.sku)?.name,
    },
    properties,
  );
  const provisioningState = properties.provisioningState;
  const transitions = descriptor?.powerState?.transitions ?? [];
  if (typeof provisioningState === "string") {
    // A cluster on its way to Stopped still says Running in powerState: the operation is what counts.
    const transition = transitions.find((state) => state === provisioningState.toLowerCase());
    if (transition !== undefined) resource.powerState = transition;
  }
  return resource;
}

async function readArmBody(target: AzureTarget, parts: ResourceIdParts, options: ReadOptions): Promise<ArmBody | undefined> {
  const { resourceGroup: rg, name } = parts;
  const descriptor = resourceTypeOfArmType(parts.type);
  if (descriptor) {
    const { apiVersion, read } = descriptor.reread;
    if (read) return read(target, parts, options);
    const client = withPolicies(await resourcesClient(target), options);
    // Without a leading slash: the generic GET puts one before the id itself.
    const id = `subscriptions/${parts.subscriptionId}/resourceGroups/${rg}/providers/${parts.type}/${name}`;
    return unlessNotFound(() => rawBody((onResponse) => client.resources.getById(id, apiVersion, { onResponse })));
  }
  if (parts.type.split("/").length !== 2) throw new Error(`readResource: child resources (${parts.type}) are not read`);
  // Any other top-level type, through the generic list, which needs no api-version of the type's own.
  const client = withPolicies(await resourcesClient(target), options);
  const quote = (text: string): string => text.replaceAll("'", "''");
  const found = await unlessNotFound(async () => {
    for await (const item of client.resources.listByResourceGroup(rg, {
      filter: `resourceType eq '${quote(parts.type)}' and name eq '${quote(name)}'`,
    })) {
      if (item.name?.toLowerCase() === name.toLowerCase() && item.type?.toLowerCase() === parts.type.toLowerCase()) return item;
    }
    return undefined;
  });
  if (!found) return undefined;
  return {
    id: found.id,
    name: found.name,
    type: found.type,
    location: found.location,
    tags: found.tags ?? {},
    ...(found.managedBy === undefined ? {} : { managedBy: found.managedBy }),
    ...(found.sku === undefined ? {} : { sku: found.sku }),
    properties: {},
  };
}

/** The parts of a resource's id; a resource group's id is typed as its descriptor types it (ARM's ids have no type for a group). */
function partsOf(resourceId: string): ResourceIdParts {
  const parsed = armIdOrUndefined(resourceId);
  if (parsed?.resourceGroup !== undefined && parsed.provider === undefined && parsed.name === parsed.resourceGroup)
    return {
      subscriptionId: parsed.subscriptionId,
      resourceGroup: parsed.resourceGroup,
      type: RESOURCE_GROUP_TYPE,
      name: parsed.resourceGroup,
    };
  return parseResourceId(resourceId);
}

/** The resource (or resource group) as ARM says it is now, or `undefined` when it no longer exists. */
export async function readResource(
  target: AzureTarget,
  resourceId: string,
  options: ReadOptions = {},
): Promise<InventoryResource | undefined> {
  const parts = partsOf(resourceId);
  if (parts.subscriptionId.toLowerCase() !== target.subscriptionId.toLowerCase()) {
    throw new Error(`readResource: ${resourceId} is not in subscription ${target.subscriptionId}`);
  }
  const body = await readArmBody(target, parts, options);
  return body === undefined ? undefined : resourceFromArm(body, target.subscriptionId);
}

/** A resource group with its tags (which resources inherit), or `undefined` when it no longer exists. */
export async function readResourceGroup(
  target: AzureTarget,
  name: string,
  options: ReadOptions = {},
): Promise<InventoryResourceGroup | undefined> {
  const client = withPolicies(await resourcesClient(target), options);
  const group = await unlessNotFound(() => client.resourceGroups.get(name));
  if (!group) return undefined;
  return {
    id: group.id ?? `/subscriptions/${target.subscriptionId}/resourceGroups/${name}`,
    name: group.name ?? name,
    location: (group.location ?? "").replace(/\s+/g, "").toLowerCase(),
    tags: { ...(group.tags ?? {}) },
    ...(group.managedBy === undefined || group.managedBy === "" ? {} : { managedBy: group.managedBy }),
  };
}

/**
 * Every snapshot of the subscription taken from a disk (its `creationData.sourceResourceId`), as
 * ARM lists them now: whether a snapshot is the newest of its disk is decided on these, not on an
 * inventory that may still show a snapshot deleted since.
 */
export async function readSnapshotsOfDisk(target: AzureTarget, diskId: string, options: ReadOptions = {}): Promise<InventoryResource[]> {
  const client = withPolicies(await computeClient(target), options);
  const wanted = diskId.toLowerCase();
  const found: InventoryResource[] = [];
  for await (const snapshot of client.snapshots.list()) {
    if (snapshot.creationData?.sourceResourceId?.toLowerCase() !== wanted) continue;
    // The list's models are the SDK's; put them back in ARM's shape for the shared mapping.
    found.push(
      resourceFromArm(
        {
          id: snapshot.id,
          name: snapshot.name,
          type: snapshot.type ?? "Microsoft.Compute/snapshots",
          location: snapshot.location,
          tags: snapshot.tags ?? {},
          managedBy: snapshot.managedBy,
          sku: snapshot.sku,
          properties: {
            timeCreated: snapshot.timeCreated?.toISOString(),
            creationData: { sourceResourceId: snapshot.creationData?.sourceResourceId },
            diskSizeGB: snapshot.diskSizeGB,
            incremental: snapshot.incremental,
            provisioningState: snapshot.provisioningState,
          },
        },
        target.subscriptionId,
      ),
    );
  }
  return found;
}

/**
 * The resources in a resource group as ARM lists them now (id, name, type, location, tags): what
 * decides whether a group is empty just before it is deleted, not an inventory that may lag.
 */
export async function readResourcesOfGroup(target: AzureTarget, name: string, options: ReadOptions = {}): Promise<InventoryResource[]> {
  const client = withPolicies(await resourcesClient(target), options);
  const found: InventoryResource[] = [];
  const items = await unlessNotFound(async () => {
    const listed = [];
    for await (const item of client.resources.listByResourceGroup(name)) listed.push(item);
    return listed;
  });
  for (const item of items ?? [])
    found.push(
      resourceFromArm(
        { id: item.id, name: item.name, type: item.type, location: item.location, tags: item.tags ?? {}, properties: {} },
        target.subscriptionId,
      ),
    );
  return found;
}
