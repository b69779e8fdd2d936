/**
 * The plan an approval is asked for, as people see it (resources with their state when asked,
 * the action, the reason, the estimated savings), and its hash: what a token is bound to, so a
 * link approves exactly the plan it showed.
 */
import { createHash } from "node:crypto";
import { subscriptionOfId } from "../azure/resourceId.ts";

export interface PlannedResource {
  resourceId: string;
  resourceName: string;
  reason: string;
  estimatedMonthlySavings: number;
  /** The resource as read when the request was made: gone, power state, location, size, environment tag. */
  state?: { exists: boolean; powerState?: string; location?: string; sku?: string; environment?: string };
}

export interface ApprovalPlan {
  policy: string;
  action: string;
  resources: PlannedResource[];
  currency: string;
  /** A plan too large to list whole: `resources` is its first part, this is all of it. */
  total?: { resources: number; estimatedMonthlySavings: number };
}

/** How many resources the plan covers, listed or not. */
export function plannedResources(plan: ApprovalPlan): number {
  return plan.total?.resources ?? plan.resources.length;
}

/** JSON with sorted keys: the same plan gives the same text, whatever order its fields were built in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the plan (resources in id order, ids case-folded as ARM compares them), base64url. */
export function planHash(plan: ApprovalPlan): string {
  const resources = [...plan.resources]
    .map((resource) => ({ ...resource, resourceId: resource.resourceId.toLowerCase() }))
    .sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
  return createHash("sha256")
    .update(canonical({ policy: plan.policy, action: plan.action, currency: plan.currency, resources, total: plan.total }))
    .digest("base64url");
}

export function totalSavings(plan: ApprovalPlan): number {
  if (plan.total !== undefined) return Math.round(plan.total.estimatedMonthlySavings * 100) / 100;
  return Math.round(plan.resources.reduce((sum, resource) => sum + resource.estimatedMonthlySavings, 0) * 100) / 100;
}

export function formatMoney(amount: number, currency: string): string {
  return `${Math.round(amount).toLocaleString("en-GB")} ${currency}`;
}

/** "Deallocate 6 VMs under stop-idle-nonprod-vms: saves about 410 EUR a month" */
export function planTitle(plan: ApprovalPlan): string {
  const count = plannedResources(plan);
  const verb = plan.action.charAt(0).toUpperCase() + plan.action.slice(1).replace(/-/g, " ");
  const savings = totalSavings(plan);
  return `${verb} ${count} resource${count === 1 ? "" : "s"} (${plan.policy})${savings > 0 ? `: saves about ${formatMoney(savings, plan.currency)} a month` : ""}`;
}

/** "subscription 0b7e…", the one the resource's id names: for approvers of a deployment that governs several. */
export function subscriptionLine(resource: PlannedResource): string {
  return `subscription ${subscriptionOfId(resource.resourceId) ?? "unknown"}`;
}

export function describeState(resource: PlannedResource): string {
  const state = resource.state;
  if (state === undefined) return "state not read";
  if (!state.exists) return "gone";
  return [state.powerState, state.sku, state.location, state.environment === undefined ? undefined : `environment=${state.environment}`]
    .filter((part) => part !== undefined && part !== "")
    .join(", ");
}
