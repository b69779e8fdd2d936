/**
 * Microsoft.Resources: resource groups, the generic resources list, generic create/read/delete
 * of any resource by id, and tags at scope (Merge, Replace, Delete).
 */
import type { ResourceTypeHandler } from "../core.ts";
import { badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import { parseArmId, resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";

const MAX_TAGS = 50;

export function resourceManagerTypes(): ResourceTypeHandler[] {
  return [];
}

function groupBody(group: ArmResource): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: group.id,
    name: group.name,
    type: "Microsoft.Resources/resourceGroups",
    location: group.location,
    properties: { provisioningState: (group.properties?.provisioningState as string | undefined) ?? "Succeeded" },
  };
  if (group.tags && Object.keys(group.tags).length > 0) body.tags = group.tags;
  if (group.managedBy !== undefined) body.managedBy = group.managedBy;
  return body;
}

/** ARM's generic list shows top-level resources in resource groups: not child resources (agent pools, protected items) nor budgets. */
function listedByArm(resource: StoredResource): boolean {
  return resource.arm.type.split("/").length === 2 && /\/resourcegroups\//i.test(resource.arm.id);
}

function genericListItem(resource: StoredResource): Record<string, unknown> {
  const { arm } = resource;
  const item: Record<string, unknown> = { id: arm.id, name: arm.name, type: arm.type, location: arm.location };
  for (const key of ["kind", "sku", "managedBy", "identity", "plan", "zones"] as const) {
    if (arm[key] !== undefined) item[key] = arm[key];
  }
  item.tags = arm.tags ?? {};
  return item;
}

/** The `$filter` forms ARM's generic list accepts that Governor uses. */
function applyFilter(resources: StoredResource[], filter: string | null): StoredResource[] {
  if (filter === null || filter.trim() === "") return resources;
  const clauses = filter.split(/\s+and\s+/i);
  let result = resources;
  let tagName: string | undefined;
  for (const clause of clauses) {
    const match = /^\s*(resourceType|location|tagName|tagValue|name)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!match) throw badRequest(`Unsupported $filter clause: ${clause}`, "InvalidFilterInQueryString");
    const field = (match[1] as string).toLowerCase();
    const value = match[2] as string;
    if (field === "resourcetype") result = result.filter((r) => r.arm.type.toLowerCase() === value.toLowerCase());
    else if (field === "location") result = result.filter((r) => r.arm.location?.toLowerCase() === value.toLowerCase());
    else if (field === "name") result = result.filter((r) => r.arm.name.toLowerCase() === value.toLowerCase());
    else if (field === "tagname") {
      tagName = value;
      result = result.filter((r) => findTagKey(r.arm.tags ?? {}, value) !== undefined);
    } else {
      if (tagName === undefined) throw badRequest("tagValue must follow tagName in $filter", "InvalidFilterInQueryString");
      const name = tagName;
      result = result.filter((r) => {
        const key = findTagKey(r.arm.tags ?? {}, name);
        return key !== undefined && r.arm.tags?.[key] === value;
      });
    }
  }
  return result;
}

/** Tag names are case-insensitive in ARM; values are not. */
function findTagKey(tags: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(tags).find((key) => key.toLowerCase() === lower);
}

function validateTags(tags: unknown): Record<string, string> {
  if (tags === null || typeof tags !== "object" || Array.isArray(tags)) throw badRequest("properties.tags must be an object of strings.");
  const entries = Object.entries(tags as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (typeof value !== "string") throw badRequest(`The value of tag '${key}' must be a string.`);
    if (key.length === 0 || key.length > 512 || /[<>%&\\?/]/.test(key))
      throw badRequest(`The tag name '${key}' is invalid.`, "InvalidTagName");
    if (value.length > 256) throw badRequest(`The value of tag '${key}' exceeds 256 characters.`, "InvalidTagValueLength");
  }
  return tags as Record<string, string>;
}

