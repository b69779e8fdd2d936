/**
 * What the daily timer sends, each time it wakes (every 15 minutes, in UTC as Flex Consumption
 * fires timers): once the wall clock of the policy file's time zone has passed 07:00, the day's
 * digest if it was not sent yet, and the owners' notices not sent yet. Idempotent by the local
 * date: the digest's id is `digest:<date>`, an owner's notice `owner-notice:<date>:<recipient>`,
 * and each is claimed per channel before it is sent. Owners' notices the email pacer holds go out
 * at the next wake-up.
 */
import { parseArmId, resourceNameOf } from "../azure/resourceId.ts";
import { createHash, randomUUID } from "node:crypto";
import { type AuditRecord, GOVERNOR_ACTOR, type Json } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import { approvalLink } from "../approvals/request.ts";
import { signToken } from "../approvals/token.ts";
import { type ComplianceSource, messageOf } from "../azurePolicy/complianceHistory.ts";
import type { GroupSubscription } from "../inventory/groupSubscriptions.ts";
import type { GovernorConfig } from "../config.ts";
import { sweepFindings, sweepsAt } from "../audit/sweeps.ts";
import { covers } from "../policy/scopes.ts";
import type { Policy, PolicySet, ScopeOverride } from "../policy/types.ts";
import { notifyAction } from "../actions/notify.ts";
import { addDays, type CivilDate, formatIsoDate } from "../time/holidays.ts";
import { instantsAt, wallClock, zoneDay } from "../time/schedule.ts";
import type { RetryOptions } from "./channels.ts";
import { type DeliveryReport, deliverNotification, type NotificationChannels } from "./deliver.ts";
import {
  budgetStatus,
  digestAzurePolicy,
  type DigestContent,
  digestMessage,
  type DigestUngoverned,
  estimatedSavings,
  findingChanges,
  findingsAsOf,
  lastDrills,
  pendingApprovals,
  type SavingsSummarySource,
} from "./digest.ts";
import { subscriptionKeyOf } from "../azure/resourceId.ts";
import type { Line, Notification } from "./message.ts";
import type { NotificationStore } from "./store.ts";

/** Every 15 minutes: the timer fires in UTC, the digest follows the policies' wall clock (any offset is a multiple of 15 minutes). */
export const DAILY_TIMER_SCHEDULE = "0 */15 * * * *";
export const DIGEST_HOUR = 7;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Sweeps looked back over to know each policy's latest (the pack's least frequent sweep is weekly). */
const SWEEP_LOOK_BACK_MS = 8 * DAY_MS;
const DRILL_LOOK_BACK_MS = 35 * DAY_MS;
const APPROVAL_LOOK_BACK_MS = 7 * DAY_MS;
/** Days of compliance snapshots read: the latest before today's is what "since" compares with, yesterday's unless a digest was missed. */
const COMPLIANCE_LOOK_BACK_DAYS = 8;

/** The instant the wall clock of the zone shows 07:00 on a date (on a day that skips it, the first instant after). */
export function digestInstant(date: CivilDate, timeZone: string): Date {
  const day = zoneDay(date, timeZone);
  const [first] = instantsAt(day, DIGEST_HOUR * HOUR_MS);
  return new Date(first ?? day.transition ?? day.localMidnight + DIGEST_HOUR * HOUR_MS - day.offsetBefore);
}

/** Today's local date and its 07:00 when that has passed at `at`; undefined before 07:00. */
export function digestDue(at: Date, timeZone: string): { date: string; slot: Date; previous: Date } | undefined {
  const today = wallClock(at, timeZone).date;
  const slot = digestInstant(today, timeZone);
  if (at.getTime() < slot.getTime()) return undefined;
  return { date: formatIsoDate(today), slot, previous: digestInstant(addDays(today, -1), timeZone) };
}

/** The default savings: the plans' estimates of the changes applied since the 1st of the month, nothing realised yet. */
export function trailSavingsSource(trail: AuditTrail, currency: string, timeZone: string): SavingsSummarySource {
  return {
    async monthToDate(now: Date) {
      const { year, month } = wallClock(now, timeZone).date;
      const monthStart = digestInstant({ year, month, day: 1 }, timeZone);
      const start = new Date(monthStart.getTime() - DIGEST_HOUR * HOUR_MS);
      const end = new Date(now.getTime() + 1);
      const [outcomes, decisions] = await Promise.all([
        trail.query({ since: start, until: end, kind: "outcome" }),
        trail.query({ since: new Date(start.getTime() - APPROVAL_LOOK_BACK_MS), until: end, kind: "decision" }),
      ]);
      return { currency, estimated: estimatedSavings(outcomes, decisions), realised: undefined };
    },
  };
}

