/**
 * An inventory resource from what a Resource Graph row and an ARM GET both carry: the top-level
 * fields and `properties`, with its SKU, power state and creation time read as its type's
 * descriptor says. One mapping for both, so a filter reads a fresh resource as it reads an
 * inventoried one.
 */
import type { InventoryResource, InventoryResourceGroup } from "../policy/types.ts";
import { kindOfArmType } from "../policy/types.ts";
import { asObject, getPath, nonEmptyString } from "../resourceTypes/descriptor.ts";
import { resourceTypeOfArmType } from "../resourceTypes/index.ts";
import { RESOURCE_GROUP_TYPE } from "../resourceTypes/resourceGroup.ts";

type Json = Record<string, unknown>;

/** The top-level fields, as Resource Graph's query projects them (`skuName` is `sku.name`). */
export interface TopLevelFields {
  id: unknown;
  name: unknown;
  type: unknown;
  location: unknown;
  resourceGroup: unknown;
  subscriptionId: unknown;
  tags: unknown;
  managedBy: unknown;
  skuName: unknown;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

export function stringTags(value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, tagValue] of Object.entries(asObject(value) ?? {})) if (typeof tagValue === "string") tags[name] = tagValue;
  return tags;
}

/** SKU, power state and creation time; a type without a descriptor has Resource Graph's SKU and ARM's usual creation fields. */
function normalised(
  type: string,
  properties: Json,
  skuName: string | undefined,
): Pick<InventoryResource, "sku" | "powerState" | "createdAt"> {
  const descriptor = resourceTypeOfArmType(type);
  if (!descriptor) {
    const createdAt = nonEmptyString(properties.timeCreated) ?? nonEmptyString(properties.creationTime);
    return { sku: skuName, createdAt };
  }
  const sku = descriptor.sku ? descriptor.sku(properties, skuName) : skuName;
  const source = descriptor.powerState;
  const raw = source === undefined ? undefined : nonEmptyString(getPath(properties, source.path));
  const powerState = source === undefined || raw === undefined ? undefined : source.read(raw);
  const createdAt = descriptor.createdAt === undefined ? undefined : nonEmptyString(getPath(properties, descriptor.createdAt));
  return { sku, powerState, createdAt };
}

export function inventoryResource(fields: TopLevelFields, properties: Json): InventoryResource {
  const type = text(fields.type).toLowerCase();
  const { sku, powerState, createdAt } = normalised(type, properties, nonEmptyString(fields.skuName));
  const managedBy = nonEmptyString(fields.managedBy);
  return {
    id: text(fields.id),
    name: text(fields.name),
    type,
    kind: kindOfArmType(type),
    subscriptionId: text(fields.subscriptionId),
    resourceGroup: text(fields.resourceGroup),
    location: text(fields.location),
    tags: stringTags(fields.tags),
    ...(sku === undefined ? {} : { sku }),
    ...(powerState === undefined ? {} : { powerState }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(managedBy === undefined ? {} : { managedBy }),
    properties,
  };
}

/**
 * A resource group as the resource a `resource-group` policy is written for: Resource Graph's
 * ResourceContainers row, as the inventory keeps it, put in the shape of its resources (its
 * `resourceGroup` is itself, as Resource Graph has it).
 */
export function resourceGroupAsResource(group: InventoryResourceGroup, subscriptionId: string): InventoryResource {
  return inventoryResource(
    {
      id: group.id,
      name: group.name,
      type: RESOURCE_GROUP_TYPE,
      location: group.location,
      resourceGroup: group.name.toLowerCase(),
      subscriptionId,
      tags: group.tags,
      managedBy: group.managedBy,
      skuName: undefined,
    },
    {},
  );
}