/** Applies a tags PATCH the way ARM does: Merge never touches tags it does not name. */
export function patchTags(current: Record<string, string>, operation: string, patch: Record<string, string>): Record<string, string> {
  const next = { ...current };
  switch (operation.toLowerCase()) {
    case "merge":
      for (const [key, value] of Object.entries(patch)) {
        const existing = findTagKey(next, key);
        if (existing !== undefined) delete next[existing];
        next[existing ?? key] = value;
      }
      break;
    case "replace":
      return { ...patch };
    case "delete":
      for (const [key, value] of Object.entries(patch)) {
        const existing = findTagKey(next, key);
        if (existing !== undefined && (value === "" || next[existing] === value)) delete next[existing];
      }
      break;
    default:
      throw badRequest(`The tags operation '${operation}' is not one of Merge, Replace or Delete.`, "InvalidTagOperation");
  }
  return next;
}

/** A scope is a resource group or a resource (subscription tags are not emulated). */
function tagsTarget(ctx: RouteContext): {
  tags: Record<string, string>;
  set: (tags: Record<string, string>) => void;
  id: string;
  type: string;
} {
  const scope = `/${(ctx.params.scope as string).replace(/^\/+/, "")}`;
  const parsed = parseArmId(scope);
  if (parsed.type?.toLowerCase() === "microsoft.resources/resourcegroups") {
    const group = ctx.core.store.requireGroup(parsed.subscriptionId, parsed.resourceGroup as string);
    return { id: group.id, type: group.type, tags: group.tags ?? {}, set: (tags) => void (group.tags = tags) };
  }
  if (parsed.type === undefined) throw badRequest(`Tags at scope '${scope}' are not supported by the emulator.`);
  const resource = ctx.core.store.require(scope);
  return { id: resource.arm.id, type: resource.arm.type, tags: resource.arm.tags ?? {}, set: (tags) => void (resource.arm.tags = tags) };
}

function tagsBody(id: string, tags: Record<string, string>): Record<string, unknown> {
  return {
    id: `${id}/providers/Microsoft.Resources/tags/default`,
    name: "default",
    type: "Microsoft.Resources/tags",
    properties: { tags },
  };
}

/** `detail`: what the request wrote (`Merge owner=x`), so a change sent twice is told apart from two different tag changes. */
const listedTags = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([name, value]) => `${name}=${value}`)
    .sort()
    .join(",");

function writeTags(ctx: RouteContext, next: Record<string, string>, detail: string): RouteResult {
  if (Object.keys(next).length > MAX_TAGS) {
    throw badRequest(`A resource can have at most ${MAX_TAGS} tags; this request would leave ${Object.keys(next).length}.`, "TooManyTags");
  }
  const target = tagsTarget(ctx);
  target.set(next);
  ctx.core.store.emitChange({
    kind: "write",
    resourceId: target.id,
    resourceType: target.type,
    operationName: "Microsoft.Resources/tags/write",
    detail,
    at: ctx.core.nowIso(),
  });
  return { status: 200, body: tagsBody(target.id, next) };
}

function genericTypeFromPath(provider: string, typeAndName: string): { type: string; names: string[] } {
  const segments = typeAndName.split("/").filter((segment) => segment.length > 0);
  if (segments.length < 2 || segments.length % 2 !== 0)
    throw badRequest(`'${typeAndName}' is not a resource type and name path.`, "InvalidResourceType");
  const types: string[] = [provider];
  const names: string[] = [];
  for (let i = 0; i < segments.length; i += 2) {
    types.push(segments[i] as string);
    names.push(segments[i + 1] as string);
  }
  return { type: types.join("/"), names };
}

/**
 * DELETE of a resource group, long-running as in Azure: the group shows `Deleting`, and when the
 * operation completes everything in it is deleted with it (each deletion reported), then the
 * group. Azure does not refuse a group that still holds resources; a lock in it does (server.ts).
 */