export interface DailyDependencies {
  config: GovernorConfig;
  policySet: PolicySet;
  trail: AuditTrail;
  store: NotificationStore;
  channels: NotificationChannels;
  now: () => Date;
  savings?: SavingsSummarySource;
  /** Azure Policy compliance, read once per digest and recorded as the day's snapshot. */
  azurePolicy?: ComplianceSource;
  /** The management group's subscriptions Governor does not govern (with `GOVERNOR_MANAGEMENT_GROUP`), read once per digest. */
  ungoverned?: () => Promise<GroupSubscription[]>;
  /** The management groups above each governed subscription (lower-case id → names), for scopes' digests by management group. */
  managementGroups?: () => Promise<Record<string, string[]>>;
  retry?: RetryOptions;
}

export interface DailyRun {
  date?: string;
  digest: "not-due" | "sent-before" | DeliveryReport;
  owners: "not-due" | "done-before" | { reports: DeliveryReport[]; held: number };
  /** The scopes' own digests due at this wake-up (each at 07:00 in its own time zone). */
  teams?: Array<{ scope: string; date: string; digest: "sent-before" | DeliveryReport }>;
}

/** The store's key of a scope's digest of a date: a scope's name may hold what a table key cannot (`/`, `#`, `?`). */
export const teamDigestKey = (scope: string, date: string): string => `digest:${encodeURIComponent(scope)}:${date}`;

/** What a scope's digest keeps of the trail: the resources the scope covers, and how to read it. */
interface TeamDigest {
  scope: ScopeOverride & { digest: { to: string[] } };
  timeZone: string;
  inScope: (resourceId: string) => boolean;
}

/** The records a digest reads of the trail: sweeps' findings and notices, and outcomes, since `since`; approvals and drills further back. */
interface DigestRecords {
  findings: AuditRecord[];
  notices: AuditRecord[];
  outcomes: AuditRecord[];
  approvals: AuditRecord[];
  drills: AuditRecord[];
}

/**
 * The trail's records for digests comparing the instants `asOf` (now, and each digest's previous
 * 07:00). Every sweep records every finding, so the findings of eight days are hundreds of
 * thousands at 10,000 resources; a digest compares only each policy's latest sweep at each instant.
 * So the sweeps' marks are read (one per sweep), then the findings of those sweeps alone: each
 * sweep's by its instance id, in the minutes before its mark (a retried sweep's records keep the
 * first attempt's time).
 */
async function readDigestRecords(trail: AuditTrail, since: Date, at: Date, asOf: readonly Date[] = [since, at]): Promise<DigestRecords> {
  const end = new Date(at.getTime() + 1);
  const swept = new Date(since.getTime() - SWEEP_LOOK_BACK_MS);
  const [notices, outcomes, approvals, drills] = await Promise.all([
    trail.query({ since: swept, until: end, kind: "notice" }),
    trail.query({ since, until: end, kind: "outcome" }),
    trail.query({ since: new Date(at.getTime() - APPROVAL_LOOK_BACK_MS), until: end, kind: "approval" }),
    trail.query({ since: new Date(at.getTime() - DRILL_LOOK_BACK_MS), until: end, kind: "drill" }),
  ]);
  const findings = await sweepFindings(trail, sweepsAt(notices, asOf));
  return { findings, notices, outcomes, approvals, drills };
}

const TRIGGER = { type: "timer", id: "dailyDigest" } as const;

/** The timer's work at one wake-up. */
export async function runDailyNotifications(deps: DailyDependencies): Promise<DailyRun> {
  const at = deps.now();
  const teams = await sendTeamDigests(deps, at);
  const run = await sendPlatformNotifications(deps, at);
  return teams.length === 0 ? run : { ...run, teams };
}

async function sendPlatformNotifications(deps: DailyDependencies, at: Date): Promise<DailyRun> {
  const timeZone = deps.policySet.settings.timeZone;
  const due = digestDue(at, timeZone);
  if (!due) return { digest: "not-due", owners: "not-due" };
  const run: DailyRun = { date: due.date, digest: "sent-before", owners: "done-before" };
  const [digestSent, ownersDone] = await Promise.all([deps.store.state(`digest:${due.date}`), deps.store.state(`owners:${due.date}`)]);
  // Most wake-ups of the day find both sent: they read nothing else.
  if (digestSent === "sent" && ownersDone === "done") return run;
  const read = await readDigestRecords(deps.trail, due.previous, at);
  if (digestSent !== "sent") {
    run.digest = await sendDigest(deps, due, at, read);
    if (run.digest.channels.every((channel) => channel.status !== "held")) await deps.store.setState(`digest:${due.date}`, "sent");
  }
  if (ownersDone !== "done") {
    const owners = await sendOwnerNotices(deps, due.date, at, [...read.findings, ...read.notices]);
    run.owners = owners;
    if (owners.held === 0) await deps.store.setState(`owners:${due.date}`, "done");
  }
  return run;
}

