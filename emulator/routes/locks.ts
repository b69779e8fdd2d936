/**
 * Microsoft.Authorization/locks at any scope: `{scope}/providers/Microsoft.Authorization/locks[/{name}]`,
 * where the scope is a subscription, a resource group or a resource (the SDK's AtSubscriptionLevel,
 * AtResourceGroupLevel, AtResourceLevel and ByScope operations all take this form). A list at a
 * scope shows the locks that apply there, inherited from above included, and those on scopes
 * inside it; `$filter=atScope()` keeps only the first. What a lock refuses is emulator/locks.ts.
 */
import type { EmulatorCore } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { asObject } from "../json.ts";
import { type LockLevel, lockBody, type ManagementLock } from "../locks.ts";
import { pagedList } from "../paging.ts";
import { parseArmId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";

const LEVELS: LockLevel[] = ["CanNotDelete", "ReadOnly"];
const LOCKS = "providers/Microsoft.Authorization/locks";

/** The scope of the request, spelled as the subscription, group or resource is stored; 404 when it does not exist. */
export function existingScope(core: EmulatorCore, raw: string): string {
  // An SDK with an empty parentResourcePath sends `Microsoft.Storage//storageAccounts/...`.
  const scope = `/${raw
    .replace(/^\/+/, "")
    .replace(/\/{2,}/g, "/")
    .replace(/\/+$/, "")}`;
  let parsed;
  try {
    parsed = parseArmId(scope);
  } catch {
    throw badRequest(`'${scope}' is not a subscription, resource group or resource scope.`, "InvalidScope");
  }
  if (!core.store.hasSubscription(parsed.subscriptionId)) {
    throw new ArmError(404, "SubscriptionNotFound", `The subscription '${parsed.subscriptionId}' could not be found.`);
  }
  if (parsed.resourceGroup === undefined) return `/subscriptions/${parsed.subscriptionId}`;
  const group = core.store.requireGroup(parsed.subscriptionId, parsed.resourceGroup);
  if (parsed.type?.toLowerCase() === "microsoft.resources/resourcegroups") return group.id;
  return core.store.require(scope).arm.id;
}

function requireLevel(value: unknown): LockLevel {
  const level = LEVELS.find((candidate) => typeof value === "string" && candidate.toLowerCase() === value.toLowerCase());
  if (!level) {
    throw badRequest(
      `The lock level '${typeof value === "string" ? value : JSON.stringify(value ?? null)}' is not valid: it must be one of ${LEVELS.join(", ")}.`,
      "LockLevelInvalid",
    );
  }
  return level;
}

function list(ctx: RouteContext): RouteResult {
  const scope = existingScope(ctx.core, ctx.params.scope as string);
  const filter = (ctx.query.get("$filter") ?? "").replace(/\s+/g, "").toLowerCase();
  if (filter !== "" && filter !== "atscope()")
    throw badRequest(`The $filter '${ctx.query.get("$filter")}' is not supported.`, "InvalidFilter");
  const applying = ctx.core.locks.covering(scope);
  const locks = filter === "atscope()" ? applying : [...applying, ...ctx.core.locks.within(scope)];
  return pagedList(ctx, locks.map(lockBody));
}

function get(ctx: RouteContext): RouteResult {
  const scope = existingScope(ctx.core, ctx.params.scope as string);
  const lock = ctx.core.locks.get(scope, ctx.params.lockName as string);
  if (!lock) throw new ArmError(404, "LockNotFound", `The lock '${ctx.params.lockName as string}' could not be found.`);
  return { status: 200, body: lockBody(lock) };
}

function put(ctx: RouteContext): RouteResult {
  const scope = existingScope(ctx.core, ctx.params.scope as string);
  const name = ctx.params.lockName as string;
  if (!/^[^<>*%&:\\?/+]{1,260}$/.test(name)) throw badRequest(`The lock name '${name}' is invalid.`, "LockNameInvalid");
  const properties = asObject(asObject(ctx.body)?.properties);
  if (!properties) throw badRequest("The request must have 'properties' with a 'level'.", "InvalidRequestContent");
  const notes = properties.notes;
  if (notes !== undefined && (typeof notes !== "string" || notes.length > 512)) {
    throw badRequest("The lock's notes must be a string of at most 512 characters.", "InvalidRequestContent");
  }
  const existing = ctx.core.locks.get(scope, name);
  const lock: ManagementLock = {
    scope,
    name: existing?.name ?? name,
    level: requireLevel(properties.level),
    ...(typeof notes === "string" && notes.length > 0 ? { notes } : {}),
    ...(Array.isArray(properties.owners) ? { owners: properties.owners as ManagementLock["owners"] } : {}),
  };
  const { created } = ctx.core.locks.put(lock);
  ctx.core.store.emitChange({
    kind: "write",
    resourceId: lockBody(lock).id as string,
    resourceType: "Microsoft.Authorization/locks",
    operationName: "Microsoft.Authorization/locks/write",
    at: ctx.core.nowIso(),
  });
  return { status: created ? 201 : 200, body: lockBody(lock) };
}

function remove(ctx: RouteContext): RouteResult {
  const scope = existingScope(ctx.core, ctx.params.scope as string);
  const lock = ctx.core.locks.get(scope, ctx.params.lockName as string);
  if (!lock) return { status: 204 };
  ctx.core.locks.delete(scope, lock.name);
  ctx.core.store.emitChange({
    kind: "delete",
    resourceId: lockBody(lock).id as string,
    resourceType: "Microsoft.Authorization/locks",
    operationName: "Microsoft.Authorization/locks/delete",
    at: ctx.core.nowIso(),
  });
  return { status: 200 };
}

export function lockRoutes(): RouteDefinition[] {
  return [
    { method: "GET", pattern: `/{*scope}/${LOCKS}`, name: "managementLocks.list", handler: list },
    { method: "GET", pattern: `/{*scope}/${LOCKS}/{lockName}`, name: "managementLocks.get", handler: get },
    { method: "PUT", pattern: `/{*scope}/${LOCKS}/{lockName}`, name: "managementLocks.createOrUpdate", handler: put },
    { method: "DELETE", pattern: `/{*scope}/${LOCKS}/{lockName}`, name: "managementLocks.delete", handler: remove },
  ];
}
