/**
 * Resource groups: an empty one is an orphan (not billed: clutter). Groups are not in Resource
 * Graph's `Resources` table but in `ResourceContainers`, which the inventory already reads for
 * the tags resources inherit (`Inventory.resourceGroups`); policies written for `resource-group`
 * take their candidates from there (shared/policy/evaluate.ts), and whether a group is empty is
 * read from the inventory's resources (on a fresh read, from ARM's list of the group).
 */
import { rawBody, unlessNotFound, withPolicies } from "../azure/armRead.ts";
import { resourcesClient } from "../azure/clients.ts";
import { describeResourceType } from "./descriptor.ts";

/** As Resource Graph, RBAC and Azure Policy name the type (ARM's own GET answers `Microsoft.Resources/resourceGroups`). */
export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/subscriptions/resourceGroups";

export const resourceGroup = describeResourceType({
  kind: "resource-group",
  armType: RESOURCE_GROUP_TYPE,
  properties: [],
  price: { per: "free" },
  // Microsoft.Resources is not a provider the event path checks: an empty group is a sweep's finding.
  events: [],
  reread: {
    // The api-version @azure/arm-resources sends.
    apiVersion: "2025-04-01",
    read: async (target, { name }, options) => {
      const client = withPolicies(await resourcesClient(target), options);
      const body = await unlessNotFound(() => rawBody((onResponse) => client.resourceGroups.get(name, { onResponse })));
      return body === undefined ? undefined : { ...body, type: RESOURCE_GROUP_TYPE };
    },
  },
});