/**
 * The scopes' own digests (`scopes: … digest: { to }`), each once a local date at 07:00 in the
 * scope's time zone, of the resources it covers: a customer's team reads its subscription's
 * findings, changes, approvals and drills, not the others'.
 */
async function sendTeamDigests(deps: DailyDependencies, at: Date): Promise<NonNullable<DailyRun["teams"]>> {
  const scopes = (deps.policySet.scopes ?? []).filter(
    (scope): scope is ScopeOverride & { digest: { to: string[] } } => scope.digest !== undefined,
  );
  const due = scopes.flatMap((scope) => {
    const timeZone = scope.settings.timeZone ?? deps.policySet.settings.timeZone;
    const when = digestDue(at, timeZone);
    return when ? [{ scope, timeZone, when }] : [];
  });
  const sent: NonNullable<DailyRun["teams"]> = [];
  if (due.length === 0) return sent;
  const states = await Promise.all(due.map(({ scope, when }) => deps.store.state(teamDigestKey(scope.name, when.date))));
  const pending = due.filter((_, index) => states[index] !== "sent");
  for (const { scope, when } of due.filter((_, index) => states[index] === "sent"))
    sent.push({ scope: scope.name, date: when.date, digest: "sent-before" });
  if (pending.length === 0) return sent;
  // Only a scope by management group needs the groups above each subscription: one read for all.
  const groups =
    pending.some(({ scope }) => scope.match.managementGroup !== undefined) && deps.managementGroups ? await deps.managementGroups() : {};
  // The trail is read once for every scope due (from the earliest scope's window), each scope keeping its own.
  const earliest = Math.min(...pending.map(({ when }) => when.previous.getTime()));
  const read = await readDigestRecords(deps.trail, new Date(earliest), at, [at, ...pending.map(({ when }) => when.previous)]);
  for (const { scope, timeZone, when } of pending) {
    const inScope = (resourceId: string): boolean => {
      const subscription = subscriptionKeyOf(resourceId);
      return subscription !== undefined && covers(scope, subscription, resourceGroupOf(resourceId), groups[subscription] ?? []);
    };
    const report = await sendDigest(deps, when, at, read, { scope, timeZone, inScope });
    if (report.channels.every((channel) => channel.status !== "held"))
      await deps.store.setState(teamDigestKey(scope.name, when.date), "sent");
    sent.push({ scope: scope.name, date: when.date, digest: report });
  }
  return sent;
}

