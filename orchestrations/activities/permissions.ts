/**
 * The Azure Resource Manager operations each activity performs: the source of Governor's two
 * custom roles (`infra/azuredeploy.json`), which hold exactly their union instead of Contributor.
 * Each permission has a scope: `subscription` (the default) goes to "Governor operator", assigned
 * at the subscription; `drill-resource-group` goes to "Governor drill operator", assigned at the
 * drill resource group only (GOVERNOR_DRILL_RESOURCE_GROUP), where restore drills create, open
 * and delete their servers. Tests hold both ends: each role's actions equal the union for its
 * scope, every request the activities send to the emulated subscription is an operation listed
 * here for that activity, and every request made under a drill-scoped permission targets the
 * drill resource group.
 *
 * `READ_ANY` (the action "*" + "/read") stands for reading any resource: Governor inventories the
 * whole subscription (Resource Graph shows only what its caller may read), and an event may name
 * a resource of any type. It grants no `list*` action (keys, secrets) and no data-plane access:
 * it is what Reader holds.
 *
 * Storage (the task hub, the audit trail) is not here: the app reaches it through data-plane
 * roles on its own storage account, assigned by the template.
 */
import { ACTION_PERMISSIONS } from "../../shared/actions/index.ts";
import { type ArmPermission, type PermissionScope, READ_ANY, scopeOf } from "../../shared/azure/permissions.ts";
import type { ACTIVITIES } from "../names.ts";

export type { ArmPermission, PermissionScope };

export const ACTIVITY_PERMISSIONS: Record<(typeof ACTIVITIES)[keyof typeof ACTIVITIES], readonly ArmPermission[]> = {
  // What each action module says its executor sends (shared/actions/).
  applyRemediation: [READ_ANY, ...ACTION_PERMISSIONS],
  verifyRemediation: [READ_ANY],
  recordAudit: [],
  loadPlanChunk: [],
  dropPlan: [],
  // Reads each resource of the plan for the request; email goes by the Communication Services key, not RBAC.
  requestApproval: [READ_ANY],
  writeExemptions: [
    {
      operation: "Microsoft.Resources/tags/write",
      why: "merge governor-exempt-until onto the resources an approver exempts",
      evidence: "request",
    },
    {
      operation: "Microsoft.Authorization/policyExemptions/write",
      why: "write the Azure Policy exemption (Waiver, expiring with Governor's) of the Governor baseline on a resource an approver exempts from a policy with an Azure Policy equivalent",
      evidence: "request",
    },
  ],
  recordApprovalStep: [],
  nextScheduleStarts: [READ_ANY],
  planCostResponse: [READ_ANY],
  recordCostNotice: [],
  planPolicy: [READ_ANY],
  syncFormalExemptions: [
    READ_ANY,
    {
      operation: "Microsoft.Authorization/policyExemptions/read",
      why: "read an Azure Policy exemption again before changing it: only one Governor wrote is changed or removed",
      evidence: "request",
    },
    {
      operation: "Microsoft.Authorization/policyExemptions/write",
      why: "write the Azure Policy exemption of a policy file's exemptions entry, or end an approver's early (its expiresOn moved to the governor-exempt-until tag's day)",
      evidence: "request",
    },
    {
      operation: "Microsoft.Authorization/policyExemptions/delete",
      why: "remove an Azure Policy exemption Governor wrote once its policy file entry is removed or has ended, or the approver's governor-exempt-until tag is removed",
      evidence: "request",
    },
  ],
  evaluateResource: [READ_ANY],
  prepareDrill: [READ_ANY],
  startDrillRestore: [
    READ_ANY,
    // A point-in-time restore is a PUT of the new server (in the drill group) naming its source by
    // id. No Azure documentation found for this change describes a linked access check on the
    // source server for it; the source is read under READ_ANY. Not verified against a live subscription: if Azure did check an action on the
    // source, the first drill would fail with AuthorizationFailed naming it, and it would go here
    // as a `linked` subscription-scope permission.
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/write",
      why: "create a drill server by a point-in-time restore (a new server in the drill resource group; the source is only read)",
      evidence: "request",
      scope: "drill-resource-group",
    },
  ],
  pollDrillRestore: [READ_ANY],
  openDrillAccess: [
    READ_ANY,
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write",
      why: "open a public drill server to Governor's outbound address (a restore copies no firewall rules)",
      evidence: "request",
      scope: "drill-resource-group",
    },
  ],
  verifyDrill: [READ_ANY],
  deleteDrillServer: [
    READ_ANY,
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/delete",
      why: "delete the drill server after its drill",
      evidence: "request",
      scope: "drill-resource-group",
    },
  ],
  recordDrill: [],
  sweepExpiredDrills: [
    READ_ANY,
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/delete",
      why: "delete drill servers past their expiry that a drill left behind",
      evidence: "request",
      scope: "drill-resource-group",
    },
  ],
  writeDrillHeartbeats: [READ_ANY],
  // Each resource read and checked again before the task is created; the task itself runs as the assignment's identity.
  startPolicyRemediation: [
    READ_ANY,
    {
      operation: "Microsoft.PolicyInsights/remediations/write",
      why: "create an Azure Policy remediation task of the Governor baseline's modify or deploy-if-not-exists reference over the resources an approver approved",
      evidence: "request",
    },
  ],
  // The task and its deployments (listDeployments is a POST that Azure authorises as a read).
  pollPolicyRemediation: [READ_ANY],
  updateSavingsLedger: [
    {
      operation: "Microsoft.CostManagement/query/action",
      why: "read the daily actual cost of the resources Governor stopped or deleted, for the savings ledger's realised saving (a Cost Management query is a POST, which */read does not grant)",
      evidence: "request",
    },
  ],
};

