/**
 * The daily digest as a message: what changed since yesterday's digest, from the audit trail.
 * Pure: records in, the digest's figures and its `Notification` out; the daily timer
 * (shared/notifications/daily.ts) reads the trail and sends it.
 *
 * Findings are compared as each policy's latest sweep saw them: now, and at yesterday's digest.
 * A finding the latest sweep has and the earlier one had not is new; one the earlier had and the
 * latest has not is resolved (every sweep leaves a `sweep` mark, findings or none).
 *
 * Azure Policy's compliance of Governor's assignment comes beside them: today's reading of Policy
 * Insights against the previous day's snapshot, or "unavailable" with the error's code.
 *
 * A deployment that governs several subscriptions names the subscription of what each line
 * counts (the one its resource ids name): the same policy finds in each, and "2 new findings"
 * alone does not say whose they are.
 */
import { saves } from "../actions/index.ts";
import { remediationOfApproval } from "../../orchestrations/names.ts";
import { resourceNameOf, subscriptionKeyOf } from "../azure/resourceId.ts";
import type { AuditRecord } from "../audit/record.ts";
import { latestSweeps } from "../audit/sweeps.ts";
import { changeText, type ComplianceToday, complianceToday } from "../azurePolicy/complianceChanges.ts";
import type { ComplianceReading } from "../azurePolicy/complianceHistory.ts";
import type { GroupSubscription } from "../inventory/groupSubscriptions.ts";
import type { Verdict } from "../policy/types.ts";
import { formatIsoDate } from "../time/holidays.ts";
import { wallClock } from "../time/schedule.ts";
import type { Line, Notification } from "./message.ts";

export interface SavingsSummary {
  currency: string;
  /** What the changes applied this month save a month, as estimated when they were decided. */
  estimated: number;
  /** Measured from Cost Management once it can be; undefined: not measured yet. */
  realised: number | undefined;
}

/** Where the digest's savings come from: the savings ledger once it exists, the trail's estimates until then. */
export interface SavingsSummarySource {
  monthToDate(now: Date): Promise<SavingsSummary | undefined>;
}

export interface FindingCount {
  policy: string;
  verdict: Verdict;
  /** Counted per subscription too (lower case), when several are governed. */
  subscriptionId?: string;
  count: number;
}

export interface PendingApproval {
  instanceId: string;
  policy: string;
  resources: number;
  /** The subscriptions of the plan's listed resources (lower case), in id order. */
  subscriptions?: string[];
  expiresAt?: string;
  link?: string;
}

export interface DrillStatus {
  server: string;
  at: string;
  outcome: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  rtoMinutes?: number;
  rpoMinutes?: number;
  rtoMet?: boolean;
  rpoMet?: boolean;
  failures: string[];
}

export interface DigestContent {
  /** The local date of the digest (the policy file's time zone). */
  date: string;
  timeZone: string;
  since: string;
  until: string;
  opened: FindingCount[];
  resolved: FindingCount[];
  changes: { applied: number; failed: number; skipped: number; "already-done": number };
  failedChanges: Array<{ policy: string; resource: string; subscriptionId?: string; reason: string }>;
  pending: PendingApproval[];
  drills: DrillStatus[];
  budget: string;
  savings: SavingsSummary | undefined;
  /** Azure Policy compliance of Governor's assignment; absent when the baseline is not assigned (or was not read). */
  azurePolicy?: DigestAzurePolicy;
  reportUrl?: string;
  /** The governed subscriptions, when there are several: then the lines name the subscription of what they count. */
  subscriptions?: string[];
  /**
   * The management group's subscriptions Governor does not govern (`GOVERNOR_MANAGEMENT_GROUP`):
   * added to the group since the deployment, their events not wired yet. Or why they could not be read.
   */
  ungoverned?: DigestUngoverned;
  /**
   * A scope's digest (`scopes: … digest: { to }`): what is in the scope, to its team by email. It
   * leaves the budget, the savings and Azure Policy's compliance to the platform's digest.
   */
  team?: { scope: string; to: string[] };
}