async function sendDigest(
  deps: DailyDependencies,
  due: { date: string; previous: Date },
  at: Date,
  read: DigestRecords,
  team?: TeamDigest,
): Promise<DeliveryReport> {
  const { trail, policySet, config } = deps;
  const timeZone = team?.timeZone ?? policySet.settings.timeZone;
  const since = due.previous;
  const { year, month } = wallClock(at, timeZone).date;
  const ofScope = (records: AuditRecord[]): AuditRecord[] =>
    team ? records.filter((record) => record.resourceId !== undefined && team.inScope(record.resourceId)) : records;
  // A scope's digest compares its resources' findings; every sweep's mark says which sweeps those are.
  const sweeps = [...ofScope(read.findings), ...read.notices];
  const outcomes = ofScope(read.outcomes.filter((record) => Date.parse(record.at) >= since.getTime()));
  const approvals = read.approvals;
  const drills = ofScope(read.drills);
  const changes = { applied: 0, failed: 0, skipped: 0, "already-done": 0 };
  for (const record of outcomes) if (record.outcome) changes[record.outcome] += 1;
  const recentNotices = read.notices.filter((record) => Date.parse(record.at) >= at.getTime() - APPROVAL_LOOK_BACK_MS);
  // The budget, the savings, Azure Policy's compliance and the group's other subscriptions are the platform's digest's.
  const group = team ? undefined : config.managementGroup;
  const [savings, compliance, ungoverned] = await Promise.all([
    team ? Promise.resolve(undefined) : (deps.savings ?? trailSavingsSource(trail, policySet.settings.currency, timeZone)).monthToDate(at),
    team ? Promise.resolve(undefined) : deps.azurePolicy?.(at, COMPLIANCE_LOOK_BACK_DAYS),
    // A failed read is said in the digest, which still goes out.
    group !== undefined && deps.ungoverned
      ? deps.ungoverned().then(
          (subscriptions): DigestUngoverned => ({ managementGroup: group, subscriptions }),
          (error: unknown): DigestUngoverned => ({ managementGroup: group, error: messageOf(error) }),
        )
      : Promise.resolve(undefined),
  ]);
  const azurePolicy = digestAzurePolicy(compliance);
  const several = config.subscriptions.length > 1;
  const content: DigestContent = {
    date: due.date,
    timeZone,
    since: since.toISOString(),
    until: at.toISOString(),
    ...findingChanges(sweeps, since, at, { bySubscription: several }),
    changes,
    failedChanges: outcomes
      .filter((record) => record.outcome === "failed")
      .map((record) => {
        const subscriptionId = subscriptionKeyOf(record.resourceId);
        return {
          policy: record.policy ?? "",
          resource: resourceNameOf(record.resourceId ?? ""),
          ...(subscriptionId ? { subscriptionId } : {}),
          reason: record.reason,
        };
      }),
    pending: pendingApprovals([...recentNotices, ...approvals], at, team?.inScope).map(({ planHash, approvalId, ...pending }) => {
      const { signingKey, baseUrl } = config.approvals;
      if (!signingKey || !baseUrl || !planHash || !pending.expiresAt) return pending;
      const token = signToken({ jti: randomUUID(), instanceId: approvalId, planHash, exp: Date.parse(pending.expiresAt) }, signingKey);
      return { ...pending, link: approvalLink(baseUrl, approvalId, token) };
    }),
    drills: lastDrills(drills),
    budget: budgetStatus(read.notices, digestInstant({ year, month, day: 1 }, timeZone)),
    savings,
    ...(azurePolicy ? { azurePolicy } : {}),
    ...(config.notifications.reportUrl ? { reportUrl: config.notifications.reportUrl } : {}),
    ...(several ? { subscriptions: config.subscriptions } : {}),
    ...(ungoverned ? { ungoverned } : {}),
    ...(team ? { team: { scope: team.scope.name, to: team.scope.digest.to } } : {}),
  };
  const message = digestMessage(content);
  // The digest as the trail keeps it: its figures without the links (they are signed, and single use).
  await trail.append([digestNotice(content, message, at)]);
  return deliverNotification(message, { ...deliveryDeps(deps), trigger: TRIGGER });
}

function digestNotice(content: DigestContent, message: Notification, at: Date): AuditRecord {
  const details = JSON.parse(
    JSON.stringify({ ...content, pending: content.pending.map(({ link: _link, ...pending }) => pending) }),
  ) as Json;
  return {
    id: message.id,
    at: at.toISOString(),
    kind: "notice",
    action: "digest",
    reason: message.summary,
    trigger: TRIGGER,
    actor: GOVERNOR_ACTOR,
    details,
  };
}

function deliveryDeps(deps: DailyDependencies) {
  return { channels: deps.channels, store: deps.store, trail: deps.trail, now: deps.now, ...(deps.retry ? { retry: deps.retry } : {}) };
}

/** What makes a finding "changed" for its owner: its verdict and reason, less elapsed times in parentheses ("(3 days ago)"). */
export function findingFingerprint(record: Pick<AuditRecord, "verdict" | "reason">): string {
  return createHash("sha256")
    .update(`${record.verdict ?? ""}\n${record.reason.replace(/\s*\([^)]*\)/g, "")}`, "utf8")
    .digest("hex")
    .slice(0, 32);
}

export const PLATFORM_RECIPIENT = "platform-team";

interface Due {
  record: AuditRecord;
  recipient: string;
  note?: string;
  reminder: boolean;
}

