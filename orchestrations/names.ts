/** Names of Governor's orchestrations, activities and events: the contract between them and the triggers. */
import { resourceNameOf } from "../shared/azure/resourceId.ts";
import type { BudgetAlert } from "../shared/triggers/budgetAlerts.ts";
export const ORCHESTRATIONS = {
  remediate: "remediate",
  remediateChunk: "remediateChunk",
  approval: "approval",
  costContainment: "costContainment",
  costNotice: "costNotice",
  sweep: "sweep",
  checkResource: "checkResource",
  restoreDrill: "restoreDrill",
  drillSweeper: "drillSweeper",
  drillHeartbeat: "drillHeartbeat",
  savingsLedger: "savingsLedger",
  policyRemediation: "policyRemediation",
} as const;

export const ACTIVITIES = {
  applyRemediation: "applyRemediation",
  verifyRemediation: "verifyRemediation",
  recordAudit: "recordAudit",
  loadPlanChunk: "loadPlanChunk",
  dropPlan: "dropPlan",
  requestApproval: "requestApproval",
  writeExemptions: "writeExemptions",
  recordApprovalStep: "recordApprovalStep",
  nextScheduleStarts: "nextScheduleStarts",
  planCostResponse: "planCostResponse",
  recordCostNotice: "recordCostNotice",
  planPolicy: "planPolicy",
  syncFormalExemptions: "syncFormalExemptions",
  evaluateResource: "evaluateResource",
  prepareDrill: "prepareDrill",
  startDrillRestore: "startDrillRestore",
  pollDrillRestore: "pollDrillRestore",
  openDrillAccess: "openDrillAccess",
  verifyDrill: "verifyDrill",
  deleteDrillServer: "deleteDrillServer",
  recordDrill: "recordDrill",
  sweepExpiredDrills: "sweepExpiredDrills",
  writeDrillHeartbeats: "writeDrillHeartbeats",
  updateSavingsLedger: "updateSavingsLedger",
  startPolicyRemediation: "startPolicyRemediation",
  pollPolicyRemediation: "pollPolicyRemediation",
} as const;

export const EVENTS = {
  /** Raised on an approval instance by the approval endpoint (or the CLI's --auto-approve). */
  approvalDecision: "ApprovalDecision",
  /** Raised on a restore drill to stop it: the drill server is deleted and the drill recorded as cancelled. */
  cancelDrill: "CancelDrill",
} as const;

/**
 * Instance ids derive from what a workflow acts on, so a duplicate event or a retried timer
 * finds the running instance instead of starting a second one.
 */
export function remediationInstanceId(policy: string, scope: string): string {
  return `remediate:${policy}:${scope}`
    .toLowerCase()
    .replace(/[^a-z0-9:._-]+/g, "-")
    .slice(0, 256);
}

/** The Azure Policy remediation tasks a sweep of a policy starts: one workflow per policy and run. */
export function policyRemediationInstanceId(policy: string, scope: string): string {
  return remediationInstanceId(policy, scope)
    .replace(/^remediate:/, "azure-policy-remediation:")
    .slice(0, 256 - APPROVAL_SUFFIX.length);
}

/** The approval a remediation asks for: its sub-orchestration, one per remediation. */
export function approvalInstanceId(remediationId: string): string {
  return `${remediationId}${APPROVAL_SUFFIX}`;
}

const APPROVAL_SUFFIX = ":approval";

/** The remediation an approval instance belongs to; undefined for an id that is no approval's. */
export function remediationOfApproval(approvalId: string): string | undefined {
  return approvalId.endsWith(APPROVAL_SUFFIX) ? approvalId.slice(0, -APPROVAL_SUFFIX.length) : undefined;
}

/** A chunk of a remediation's plan, carried out by a sub-orchestration of its own. */
export function remediationChunkInstanceId(remediationId: string, chunk: number): string {
  return bounded(`${remediationId}:chunk-${chunk}`, 256);
}

