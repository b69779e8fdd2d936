/**
 * The shape of an Azure RBAC permission as Governor declares it: each action module names the
 * ARM operations its executor sends, each activity those it sends itself, and the template's two
 * custom roles hold exactly their union (see orchestrations/activities/permissions.ts).
 */

/** Where a permission is granted: the whole subscription, or the drill resource group only. */
export type PermissionScope = "subscription" | "drill-resource-group";

export interface ArmPermission {
  /** The RBAC action, as a role definition spells it. */
  operation: string;
  why: string;
  /**
   * `request`: a request of Governor's is authorised by it (the emulator's log shows it).
   * `linked`: Azure checks it on another resource than the one the request names (a linked
   * access check), so no request shows it; `source` says where Azure documents it.
   */
  evidence: "request" | "linked";
  source?: string;
  /** Where the role holding it is assigned; `subscription` when absent. */
  scope?: PermissionScope;
}

export const scopeOf = (permission: ArmPermission): PermissionScope => permission.scope ?? "subscription";

/**
 * Reading any resource: Governor inventories the whole subscription (Resource Graph shows only
 * what its caller may read), and an event may name a resource of any type. It grants no `list*`
 * action (keys, secrets) and no data-plane access: it is what Reader holds.
 */
export const READ_ANY: ArmPermission = {
  operation: "*/read",
  why: "read resources, resource groups, Resource Graph, metrics, backup items and operation status",
  evidence: "request",
};