export type DigestUngoverned = { managementGroup: string; subscriptions: GroupSubscription[] } | { managementGroup: string; error: string };

/** The section that names them, and what to do; none when every subscription of the group is governed. */
export function ungovernedSection(ungoverned: DigestUngoverned | undefined): { heading: string; lines: Line[] } | undefined {
  if (ungoverned === undefined) return undefined;
  const heading = `Not governed yet (management group ${ungoverned.managementGroup})`;
  if ("error" in ungoverned) return { heading, lines: [`the group's subscriptions could not be read: ${ungoverned.error}`] };
  if (ungoverned.subscriptions.length === 0) return undefined;
  return {
    heading,
    lines: [
      ...ungoverned.subscriptions.map(
        (each) =>
          `subscription ${each.subscriptionId}${each.name ? ` (${each.name})` : ""}: events not wired yet, neither planned nor changed`,
      ),
      "add them to governedSubscriptionIds and redeploy infra/managementGroup.json",
    ],
  };
}

export type DigestAzurePolicy = { status: "ok"; today: ComplianceToday } | { status: "unavailable"; code: string };

/** What the digest shows of a compliance reading: the baseline not assigned shows nothing. */
export function digestAzurePolicy(reading: ComplianceReading | undefined): DigestAzurePolicy | undefined {
  if (reading?.status === "unavailable") return { status: "unavailable", code: reading.code };
  if (reading?.status !== "ok") return undefined;
  return { status: "ok", today: complianceToday(reading.snapshot, reading.history) };
}

const key = (record: AuditRecord): string => `${record.policy ?? ""}|${(record.resourceId ?? "").toLowerCase()}`;
const nameOf = (resourceId: string | undefined): string => resourceNameOf(resourceId ?? "");

/**
 * The findings of each policy's latest sweep at or before `at`, by policy and resource: what the
 * subscription looked like to Governor then. Records of event checks are left out (they see one
 * resource, not the policy's whole scope).
 */
export function findingsAsOf(records: readonly AuditRecord[], at: Date): Map<string, AuditRecord> {
  const sweeps = new Set([...latestSweeps(records, at).values()].map((sweep) => sweep.instanceId));
  const findings = new Map<string, AuditRecord>();
  for (const record of records)
    if (record.kind === "finding" && record.instanceId !== undefined && sweeps.has(record.instanceId)) findings.set(key(record), record);
  return findings;
}

function countBy(records: Iterable<AuditRecord>, bySubscription: boolean): FindingCount[] {
  const counts = new Map<string, FindingCount>();
  for (const record of records) {
    const verdict = record.verdict ?? "audit";
    const subscriptionId = bySubscription ? subscriptionKeyOf(record.resourceId) : undefined;
    const id = `${record.policy}|${verdict}|${subscriptionId ?? ""}`;
    const entry = counts.get(id) ?? { policy: record.policy ?? "", verdict, ...(subscriptionId ? { subscriptionId } : {}), count: 0 };
    entry.count += 1;
    counts.set(id, entry);
  }
  return [...counts.values()].sort(
    (a, b) =>
      (a.subscriptionId ?? "").localeCompare(b.subscriptionId ?? "") ||
      a.policy.localeCompare(b.policy) ||
      a.verdict.localeCompare(b.verdict),
  );
}

/** New and resolved findings between two instants, by policy and verdict (and subscription, when several are governed). */
export function findingChanges(
  records: readonly AuditRecord[],
  since: Date,
  until: Date,
  options: { bySubscription?: boolean } = {},
): { opened: FindingCount[]; resolved: FindingCount[] } {
  const before = findingsAsOf(records, since);
  const now = findingsAsOf(records, until);
  const bySubscription = options.bySubscription ?? false;
  return {
    opened: countBy(
      [...now.entries()].filter(([id]) => !before.has(id)).map(([, record]) => record),
      bySubscription,
    ),
    resolved: countBy(
      [...before.entries()].filter(([id]) => !now.has(id)).map(([, record]) => record),
      bySubscription,
    ),
  };
}