/** Longest instance id of a check or of a remediation it starts (Durable allows 256; remediate adds `:approval`). */
const MAX_CHECK_ID = 180;
const MAX_CHECK_CHILD_ID = 240;

/** 64 bits of FNV-1a (two 32-bit passes) as hex: deterministic, for shortening ids in orchestrators. */
function fnv64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/**
 * A resource id, event id or policy name as part of an instance id: lower case (ARM ids are
 * case-insensitive), `/` as `:`, and every other character but letters, digits, `.`, `_` and `-`
 * as `~XX` (its UTF-8 bytes): Durable instance ids may not contain `/`, `\`, `#`, `?` and travel
 * in URL paths.
 */
export function instanceIdPart(text: string): string {
  let part = "";
  for (const char of text.toLowerCase()) {
    if (char === "/") part += ":";
    else if (/^[a-z0-9._-]$/.test(char)) part += char;
    else part += [...new TextEncoder().encode(char)].map((byte) => `~${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  }
  return part;
}

function bounded(id: string, max: number): string {
  return id.length <= max ? id : `${id.slice(0, max - 18)}~h${fnv64(id)}`;
}

/** The check of one resource: events for the same resource while it runs find it instead of starting another. */
export function checkInstanceId(resourceId: string): string {
  return bounded(`check:${instanceIdPart(resourceId.replace(/^\/+/, ""))}`, MAX_CHECK_ID);
}

/** A remediation a check starts: derived from the check, the event and the policy, so each event's records stay its own. */
export function checkRemediationInstanceId(checkId: string, eventId: string, policy: string): string {
  return bounded(`${checkId}:${instanceIdPart(eventId)}:${instanceIdPart(policy)}`, MAX_CHECK_CHILD_ID);
}

/** A restore drill of one server in one run (a sweep's slot, or a CLI run). */
export function drillInstanceId(serverId: string, scope: string): string {
  const server = resourceNameOf(serverId);
  return bounded(`drill:${instanceIdPart(server)}:${instanceIdPart(scope)}`, MAX_CHECK_ID);
}

/** Durable instance ids cannot hold `/`, `\`, `#`, `?` or control characters. */
const UNSAFE = /[/\\#?\s\u0000-\u001f\u007f]+/g;

/**
 * One policy's sweep in one run: a timer's slot (`sweep:<policy>:<slot ISO>`), or a run of its
 * own named by a label (the CLI's report, `report-<minute>`).
 */
export function sweepInstanceId(policy: string, run: Date | string): string {
  return `sweep:${policy.replace(UNSAFE, "-")}:${typeof run === "string" ? run : run.toISOString()}`.slice(0, 256);
}

/**
 * The response to a budget alert: `budget:<budget>:<type>:<threshold>:<period>`, the same for every
 * delivery of one notification (budget names are case-insensitive). A budget of a governed
 * subscription other than the home one is `budget:<subscription>:<budget>:…`: the management-group
 * template gives every subscription a budget of the same name.
 */
export function budgetInstanceId(
  alert: Pick<BudgetAlert, "budgetName" | "thresholdType" | "thresholdPercent">,
  period: string,
  otherSubscription?: string,
): string {
  const budget = alert.budgetName.trim().toLowerCase().replace(UNSAFE, "-");
  const subscription = otherSubscription === undefined ? [] : [otherSubscription.toLowerCase()];
  return ["budget", ...subscription, budget, alert.thresholdType.toLowerCase(), String(alert.thresholdPercent), period]
    .join(":")
    .slice(0, 256);
}

/** Workflows a timer starts once per slot. */
export type SlotWorkflow = "drill-sweeper" | "drill-heartbeat" | "savings-ledger";

/** The slot a timer fired for, to the minute: a timer firing twice finds that slot's workflow already started. */
export function slotInstanceId(workflow: SlotWorkflow, at: Date): string {
  return `${workflow}:${at.toISOString().slice(0, 16)}`;
}
