/**
 * The five operations most resource providers answer for a top-level type in a resource group:
 * list in the subscription, list in a group, get, create or update, delete. Network answers
 * writes and deletes as long-running operations (201/200 with `Azure-AsyncOperation`, then 202
 * with `Location` for a delete); App Service answers them at once. What differs per type (its
 * defaults, what it refuses, its back-references) comes from the type's own module.
 */
import type { EmulatorCore } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { asObject, type Json, normaliseLocation } from "../json.ts";
import { pagedList } from "../paging.ts";
import { resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";

export const RG_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
export const SUB_PATH = "/subscriptions/{subscriptionId}";

export interface FamilySpec {
  /** e.g. `Microsoft.Network/publicIPAddresses` */
  type: string;
  /** Route name prefix, e.g. `publicIPAddresses`. */
  routes: string;
  /** How the provider answers a write or a delete. */
  style: "long-running" | "synchronous";
  /** Called before a delete: throws the provider's refusal (the resource is still in use). */
  refuseDelete?: (core: EmulatorCore, resource: StoredResource) => void;
  /** Called before a write, with the body (read-only fields already dropped): throws a 400 for a malformed one. */
  validate?: (core: EmulatorCore, body: Json, existing: StoredResource | undefined) => void;
  /** What else a delete does once it completes (release what the resource held). */
  afterDelete?: (core: EmulatorCore, resource: StoredResource) => void;
}

function provider(type: string): string {
  return type.split("/")[0] as string;
}

function collection(type: string): string {
  return type.split("/")[1] as string;
}

export function resourceIdOf(ctx: RouteContext, type: string): string {
  return `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${type}/${ctx.params.resourceName as string}`;
}

export function findTyped(core: EmulatorCore, id: string, type: string): StoredResource | undefined {
  const found = core.store.get(id);
  return found && found.arm.type.toLowerCase() === type.toLowerCase() ? found : undefined;
}

/** The resource, or ARM's 404 (`ResourceGroupNotFound` when the group is missing too). */
export function requireTyped(ctx: RouteContext, type: string): StoredResource {
  const id = resourceIdOf(ctx, type);
  const found = findTyped(ctx.core, id, type);
  if (found) return found;
  ctx.core.store.requireGroup(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string);
  throw new ArmError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${ctx.params.resourceName as string}' under resource group '${ctx.params.resourceGroupName as string}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** A PUT body ARM accepts: an object with a location, string tags, object properties; read-only fields dropped. */
export function writableBody(body: unknown, existing: StoredResource | undefined, type: string): Json {
  const object = asObject(body);
  if (!object) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  const location = object.location ?? existing?.arm.location;
  if (typeof location !== "string" || location.length === 0) {
    throw badRequest("The 'location' property is required for this definition.", "LocationRequired");
  }
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
  const { id: _id, name: _name, type: _type, etag: _etag, ...writable } = object;
  return { ...writable, location };
}

function emit(core: EmulatorCore, kind: "write" | "delete", arm: ArmResource): void {
  core.store.emitChange({ kind, resourceId: arm.id, resourceType: arm.type, operationName: `${arm.type}/${kind}`, at: core.nowIso() });
}

function startLro(
  ctx: RouteContext,
  spec: FamilySpec,
  location: string | undefined,
  complete: () => unknown,
  initial: RouteResult,
): RouteResult {
  const started = ctx.core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: provider(spec.type),
      location: normaliseLocation(location ?? "westeurope"),
      complete,
      initialStatus: initial.status,
      ...(initial.body === undefined ? {} : { initialBody: initial.body }),
    },
    ctx.baseUrl,
  );
  return started;
}

