/**
 * Microsoft.Management/managementGroups and the subscriptions list: the tenant's hierarchy as the
 * Management Groups API answers it (a group with its children, its descendants paged) and the
 * subscriptions the caller can see (Microsoft.Resources' `GET /subscriptions`).
 */
import type { EmulatorCore } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import type { ManagementGroup } from "../managementGroups.ts";
import { pagedList } from "../paging.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";

const GROUP_TYPE = "Microsoft.Management/managementGroups";
/** How a group's `children` name a subscription, as the reference payload spells it. */
const SUBSCRIPTION_CHILD_TYPE = "/subscriptions";
const SUBSCRIPTION_DESCENDANT_TYPE = "Microsoft.Management/managementGroups/subscriptions";
/** The `$filter` the REST reference gives for leaving subscriptions out of `children`. */
const NO_SUBSCRIPTIONS_FILTER = /^\s*children\.childType\s+ne\s+subscription\s*$/i;
/** Who last changed the hierarchy: the emulator's operator, no identity of Governor's. */
const UPDATED_BY = "00000000-0000-0000-0000-000000000000";

const groupId = (name: string): string => `/providers/${GROUP_TYPE}/${name}`;

function requireGroup(core: EmulatorCore, name: string): ManagementGroup {
  const group = core.managementGroups.group(name);
  // Azure answers a group the caller cannot see the same way as one that does not exist.
  if (!group) throw new ArmError(404, "NotFound", `The management group '${name}' was not found or you do not have access to it.`);
  return group;
}

interface ChildInfo {
  id: string;
  type: string;
  name: string;
  displayName: string;
  children?: ChildInfo[];
}

function childrenOf(core: EmulatorCore, group: ManagementGroup, recurse: boolean, withSubscriptions: boolean): ChildInfo[] {
  const groups = group.groups.map((name): ChildInfo => {
    const child = core.managementGroups.group(name) as ManagementGroup;
    return {
      id: groupId(child.name),
      type: GROUP_TYPE,
      name: child.name,
      displayName: child.displayName,
      ...(recurse ? { children: childrenOf(core, child, true, withSubscriptions) } : {}),
    };
  });
  if (!withSubscriptions) return groups;
  const subscriptions = core.managementGroups.subscriptionsIn(group, core.store.subscriptions).map((subscriptionId): ChildInfo => ({
    id: `/subscriptions/${subscriptionId}`,
    type: SUBSCRIPTION_CHILD_TYPE,
    name: subscriptionId,
    displayName: core.subscriptionDisplayName(subscriptionId),
  }));
  return [...groups, ...subscriptions];
}

function getGroup(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const group = requireGroup(core, ctx.params.groupId as string);
  const expand = ctx.query.get("$expand")?.toLowerCase();
  if (expand !== undefined && !["children", "path", "ancestors"].includes(expand)) {
    throw badRequest(`The value '${expand}' of $expand is not one of children, path or ancestors.`, "InvalidExpandParameter");
  }
  const recurse = ctx.query.get("$recurse")?.toLowerCase() === "true";
  if (recurse && expand !== "children") throw badRequest("$recurse=true needs $expand=children.", "InvalidRecurseParameter");
  const filter = ctx.query.get("$filter");
  if (filter !== null && !NO_SUBSCRIPTIONS_FILTER.test(filter)) {
    throw badRequest(`The $filter '${filter}' is not supported: only 'children.childType ne Subscription' is.`, "InvalidFilterParameter");
  }

  const ancestors = core.managementGroups.ancestorsOf(group);
  const parent = ancestors[0];
  const details: Record<string, unknown> = {
    version: 1,
    updatedTime: core.managementGroups.createdAt,
    updatedBy: UPDATED_BY,
    ...(parent === undefined ? {} : { parent: { id: groupId(parent.name), name: parent.name, displayName: parent.displayName } }),
  };
  if (expand === "path") {
    details.path = [...ancestors]
      .reverse()
      .concat(group)
      .map((element) => ({ name: element.name, displayName: element.displayName }));
  }
  if (expand === "ancestors") {
    details.managementGroupAncestors = ancestors.map((element) => element.name);
    details.managementGroupAncestorsChain = ancestors.map((element) => ({ name: element.name, displayName: element.displayName }));
  }
  const properties: Record<string, unknown> = { tenantId: core.tenantId, displayName: group.displayName, details };
  if (expand === "children") properties.children = childrenOf(core, group, recurse, filter === null);
  return { status: 200, body: { id: groupId(group.name), type: GROUP_TYPE, name: group.name, properties } };
}

/** Every group and subscription below a group, each after its parent, with its immediate parent. */
function descendantsOf(core: EmulatorCore, group: ManagementGroup): unknown[] {
  const found: unknown[] = [];
  const walk = (current: ManagementGroup): void => {
    const parent = { id: groupId(current.name) };
    for (const name of current.groups) {
      const child = core.managementGroups.group(name) as ManagementGroup;
      found.push({ name: child.name, type: GROUP_TYPE, id: groupId(child.name), properties: { displayName: child.displayName, parent } });
      walk(child);
    }
    for (const subscriptionId of core.managementGroups.subscriptionsIn(current, core.store.subscriptions)) {
      found.push({
        name: subscriptionId,
        type: SUBSCRIPTION_DESCENDANT_TYPE,
        id: `/subscriptions/${subscriptionId}`,
        properties: { displayName: core.subscriptionDisplayName(subscriptionId), parent },
      });
    }
  };
  walk(group);
  return found;
}

function listDescendants(ctx: RouteContext): RouteResult {
  const group = requireGroup(ctx.core, ctx.params.groupId as string);
  const topText = ctx.query.get("$top");
  const top = topText === null ? undefined : Number(topText);
  if (top !== undefined && (!Number.isInteger(top) || top < 1)) throw badRequest(`$top must be a positive whole number, not '${topText}'.`);
  const result = pagedList(ctx, descendantsOf(ctx.core, group), top ?? ctx.core.listPageSize);
  // The last page says `"nextLink": null`, as the reference payload does.
  return { ...result, body: { nextLink: null, ...(result.body as Record<string, unknown>) } };
}

function subscriptionOf(core: EmulatorCore, subscriptionId: string): Record<string, unknown> {
  const id = subscriptionId.toLowerCase();
  return {
    id: `/subscriptions/${id}`,
    authorizationSource: "RoleBased",
    // No other tenant manages the emulated subscriptions (Azure Lighthouse).
    managedByTenants: [],
    subscriptionId: id,
    tenantId: core.tenantId,
    displayName: core.subscriptionDisplayName(id),
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
    tags: {},
  };
}

export function managementGroupRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `/providers/${GROUP_TYPE}/{groupId}`,
      name: "managementGroups.get",
      handler: getGroup,
    },
    {
      method: "GET",
      pattern: `/providers/${GROUP_TYPE}/{groupId}/descendants`,
      name: "managementGroups.getDescendants",
      handler: listDescendants,
    },
    {
      method: "GET",
      pattern: "/subscriptions",
      name: "subscriptions.list",
      handler: (ctx) =>
        pagedList(
          ctx,
          [...ctx.core.store.subscriptions].map((subscriptionId) => subscriptionOf(ctx.core, subscriptionId)),
        ),
    },
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}",
      name: "subscriptions.get",
      // The server has answered SubscriptionNotFound already for one it does not serve.
      handler: (ctx) => ({ status: 200, body: subscriptionOf(ctx.core, ctx.params.subscriptionId as string) }),
    },
  ];
}