/** The last drill of each server, from its `drill` records. */
export function lastDrills(records: readonly AuditRecord[]): DrillStatus[] {
  const latest = new Map<string, AuditRecord>();
  for (const record of records) {
    if (record.kind !== "drill" || record.resourceId === undefined) continue;
    const id = record.resourceId.toLowerCase();
    const seen = latest.get(id);
    if (!seen || seen.at < record.at) latest.set(id, record);
  }
  return [...latest.values()]
    .map((record): DrillStatus => {
      const details = (record.details ?? {}) as {
        server?: { name?: string };
        outcome?: string;
        rtoSeconds?: number;
        rpoSeconds?: number;
        rtoMet?: boolean;
        rpoMet?: boolean;
        objectives?: { rtoMinutes?: number; rpoMinutes?: number };
        failures?: string[];
      };
      return {
        server: details.server?.name ?? nameOf(record.resourceId),
        at: record.at,
        outcome: details.outcome ?? record.outcome ?? "unknown",
        ...(details.rtoSeconds === undefined ? {} : { rtoSeconds: details.rtoSeconds }),
        ...(details.rpoSeconds === undefined ? {} : { rpoSeconds: details.rpoSeconds }),
        ...(details.objectives?.rtoMinutes === undefined ? {} : { rtoMinutes: details.objectives.rtoMinutes }),
        ...(details.objectives?.rpoMinutes === undefined ? {} : { rpoMinutes: details.objectives.rpoMinutes }),
        ...(details.rtoMet === undefined ? {} : { rtoMet: details.rtoMet }),
        ...(details.rpoMet === undefined ? {} : { rpoMet: details.rpoMet }),
        failures: details.failures ?? [],
      };
    })
    .sort((a, b) => a.server.localeCompare(b.server));
}

/**
 * Approvals asked and not yet decided nor expired, with the details of their latest request
 * (round): the plan hash and deadline a fresh link is signed for.
 */