function createOrUpdate(ctx: RouteContext, spec: FamilySpec): RouteResult {
  const { core } = ctx;
  core.store.requireGroup(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string);
  const id = resourceIdOf(ctx, spec.type);
  const existingAny = core.store.get(id);
  if (existingAny && existingAny.arm.type.toLowerCase() !== spec.type.toLowerCase()) {
    throw new ArmError(409, "Conflict", `A resource of type '${existingAny.arm.type}' already has the id '${id}'.`);
  }
  const existing = existingAny;
  const body = writableBody(ctx.body, existing, spec.type);
  spec.validate?.(core, body, existing);
  const name = existing?.arm.name ?? ctx.params.resourceName ?? "";
  const resource = core.materialise(spec.type, { id: existing?.arm.id ?? id, name, body, ...(existing ? { existing } : {}) });
  if (spec.style === "synchronous") {
    core.store.put(resource);
    emit(core, "write", resource.arm);
    return { status: existing ? 200 : 201, body: core.view(resource) };
  }
  (resource.arm.properties ??= {}).provisioningState = "Updating";
  core.store.put(resource);
  return startLro(
    ctx,
    spec,
    resource.arm.location,
    () => {
      const current = findTyped(core, resource.arm.id, spec.type);
      if (!current) return undefined;
      (current.arm.properties ??= {}).provisioningState = "Succeeded";
      emit(core, "write", current.arm);
      return core.view(current);
    },
    { status: existing ? 200 : 201, body: core.view(resource) },
  );
}

function remove(ctx: RouteContext, spec: FamilySpec): RouteResult {
  const { core } = ctx;
  const resource = findTyped(core, resourceIdOf(ctx, spec.type), spec.type);
  if (!resource) {
    core.store.requireGroup(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string);
    return { status: 204 };
  }
  spec.refuseDelete?.(core, resource);
  const complete = (): undefined => {
    const current = findTyped(core, resource.arm.id, spec.type);
    if (!current) return undefined;
    core.store.delete(current.arm.id);
    spec.afterDelete?.(core, current);
    emit(core, "delete", current.arm);
    return undefined;
  };
  if (spec.style === "synchronous") {
    complete();
    return { status: 200 };
  }
  (resource.arm.properties ??= {}).provisioningState = "Deleting";
  return startLro(ctx, spec, resource.arm.location, complete, { status: 202 });
}

/** The list, get, create-or-update and delete routes of one type, named `{routes}.listAll|list|get|createOrUpdate|delete`. */
export function familyRoutes(spec: FamilySpec): RouteDefinition[] {
  const path = `${RG_PATH}/providers/${spec.type}/{resourceName}`;
  const list = (ctx: RouteContext, resources: StoredResource[]): RouteResult =>
    pagedList(
      ctx,
      resources.map((resource) => ctx.core.view(resource)),
    );
  return [
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/${provider(spec.type)}/${collection(spec.type)}`,
      name: `${spec.routes}.listAll`,
      handler: (ctx) => list(ctx, ctx.core.store.list({ subscriptionId: ctx.params.subscriptionId as string, type: spec.type })),
    },
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/${spec.type}`,
      name: `${spec.routes}.list`,
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const resourceGroup = ctx.params.resourceGroupName as string;
        ctx.core.store.requireGroup(subscriptionId, resourceGroup);
        return list(ctx, ctx.core.store.list({ subscriptionId, resourceGroup, type: spec.type }));
      },
    },
    {
      method: "GET",
      pattern: path,
      name: `${spec.routes}.get`,
      handler: (ctx) => ({ status: 200, body: ctx.core.view(requireTyped(ctx, spec.type)) }),
    },
    { method: "PUT", pattern: path, name: `${spec.routes}.createOrUpdate`, handler: (ctx) => createOrUpdate(ctx, spec) },
    { method: "DELETE", pattern: path, name: `${spec.routes}.delete`, handler: (ctx) => remove(ctx, spec) },
  ];
}

/** ARM's read-only basics of a resource built from a body: id, name, type, location, tags, the rest as sent. */
export function baseResource(input: { id: string; name: string; body: Json; existing?: StoredResource }, type: string): ArmResource {
  const { id, name, body, existing } = input;
  const { properties: _properties, location, tags, ...topLevel } = body;
  const { properties: _p, ...previousTop } = existing?.arm ?? ({} as Partial<ArmResource>);
  return {
    ...previousTop,
    ...topLevel,
    id,
    name,
    type,
    location: normaliseLocation(typeof location === "string" ? location : (existing?.arm.location ?? "westeurope")),
    tags: (asObject(tags) as Record<string, string> | undefined) ?? existing?.arm.tags ?? {},
  };
}
