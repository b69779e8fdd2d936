/**
 * What the Microsoft.Compute route files share: ids and names from the path, ARM's 404 and 400
 * answers, PUT body checks, long-running operations in Compute's manner and change events.
 */
import type { EmulatorCore } from "../../core.ts";
import { ArmError, badRequest } from "../../errors.ts";
import { resourceGroupId } from "../../../shared/azure/resourceId.ts";
import type { RouteContext, RouteResult } from "../../router.ts";
import type { ArmResource, ResourceChange, StoredResource } from "../../store.ts";

export const PROVIDER = "Microsoft.Compute";
export const VM_TYPE = "Microsoft.Compute/virtualMachines";
export const DISK_TYPE = "Microsoft.Compute/disks";
export const SNAPSHOT_TYPE = "Microsoft.Compute/snapshots";
export const EXTENSION_TYPE = "Microsoft.Compute/virtualMachines/extensions";

export const RG_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
export const SUB_PATH = "/subscriptions/{subscriptionId}";

export { asNumber, asObject, asString, type Json, normaliseLocation, stableGuid, stableHex } from "../../json.ts";
import { asObject, type Json, normaliseLocation } from "../../json.ts";

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export interface ResourceRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  id: string;
  type: string;
}

/** The resource a `.../{collection}/{nameParam}` path names, spelled as stored when it exists. */
export function refFromPath(ctx: RouteContext, type: string, nameParam: string): ResourceRef {
  const subscriptionId = ctx.params.subscriptionId as string;
  const resourceGroup = ctx.params.resourceGroupName as string;
  const name = ctx.params[nameParam] as string;
  const collection = type.split("/")[1] as string;
  const id = `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${PROVIDER}/${collection}/${name}`;
  const stored = ctx.core.store.get(id);
  if (stored && stored.arm.type.toLowerCase() === type.toLowerCase()) {
    return { subscriptionId, resourceGroup, name: stored.arm.name, id: stored.arm.id, type };
  }
  return { subscriptionId, resourceGroup, name, id, type };
}

/** The stored resource of that type, if any. */
export function findResource(core: EmulatorCore, ref: ResourceRef): StoredResource | undefined {
  const found = core.store.get(ref.id);
  return found && found.arm.type.toLowerCase() === ref.type.toLowerCase() ? found : undefined;
}

/** The stored resource of that type, or ARM's 404 (`ResourceGroupNotFound` when the group is missing too). */
export function requireResource(core: EmulatorCore, ref: ResourceRef): StoredResource {
  const found = findResource(core, ref);
  if (found) return found;
  core.store.requireGroup(ref.subscriptionId, ref.resourceGroup);
  throw new ArmError(
    404,
    "ResourceNotFound",
    `The Resource '${ref.type}/${ref.name}' under resource group '${ref.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/**
 * Checks what every Compute PUT needs before anything changes: a JSON object with a location,
 * tags of strings and an object of properties. Read-only fields a client sends back are dropped.
 */
export function validatePutBody(body: unknown, existing: StoredResource | undefined, type: string): Json {
  const object = asObject(body);
  if (!object) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  const location = object.location;
  if (location === undefined || location === null || location === "") {
    throw badRequest("The 'location' property is required for this definition.", "LocationRequired");
  }
  if (typeof location !== "string") throw badRequest("The 'location' property must be a string.", "InvalidRequestContent");
  if (object.tags !== undefined && object.tags !== null) {
    const tags = asObject(object.tags);
    if (!tags || Object.values(tags).some((value) => typeof value !== "string")) {
      throw badRequest("The 'tags' property must be an object of string values.", "InvalidRequestContent");
    }
  }
  if (object.properties !== undefined && !asObject(object.properties)) {
    throw badRequest("The 'properties' property must be an object.", "InvalidRequestContent");
  }
  if (existing?.arm.location !== undefined && normaliseLocation(existing.arm.location) !== normaliseLocation(location)) {
    throw new ArmError(409, "PropertyChangeNotAllowed", `Changing property 'location' is not allowed on ${type} '${existing.arm.name}'.`);
  }
  const { id: _id, name: _name, type: _type, etag: _etag, managedBy: _managedBy, resources: _resources, ...writable } = object;
  return writable;
}

/** Starts a Compute long-running operation whose status and result URLs live under the resource's region. */
export function startOperation(
  ctx: RouteContext,
  location: string | undefined,
  complete: () => unknown,
  options: { initialStatus?: number; initialBody?: unknown; finalStatus?: number } = {},
): RouteResult {
  return ctx.core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: PROVIDER,
      location: normaliseLocation(location ?? "westeurope"),
      complete,
      ...options,
    },
    ctx.baseUrl,
  );
}

/** Emits the change Event Grid would report, e.g. `Microsoft.Compute/virtualMachines/deallocate/action`. */
export function emitChange(core: EmulatorCore, kind: ResourceChange["kind"], arm: ArmResource, operation: string): void {
  core.store.emitChange({ kind, resourceId: arm.id, resourceType: arm.type, operationName: `${arm.type}/${operation}`, at: core.nowIso() });
}

/** A deep copy to answer with: later changes to the stored resource do not leak into an answer already built. */
export function copyOf<T>(value: T): T {
  return structuredClone(value);
}

/** Rows of a list in one resource group (404 when the group is missing) or in the whole subscription. */
export function listOfType(ctx: RouteContext, type: string, scope: "resourceGroup" | "subscription"): StoredResource[] {
  const subscriptionId = ctx.params.subscriptionId as string;
  if (scope === "resourceGroup") {
    const resourceGroup = ctx.params.resourceGroupName as string;
    ctx.core.store.requireGroup(subscriptionId, resourceGroup);
    return ctx.core.store.list({ subscriptionId, resourceGroup, type });
  }
  return ctx.core.store.list({ subscriptionId, type });
}