/** The owners' notices of the day: per recipient, the findings new, changed, or due for a reminder. */
async function sendOwnerNotices(
  deps: DailyDependencies,
  date: string,
  at: Date,
  sweeps: AuditRecord[],
): Promise<{ reports: DeliveryReport[]; held: number }> {
  // Owners' notices are emails: without the email service they are the audit trail's findings only, every day the same.
  if (deps.channels.email === undefined) return { reports: [], held: 0 };
  const notifyPolicies = new Map<string, Policy>(
    deps.policySet.policies.filter((policy) => policy.action.type === "notify").map((policy) => [policy.name, policy]),
  );
  const current = [...findingsAsOf(sweeps, at).values()].filter(
    (record) => record.policy !== undefined && notifyPolicies.has(record.policy),
  );
  const byRecipient = new Map<string, Due[]>();
  for (const record of current) {
    const policy = notifyPolicies.get(record.policy as string) as Policy;
    const remindAfterMs = (notifyAction.parse?.(policy.action.args) ?? { remindAfterMs: 7 * DAY_MS }).remindAfterMs;
    const targets = (record.details as { notify?: { addresses?: string[]; platformNote?: string } } | undefined)?.notify ?? {
      addresses: [],
      platformNote: "no recipients recorded with the finding",
    };
    const recipients: Array<{ recipient: string; note?: string }> = (targets.addresses ?? []).map((address) => ({ recipient: address }));
    if (targets.platformNote !== undefined) recipients.push({ recipient: PLATFORM_RECIPIENT, note: targets.platformNote });
    for (const { recipient, note } of recipients) {
      const told = await deps.store.ownerFinding({ policy: record.policy as string, resourceId: record.resourceId as string, recipient });
      const changed = told === undefined || told.fingerprint !== findingFingerprint(record);
      const reminder = !changed && at.getTime() - Date.parse(told.sentAt) >= remindAfterMs;
      if (!changed && !reminder) continue;
      const list = byRecipient.get(recipient) ?? [];
      list.push({ record, recipient, ...(note === undefined ? {} : { note }), reminder });
      byRecipient.set(recipient, list);
    }
  }
  const reports: DeliveryReport[] = [];
  let held = 0;
  for (const [recipient, due] of [...byRecipient.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const message = ownerNotice(date, recipient, due, notifyPolicies);
    const report = await deliverNotification(message, { ...deliveryDeps(deps), trigger: TRIGGER });
    reports.push(report);
    if (report.channels.some((channel) => channel.status === "held")) {
      held += 1;
      continue;
    }
    if (report.channels.some((channel) => channel.status === "delivered"))
      for (const item of due)
        await deps.store.recordOwnerFinding(
          { policy: item.record.policy as string, resourceId: item.record.resourceId as string, recipient },
          { sentAt: at.toISOString(), fingerprint: findingFingerprint(item.record) },
        );
  }
  // Resolved findings are forgotten: told again only if they come back.
  const swept = new Set(sweeps.filter((record) => record.kind === "notice" && record.action === "sweep").map((record) => record.policy));
  const open = new Set(current.map((record) => `${record.policy}|${record.resourceId?.toLowerCase()}`));
  for (const told of await deps.store.ownerFindings())
    if (swept.has(told.policy) && !open.has(`${told.policy}|${told.resourceId.toLowerCase()}`)) await deps.store.forgetOwnerFinding(told);
  return { reports, held };
}

/** The resource group an id names, or "" (a subscription-level id, or no id): for people to read. */
function resourceGroupOf(id: string): string {
  try {
    return parseArmId(id).resourceGroup ?? "";
  } catch {
    return "";
  }
}

export function ownerNotice(date: string, recipient: string, due: readonly Due[], policies: ReadonlyMap<string, Policy>): Notification {
  const platform = recipient === PLATFORM_RECIPIENT;
  const byPolicy = new Map<string, Due[]>();
  for (const item of due) byPolicy.set(item.record.policy as string, [...(byPolicy.get(item.record.policy as string) ?? []), item]);
  const sections = [...byPolicy.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([policy, items]) => ({
      heading: policies.get(policy)?.description?.trim().split("\n")[0]
        ? `${policy}: ${policies.get(policy)?.description?.trim().split("\n")[0]}`
        : policy,
      lines: items
        .sort((a, b) => (a.record.resourceId ?? "").localeCompare(b.record.resourceId ?? ""))
        .map((item): Line => {
          const id = item.record.resourceId ?? "";
          return `${resourceNameOf(id)} (${resourceGroupOf(id)}): ${item.record.reason}${item.reminder ? " (reminder)" : ""}${platform && item.note ? `; ${item.note}` : ""}`;
        }),
    }));
  const count = due.length;
  return {
    id: `owner-notice:${date}:${recipient}`,
    kind: "owner-notice",
    audience: platform ? { type: "platform" } : { type: "address", address: recipient },
    title: platform
      ? `${count} finding${count === 1 ? "" : "s"} with no owner address to tell`
      : `${count} finding${count === 1 ? "" : "s"} about resources you own`,
    summary: platform
      ? "These resources have no owner tag that is an email address, so their notice comes to the platform team. Governor changed nothing."
      : "Governor's policies report these resources of yours; nothing was changed. Fix them, or ask the platform team for an exemption if they are as intended.",
    sections,
  };
}