function deleteGroup(ctx: RouteContext): RouteResult {
  const subscriptionId = ctx.params.subscriptionId as string;
  const group = ctx.core.store.requireGroup(subscriptionId, ctx.params.resourceGroupName as string);
  group.properties = { ...(group.properties ?? {}), provisioningState: "Deleting" };
  const emit = (resourceId: string, resourceType: string, operationName: string): void =>
    ctx.core.store.emitChange({ kind: "delete", resourceId, resourceType, operationName, at: ctx.core.nowIso() });
  return ctx.core.lro.start(
    {
      subscriptionId,
      provider: "Microsoft.Resources",
      location: group.location ?? "westeurope",
      complete: () => {
        const current = ctx.core.store.getGroup(subscriptionId, group.name);
        if (!current) return undefined;
        // Children go with their parents; what is left at the end is deleted on its own.
        for (const resource of ctx.core.store.list({ subscriptionId, resourceGroup: group.name })) {
          if (!ctx.core.store.get(resource.arm.id)) continue;
          ctx.core.store.delete(resource.arm.id);
          emit(resource.arm.id, resource.arm.type, `${resource.arm.type}/delete`);
        }
        ctx.core.store.deleteGroup(current.id);
        emit(current.id, "Microsoft.Resources/resourceGroups", "Microsoft.Resources/subscriptions/resourceGroups/delete");
        return undefined;
      },
      finalStatus: 200,
    },
    ctx.baseUrl,
  );
}

