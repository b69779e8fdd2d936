/**
 * The daily digest: every morning, what Governor found, did and still waits for over the last
 * day, from the audit trail, recorded as a `notice` (one per day: its id is the date). Posting it
 * to the Teams channel is the notifications work (`deliverDigest` is its seam).
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import type { AuditRecord, Json } from "../shared/audit/record.ts";
import { openAuditTrail } from "../shared/audit/storage.ts";
import type { AuditTrail } from "../shared/audit/trail.ts";
import { now } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { appPolicies } from "../shared/policy/appSource.ts";
import type { Verdict } from "../shared/policy/types.ts";

/** 07:00 in WEBSITE_TIME_ZONE (UTC unless the app sets it). */
export const DIGEST_SCHEDULE = "0 0 7 * * *";
const DAY_MS = 86_400_000;
/** Approvals asked this long ago may still wait (the longest approval timeout of the pack is a day). */
const PENDING_LOOK_BACK_MS = 7 * DAY_MS;

export interface DigestCounts {
  since: string;
  until: string;
  /** Distinct resource and policy pairs the sweeps found, by verdict. */
  findings: Record<Verdict, number> & { total: number };
  /** Outcomes of changes, by outcome. */
  actions: { applied: number; "already-done": number; skipped: number; failed: number };
  /** Approval requests without a decision yet, by workflow. */
  approvalsPending: string[];
  budgetResponses: number;
  /** What the applied changes save a month (the plan's estimate), starts not counted. */
  estimatedMonthlySavings: number;
  currency: string;
}

/**
 * The digest of a window from the records the trail holds: `recent` in the window, `lookBack`
 * (notices, approvals and decisions) over the last week, to see approvals still pending and the
 * savings of changes planned before the window.
 */
export function composeDigest(
  recent: readonly AuditRecord[],
  lookBack: readonly AuditRecord[],
  window: { since: Date; until: Date },
  currency: string,
): DigestCounts {
  const latest = new Map<string, AuditRecord>();
  for (const record of recent) {
    if (record.kind !== "finding" || record.policy === undefined || record.resourceId === undefined) continue;
    const key = `${record.policy}|${record.resourceId.toLowerCase()}`;
    const seen = latest.get(key);
    if (!seen || seen.at <= record.at) latest.set(key, record);
  }
  const findings = { remediate: 0, "needs-approval": 0, audit: 0, blocked: 0, total: latest.size };
  for (const record of latest.values()) if (record.verdict) findings[record.verdict] += 1;

  const decisions = new Map(lookBack.filter((record) => record.kind === "decision").map((record) => [record.id, record]));
  const actions = { applied: 0, "already-done": 0, skipped: 0, failed: 0 };
  let savings = 0;
  for (const record of recent) {
    if (record.kind !== "outcome" || record.outcome === undefined) continue;
    actions[record.outcome] += 1;
    if (record.outcome !== "applied" || record.action === "start" || record.resourceId === undefined) continue;
    const decision = decisions.get(`${record.instanceId}:plan:${record.resourceId.toLowerCase()}`);
    const estimate = (decision?.details as { estimatedMonthlySavings?: unknown } | undefined)?.estimatedMonthlySavings;
    if (typeof estimate === "number") savings += estimate;
  }

  const decided = new Set(lookBack.filter((record) => record.kind === "approval").map((record) => record.instanceId));
  const approvalsPending = lookBack
    .filter((record) => record.kind === "notice" && record.id.endsWith(":approval-requested") && record.instanceId?.endsWith(":approval"))
    .map((record) => (record.instanceId as string).slice(0, -":approval".length))
    .filter((workflow) => !decided.has(workflow));

  const budgetResponses = recent.filter((record) => record.kind === "notice" && record.trigger.type === "budget-alert").length;
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    findings,
    actions,
    approvalsPending: [...new Set(approvalsPending)].sort(),
    budgetResponses,
    estimatedMonthlySavings: Math.round(savings * 100) / 100,
    currency,
  };
}

export function digestRecord(counts: DigestCounts): AuditRecord {
  const { findings, actions } = counts;
  const reason =
    `Last 24 h: ${findings.total} finding(s) (${findings["needs-approval"]} need approval, ${findings.remediate} to remediate, ` +
    `${findings.audit} reported, ${findings.blocked} kept out by a guard); ${actions.applied} change(s) applied, ${actions.failed} failed, ` +
    `${actions.skipped} skipped; ${counts.approvalsPending.length} approval(s) pending; ${counts.budgetResponses} budget response(s); ` +
    `about ${Math.round(counts.estimatedMonthlySavings).toLocaleString("en-US")} ${counts.currency} a month saved.`;
  return {
    id: `digest:${counts.until.slice(0, 10)}`,
    at: counts.until,
    kind: "notice",
    action: "digest",
    reason,
    trigger: { type: "timer", id: "dailyDigest" },
    actor: { type: "governor", id: "governor" },
    details: JSON.parse(JSON.stringify(counts)) as Json,
  };
}

/** Posting the digest to Teams: the notifications work completes this seam; until then it is in the audit trail only. */
export async function deliverDigest(_digest: AuditRecord): Promise<{ delivered: boolean; reason: string }> {
  return { delivered: false, reason: "delivery to Teams is not built yet: the digest is in the audit trail" };
}

/** Reads the last day (and week, for pending approvals) from the trail and records the digest once for the day. */
export async function recordDailyDigest(trail: AuditTrail, until: Date, currency: string): Promise<AuditRecord> {
  const since = new Date(until.getTime() - DAY_MS);
  const lookBackSince = new Date(until.getTime() - PENDING_LOOK_BACK_MS);
  // The trail's `until` is exclusive: what happened at this very millisecond counts too.
  const end = new Date(until.getTime() + 1);
  const [recent, notices, approvals, decisions] = await Promise.all([
    trail.query({ since, until: end }),
    trail.query({ since: lookBackSince, until: end, kind: "notice" }),
    trail.query({ since: lookBackSince, until: end, kind: "approval" }),
    trail.query({ since: lookBackSince, until: end, kind: "decision" }),
  ]);
  const record = digestRecord(composeDigest(recent, [...notices, ...approvals, ...decisions], { since, until }, currency));
  await trail.append([record]);
  return record;
}

app.timer("dailyDigest", {
  schedule: DIGEST_SCHEDULE,
  handler: async (_timer: Timer, context: InvocationContext) => {
    const config = loadConfig(process.env);
    const set = await appPolicies(config);
    const trail = await openAuditTrail(process.env, { table: config.auditTable });
    const digest = await recordDailyDigest(trail, now(), set.settings.currency);
    const delivery = await deliverDigest(digest);
    context.log(`dailyDigest: ${digest.reason} (${delivery.reason})`);
  },
});