/**
 * The actions each role must hold, by the scope it is assigned at, sorted. An action some
 * activity needs subscription-wide is held there only: the narrower role would add nothing.
 */
export function requiredActionsByScope(
  manifest: Record<string, readonly ArmPermission[]> = ACTIVITY_PERMISSIONS,
): Record<PermissionScope, string[]> {
  const all = Object.values(manifest).flat();
  const of = (scope: PermissionScope) => new Set(all.filter((permission) => scopeOf(permission) === scope).map((p) => p.operation));
  const subscription = of("subscription");
  return {
    subscription: [...subscription].sort(),
    "drill-resource-group": [...of("drill-resource-group")].filter((action) => !subscription.has(action)).sort(),
  };
}

/** Whether an RBAC action (with `*` wildcards, case-insensitive as Azure compares them) allows an operation. */
export function allows(action: string, operation: string): boolean {
  const pattern = action
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`, "i").test(operation);
}

/**
 * What the evidence (the operations each activity was seen to perform) says about a manifest:
 * an operation no permission of its activity allows, and a permission backed by requests that
 * no request showed (granted, never used). `linked` permissions cannot be seen and are skipped;
 * `*` + `/read` is satisfied by any read.
 */
export function permissionProblems(
  observed: ReadonlyMap<string, ReadonlySet<string>>,
  manifest: Record<string, readonly ArmPermission[]> = ACTIVITY_PERMISSIONS,
): string[] {
  const problems: string[] = [];
  for (const [activity, operations] of observed) {
    const permissions = manifest[activity];
    if (!permissions) {
      problems.push(`activity ${activity} called Azure but has no entry in the manifest`);
      continue;
    }
    for (const operation of [...operations].sort()) {
      if (!permissions.some((permission) => allows(permission.operation, operation)))
        problems.push(`${activity} performed ${operation}, which its manifest entry does not allow`);
    }
  }
  for (const [activity, permissions] of Object.entries(manifest)) {
    const seen = [...(observed.get(activity) ?? [])];
    for (const permission of permissions) {
      if (permission.evidence !== "request") continue;
      if (!seen.some((operation) => allows(permission.operation, operation)))
        problems.push(`${activity} is granted ${permission.operation}, which no request of the evidence needed`);
    }
  }
  return problems;
}

/** One request of the evidence: the activity that sent it, the operation it stood for, its path. */
export interface ObservedRequest {
  activity: string;
  operation: string;
  path: string;
}

/**
 * Every request that only a drill-scoped permission of its activity allows targets a resource in
 * the drill resource group (`drillGroupId`, `/subscriptions/{id}/resourceGroups/{name}`): else
 * the drill role, assigned at that group only, would not authorise it in Azure.
 */
export function drillScopeProblems(
  requests: Iterable<ObservedRequest>,
  drillGroupId: string,
  manifest: Record<string, readonly ArmPermission[]> = ACTIVITY_PERMISSIONS,
): string[] {
  const problems: string[] = [];
  const prefix = `${drillGroupId.toLowerCase()}/`;
  for (const { activity, operation, path } of requests) {
    const allowing = (manifest[activity] ?? []).filter((permission) => allows(permission.operation, operation));
    if (allowing.length === 0 || allowing.some((permission) => scopeOf(permission) === "subscription")) continue;
    const target = (path.split("?")[0] as string).toLowerCase();
    if (!target.startsWith(prefix))
      problems.push(`${activity} performed ${operation} on ${path}, outside the drill resource group its permission is scoped to`);
  }
  return problems;
}