export function resourceManagerRoutes(): RouteDefinition[] {
  const rgPath = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}";
  return [
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/resourcegroups",
      name: "resourceGroups.list",
      handler: (ctx) => pagedList(ctx, ctx.core.store.listGroups(ctx.params.subscriptionId as string).map(groupBody)),
    },
    {
      method: "GET",
      pattern: rgPath,
      name: "resourceGroups.get",
      handler: (ctx) => ({
        status: 200,
        body: groupBody(ctx.core.store.requireGroup(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)),
      }),
    },
    {
      method: "HEAD",
      pattern: rgPath,
      name: "resourceGroups.checkExistence",
      handler: (ctx) => ({
        status: ctx.core.store.getGroup(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string) ? 204 : 404,
      }),
    },
    {
      method: "PUT",
      pattern: rgPath,
      name: "resourceGroups.createOrUpdate",
      handler: (ctx) => {
        const body = (ctx.body ?? {}) as { location?: unknown; tags?: unknown; managedBy?: unknown };
        if (typeof body.location !== "string" || body.location.length === 0)
          throw badRequest("The 'location' property is required for a resource group.", "LocationRequired");
        const subscriptionId = ctx.params.subscriptionId as string;
        const name = ctx.params.resourceGroupName as string;
        const existing = ctx.core.store.getGroup(subscriptionId, name);
        const group: ArmResource = {
          id: resourceGroupId(subscriptionId, existing?.name ?? name),
          name: existing?.name ?? name,
          type: "Microsoft.Resources/resourceGroups",
          location: existing?.location ?? body.location,
          tags: body.tags === undefined ? (existing?.tags ?? {}) : validateTags(body.tags),
          properties: { provisioningState: "Succeeded" },
        };
        if (typeof body.managedBy === "string") group.managedBy = body.managedBy;
        ctx.core.store.putGroup(group);
        ctx.core.store.emitChange({
          kind: "write",
          resourceId: group.id,
          resourceType: group.type,
          operationName: "Microsoft.Resources/subscriptions/resourceGroups/write",
          at: ctx.core.nowIso(),
        });
        return { status: existing ? 200 : 201, body: groupBody(group) };
      },
    },
    { method: "DELETE", pattern: rgPath, name: "resourceGroups.delete", handler: deleteGroup },
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/resources",
      name: "resources.list",
      handler: (ctx) => {
        const all = applyFilter(
          ctx.core.store.list({ subscriptionId: ctx.params.subscriptionId as string }).filter(listedByArm),
          ctx.query.get("$filter"),
        );
        const top = Number.parseInt(ctx.query.get("$top") ?? "", 10);
        return pagedList(ctx, all.map(genericListItem), Number.isFinite(top) && top > 0 ? top : undefined);
      },
    },
    {
      method: "GET",
      pattern: `${rgPath}/resources`,
      name: "resources.listByResourceGroup",
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const resourceGroup = ctx.params.resourceGroupName as string;
        ctx.core.store.requireGroup(subscriptionId, resourceGroup);
        const all = applyFilter(ctx.core.store.list({ subscriptionId, resourceGroup }).filter(listedByArm), ctx.query.get("$filter"));
        return pagedList(ctx, all.map(genericListItem));
      },
    },
    {
      method: "GET",
      pattern: `${rgPath}/providers/{provider}/{*typeAndName}`,
      name: "resources.get",
      handler: (ctx) => {
        const id = `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${ctx.params.provider}/${ctx.params.typeAndName}`;
        return { status: 200, body: ctx.core.store.require(id).arm };
      },
    },
    {
      method: "PUT",
      pattern: `${rgPath}/providers/{provider}/{*typeAndName}`,
      name: "resources.createOrUpdate",
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const resourceGroup = ctx.params.resourceGroupName as string;
        ctx.core.store.requireGroup(subscriptionId, resourceGroup);
        const { type, names } = genericTypeFromPath(ctx.params.provider as string, ctx.params.typeAndName as string);
        if (ctx.body === undefined || typeof ctx.body !== "object" || Array.isArray(ctx.body))
          throw badRequest("The request body must be a JSON object.");
        const id = `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${ctx.params.provider}/${ctx.params.typeAndName}`;
        const existing = ctx.core.store.get(id);
        const resource = ctx.core.materialise(type, {
          id,
          name: names.at(-1) as string,
          body: ctx.body as Record<string, unknown>,
          ...(existing ? { existing } : {}),
        });
        ctx.core.store.put(resource);
        ctx.core.store.emitChange({
          kind: "write",
          resourceId: id,
          resourceType: type,
          operationName: `${type}/write`,
          at: ctx.core.nowIso(),
        });
        return { status: existing ? 200 : 201, body: resource.arm };
      },
    },
    {
      method: "DELETE",
      pattern: `${rgPath}/providers/{provider}/{*typeAndName}`,
      name: "resources.delete",
      handler: (ctx) => {
        const id = `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${ctx.params.provider}/${ctx.params.typeAndName}`;
        const existing = ctx.core.store.get(id);
        if (!existing) return { status: 204 };
        ctx.core.store.delete(id);
        ctx.core.store.emitChange({
          kind: "delete",
          resourceId: existing.arm.id,
          resourceType: existing.arm.type,
          operationName: `${existing.arm.type}/delete`,
          at: ctx.core.nowIso(),
        });
        return { status: 200 };
      },
    },
    {
      method: "GET",
      pattern: "/{*scope}/providers/Microsoft.Resources/tags/default",
      name: "tags.getAtScope",
      handler: (ctx) => {
        const target = tagsTarget(ctx);
        return { status: 200, body: tagsBody(target.id, target.tags) };
      },
    },
    {
      method: "PUT",
      pattern: "/{*scope}/providers/Microsoft.Resources/tags/default",
      name: "tags.createOrUpdateAtScope",
      handler: (ctx) => {
        const body = (ctx.body ?? {}) as { properties?: { tags?: unknown } };
        const tags = validateTags(body.properties?.tags ?? {});
        return writeTags(ctx, tags, `Replace ${listedTags(tags)}`);
      },
    },
    {
      method: "PATCH",
      pattern: "/{*scope}/providers/Microsoft.Resources/tags/default",
      name: "tags.updateAtScope",
      handler: (ctx) => {
        const body = (ctx.body ?? {}) as { operation?: unknown; properties?: { tags?: unknown } };
        if (typeof body.operation !== "string") throw badRequest("The 'operation' property (Merge, Replace or Delete) is required.");
        const patch = validateTags(body.properties?.tags ?? {});
        const current = tagsTarget(ctx).tags;
        return writeTags(ctx, patchTags(current, body.operation, patch), `${String(body.operation)} ${listedTags(patch)}`);
      },
    },
    {
      method: "DELETE",
      pattern: "/{*scope}/providers/Microsoft.Resources/tags/default",
      name: "tags.deleteAtScope",
      handler: (ctx) => writeTags(ctx, {}, "Delete all"),
    },
  ];
}