export function pendingApprovals(
  lookBack: readonly AuditRecord[],
  at: Date,
  /** A scope's digest: only the approvals of resources in it, each counting those alone. */
  inScope?: (resourceId: string) => boolean,
): Array<PendingApproval & { planHash?: string; approvalId: string }> {
  const decided = new Set(lookBack.filter((record) => record.kind === "approval").map((record) => record.instanceId));
  // Each approval's latest request, by approval instance, with the remediation it belongs to.
  const latest = new Map<string, { record: AuditRecord; workflow: string }>();
  for (const record of lookBack) {
    if (record.kind !== "notice" || !/:approval-requested(:\d+)?$/.test(record.id) || record.instanceId === undefined) continue;
    const workflow = remediationOfApproval(record.instanceId);
    if (workflow === undefined) continue;
    const seen = latest.get(record.instanceId);
    if (!seen || seen.record.at < record.at) latest.set(record.instanceId, { record, workflow });
  }
  const pending: Array<PendingApproval & { planHash?: string; approvalId: string }> = [];
  for (const [approvalId, { record, workflow }] of latest) {
    const details = (record.details ?? {}) as { expiresAt?: string; planHash?: string; resources?: unknown[]; delivery?: string };
    if (decided.has(workflow)) continue;
    if (details.expiresAt !== undefined && Date.parse(details.expiresAt) <= at.getTime()) continue;
    const listed = Array.isArray(details.resources) ? details.resources : [];
    const resources = inScope ? listed.filter((resource) => typeof resource === "string" && inScope(resource)) : listed;
    if (inScope && resources.length === 0) continue;
    const subscriptions = [
      ...new Set(resources.flatMap((resource) => subscriptionKeyOf(typeof resource === "string" ? resource : undefined) ?? [])),
    ].sort();
    pending.push({
      instanceId: workflow,
      approvalId,
      policy: record.policy ?? "",
      resources: resources.length,
      ...(subscriptions.length > 0 ? { subscriptions } : {}),
      ...(details.expiresAt === undefined ? {} : { expiresAt: details.expiresAt }),
      ...(details.planHash === undefined ? {} : { planHash: details.planHash }),
    });
  }
  return pending.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

/** The budget's state this month, from the latest budget response in the trail. */
export function budgetStatus(notices: readonly AuditRecord[], monthStart: Date): string {
  const responses = notices
    .filter((record) => record.kind === "notice" && record.trigger.type === "budget-alert" && record.action !== "deliver")
    .filter((record) => Date.parse(record.at) >= monthStart.getTime())
    .sort((a, b) => a.at.localeCompare(b.at));
  const last = responses.at(-1);
  if (!last) return "no budget alert this month";
  return `${responses.length} budget alert(s) this month; the latest (${last.at.slice(0, 10)}): ${last.reason.split(". ")[0] ?? last.reason}`;
}

/** The estimate of what the changes applied since an instant save a month: the plans' estimates of changes that save (starts do not). */
export function estimatedSavings(outcomes: readonly AuditRecord[], decisions: readonly AuditRecord[]): number {
  const byId = new Map(decisions.filter((record) => record.kind === "decision").map((record) => [record.id, record]));
  let total = 0;
  for (const record of outcomes) {
    if (record.kind !== "outcome" || record.outcome !== "applied" || !saves(record.action ?? "") || record.resourceId === undefined)
      continue;
    const estimate = (
      byId.get(`${record.instanceId}:plan:${record.resourceId.toLowerCase()}`)?.details as { estimatedMonthlySavings?: unknown } | undefined
    )?.estimatedMonthlySavings;
    if (typeof estimate === "number") total += estimate;
  }
  return Math.round(total * 100) / 100;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;
const money = (value: number, currency: string): string => `${Math.round(value).toLocaleString("en-US")} ${currency}`;

function minutes(seconds: number | undefined): string {
  if (seconds === undefined) return "unknown";
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 6) / 10} min`;
}

export function drillLine(drill: DrillStatus): string {
  const rto = `RTO ${minutes(drill.rtoSeconds)}${drill.rtoMinutes === undefined ? "" : ` (objective ${drill.rtoMinutes} min${drill.rtoMet === false ? ", MISSED" : ""})`}`;
  const rpo = `RPO ${minutes(drill.rpoSeconds)}${drill.rpoMinutes === undefined ? "" : ` (objective ${drill.rpoMinutes} min${drill.rpoMet === false ? ", MISSED" : ""})`}`;
  return `${drill.server}: ${drill.outcome} on ${drill.at.slice(0, 10)}; ${rto}, ${rpo}`;
}

/** Nothing opened, resolved, changed or waiting: the day the digest says so in one line. */
export function isEmptyDay(content: DigestContent): boolean {
  const { changes } = content;
  return (
    content.opened.length === 0 &&
    content.resolved.length === 0 &&
    changes.applied + changes.failed + changes.skipped + changes["already-done"] === 0 &&
    content.pending.length === 0
  );
}

const total = (counts: readonly FindingCount[]): number => counts.reduce((sum, count) => sum + count.count, 0);

/**
 * The digest's section on Azure Policy: the baseline's count and its change since the previous
 * snapshot, then each reference with non-compliant resources or a changed count; or why there is none.
 */
export function azurePolicySection(azurePolicy: DigestAzurePolicy): { heading: string; lines: Line[] } {
  const heading = "Azure Policy: the Governor baseline";
  if (azurePolicy.status === "unavailable") return { heading, lines: [`Azure Policy compliance unavailable: ${azurePolicy.code}`] };
  const { today } = azurePolicy;
  const since = (change: number | undefined): string =>
    change === undefined || today.since === undefined ? "" : `, ${changeText(change)} since ${today.since}`;
  return {
    heading,
    lines: [
      `${plural(today.nonCompliantResources, "non-compliant resource")}${since(today.change)}`,
      ...today.references
        .filter((reference) => reference.nonCompliantResources > 0 || (reference.change ?? 0) !== 0)
        .map(
          (reference) =>
            `${reference.referenceId} (${reference.definition}, ${reference.effect}): ${reference.nonCompliantResources} non-compliant${since(reference.change)}`,
        ),
    ],
  };
}

export function digestMessage(content: DigestContent): Notification {
  const wall = wallClock(new Date(content.until), content.timeZone);
  const team = content.team;
  const title = team ? `Daily digest of ${team.scope}, ${formatIsoDate(wall.date)}` : `Daily digest, ${formatIsoDate(wall.date)}`;
  const links = content.reportUrl ? [{ title: "Open the report", url: content.reportUrl }] : [];
  const base = team
    ? {
        // A scope's name may hold what a table key cannot (`/`, `#`, `?`).
        id: `digest:${encodeURIComponent(team.scope)}:${content.date}`,
        kind: "digest" as const,
        audience: { type: "team" as const, scope: team.scope, addresses: team.to },
        title,
        links,
      }
    : { id: `digest:${content.date}`, kind: "digest" as const, audience: { type: "platform" as const }, title, links };
  const ungoverned = ungovernedSection(content.ungoverned);
  // Both shown on a quiet day too: a subscription waiting to be wired is something to do.
  const policySections = [...(ungoverned ? [ungoverned] : []), ...(content.azurePolicy ? [azurePolicySection(content.azurePolicy)] : [])];
  if (isEmptyDay(content))
    return {
      ...base,
      summary: "Nothing new since yesterday: no finding opened or resolved, no change made, no approval waiting.",
      ...(policySections.length > 0 ? { sections: policySections } : {}),
    };
  const { changes } = content;
  const summary =
    `${plural(total(content.opened), "new finding")}, ${total(content.resolved)} resolved; ` +
    `${plural(changes.applied, "change")} applied, ${changes.failed} failed, ${changes.skipped} skipped; ` +
    `${plural(content.pending.length, "approval")} waiting.`;
  const several = (content.subscriptions?.length ?? 0) > 1;
  const inSubscriptions = (ids: readonly string[] | undefined): string =>
    several && ids !== undefined && ids.length > 0 ? ` in subscription${ids.length === 1 ? "" : "s"} ${ids.join(", ")}` : "";
  const findingLine = (count: FindingCount): string =>
    `${count.policy} (${count.verdict})${inSubscriptions(count.subscriptionId === undefined ? undefined : [count.subscriptionId])}: ${count.count}`;
  const sections: Array<{ heading: string; lines: Line[] }> = [];
  if (content.opened.length > 0) sections.push({ heading: "New since yesterday", lines: content.opened.map(findingLine) });
  if (content.resolved.length > 0) sections.push({ heading: "Resolved since yesterday", lines: content.resolved.map(findingLine) });
  // Azure Policy's view of the same estate, beside Governor's findings.
  sections.push(...policySections);
  sections.push({
    heading: "Changes",
    lines: [
      `applied ${changes.applied}, already done ${changes["already-done"]}, skipped ${changes.skipped}, failed ${changes.failed}`,
      ...content.failedChanges.map(
        (failure) =>
          `FAILED ${failure.resource} (${failure.policy}${several && failure.subscriptionId ? `, subscription ${failure.subscriptionId}` : ""}): ${failure.reason}`,
      ),
    ],
  });
  if (content.pending.length > 0)
    sections.push({
      heading: "Waiting for approval",
      lines: content.pending.map((pending) => {
        const text = `${pending.policy}: ${plural(pending.resources, "resource")}${inSubscriptions(pending.subscriptions)}${pending.expiresAt ? `, until ${pending.expiresAt.slice(0, 16).replace("T", " ")} UTC` : ""}`;
        return pending.link ? { text, url: pending.link } : `${text} (no link: the approval key or base URL is not set)`;
      }),
    });
  if (content.drills.length > 0)
    sections.push({ heading: "Restore drills (the last of each server)", lines: content.drills.map(drillLine) });
  // The budget and the savings are the platform's (one budget and ledger per deployment).
  if (team) return { ...base, summary, sections };
  const facts = [
    { title: "Budget", value: content.budget },
    {
      title: "Savings this month",
      value: content.savings
        ? `${money(content.savings.estimated, content.savings.currency)} a month estimated; realised: ${content.savings.realised === undefined ? "not measured yet" : money(content.savings.realised, content.savings.currency)}`
        : "none recorded",
    },
  ];
  return { ...base, summary, facts, sections };
}
