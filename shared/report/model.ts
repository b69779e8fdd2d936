/**
 * What the report shows, computed from the audit trail's records and the savings ledger's rows
 * only (pure: no I/O, no clock of its own). Each figure is a count or a sum of records as they are
 * stored, so anyone can check it with `governor audit`:
 *
 * - a finding is **open** from its sweep's record until a later sweep of the same policy no longer
 *   records it, or an applied (or already-done) outcome of that policy on that resource; "now" is
 *   the open findings of each policy's latest sweep. A policy's latest sweep is its latest mark
 *   (`kind: notice`, `action: sweep`, recorded by every sweep, findings or none), so a sweep that
 *   finds nothing closes them all; for a policy with no mark in the records, the sweep of its
 *   latest finding.
 * - environment, owner and cost centre are those the sweep recorded with the finding
 *   (`details.environment`, `.owner`, `.costCenter`), `unknown` when it recorded none;
 * - backup coverage counts the open findings of `enroll-backup` policies (production resources
 *   without backup) and the enrolments applied;
 * - drills are the `drill` records as recorded; approvals the `approval` records with the request
 *   notices of the same workflow;
 * - Azure Policy compliance is Policy Insights' count for Governor's assignment as read for the
 *   report, and each day's recorded snapshot for the trend (a day without one is a gap).
 * - a record's or a row's subscription is the one its resource id names (shared/report/subscriptions.ts).
 */
import type { AuditRecord } from "../audit/record.ts";
import { latestSweeps } from "../audit/sweeps.ts";
import { type ComplianceToday, complianceToday, type ComplianceTrend, complianceTrend } from "../azurePolicy/complianceChanges.ts";
import type { ComplianceReading } from "../azurePolicy/complianceHistory.ts";
import type { DrillRecord } from "../drills/record.ts";
import { type LedgerRow, monthToDateOf, type MonthToDate } from "../savings/rows.ts";
import { subscriptionFigures, type SubscriptionFigures } from "./subscriptions.ts";

const DAY_MS = 86_400_000;
export const UNKNOWN = "unknown";

export interface OpenFinding {
  record: AuditRecord;
  environment: string;
  owner: string;
  costCenter: string;
  estimatedMonthly: number;
}

export interface ReportModel {
  generatedAt: string;
  currency: string;
  /** Records the report was built from, by kind. */
  counts: Record<string, number>;
  compliance: {
    policies: string[];
    environments: string[];
    /** policy → environment → open findings. */
    now: Record<string, Record<string, number>>;
    open: OpenFinding[];
    /** One point per UTC day: open findings that day, by policy. */
    trend: Array<{ day: string; total: number; byPolicy: Record<string, number> }>;
  };
  savings: { rows: LedgerRow[]; monthToDate: MonthToDate | undefined; estimatedMonthly: number; realised: number; measured: number };
  offenders: {
    byOwner: Array<{ name: string; findings: number; estimatedMonthly: number }>;
    byCostCenter: Array<{ name: string; findings: number; estimatedMonthly: number }>;
  };
  backup: {
    policies: string[];
    /** Per UTC day: production resources without backup (open findings of enroll-backup policies), enrolments applied that day. */
    days: Array<{ day: string; unprotected: number; enrolled: number }>;
    unprotectedNow: OpenFinding[];
  };
  drills: Array<{ record: AuditRecord; drill: Partial<DrillRecord> }>;
  approvals: Array<{ record: AuditRecord; requestedAt?: string; requestedFrom?: string; delivery?: string }>;
  azurePolicy: AzurePolicyModel;
  /** Each subscription the records and rows name, with its figures; the pages group by them when there are several. */
  subscriptions: SubscriptionFigures[];
}

/**
 * Azure Policy compliance of Governor's assignment, beside Governor's own findings: today's
 * reading of Policy Insights (or why there is none) and the daily snapshots' trend.
 */
export interface AzurePolicyModel {
  /** `not-read`: the report was built without a reading (no subscription to read). */
  status: ComplianceReading["status"] | "not-read";
  code?: string;
  message?: string;
  today?: ComplianceToday;
  trend: ComplianceTrend;
  notes: string[];
}

export function azurePolicyModel(reading: ComplianceReading | undefined, now: Date, days: number): AzurePolicyModel {
  if (!reading) return { status: "not-read", trend: complianceTrend([], now, days), notes: [] };
  return {
    status: reading.status,
    ...(reading.status === "unavailable" ? { code: reading.code, message: reading.message } : {}),
    ...(reading.status === "ok" ? { today: complianceToday(reading.snapshot, reading.history) } : {}),
    trend: complianceTrend(reading.history, now, days),
    notes: reading.notes,
  };
}

const label = (value: unknown): string => (typeof value === "string" && value.trim() !== "" ? value : UNKNOWN);
const round2 = (value: number): number => Math.round(value * 100) / 100;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function toOpen(record: AuditRecord): OpenFinding {
  const details = (record.details ?? {}) as Record<string, unknown>;
  return {
    record,
    environment: label(details.environment),
    owner: label(details.owner),
    costCenter: label(details.costCenter),
    estimatedMonthly: typeof details.estimatedMonthlySavings === "number" ? details.estimatedMonthlySavings : 0,
  };
}

/** The open findings at an instant: each policy's latest sweep (by the findings it recorded) up to then, less what was fixed after it. */
export function openFindingsAt(records: readonly AuditRecord[], atMs: number): OpenFinding[] {
  const iso = new Date(atMs).toISOString();
  // Each policy's latest sweep by its marks, where it has them.
  const marked = latestSweeps(records, new Date(atMs));
  // Each sweep's findings, by policy then instance; unmarked, a policy's latest sweep is the one with the latest record.
  const byPolicy = new Map<string, Map<string, { at: string; findings: AuditRecord[] }>>();
  for (const record of records) {
    if (record.kind !== "finding" || record.policy === undefined || record.at > iso) continue;
    const mark = marked.get(record.policy);
    if (mark !== undefined && record.instanceId !== mark.instanceId) continue;
    const instances = byPolicy.get(record.policy) ?? new Map<string, { at: string; findings: AuditRecord[] }>();
    const sweep = instances.get(record.instanceId ?? record.id) ?? { at: record.at, findings: [] };
    sweep.findings.push(record);
    if (record.at > sweep.at) sweep.at = record.at;
    instances.set(record.instanceId ?? record.id, sweep);
    byPolicy.set(record.policy, instances);
  }
  const sweeps = [...byPolicy.values()].map(
    (instances) => [...instances.values()].sort((a, b) => b.at.localeCompare(a.at))[0] as { at: string; findings: AuditRecord[] },
  );
  const fixed = records.filter(
    (record) => record.kind === "outcome" && (record.outcome === "applied" || record.outcome === "already-done") && record.at <= iso,
  );
  const open: OpenFinding[] = [];
  for (const sweep of sweeps) {
    for (const finding of sweep.findings) {
      const key = finding.resourceId?.toLowerCase();
      const remedied = fixed.some(
        (outcome) => outcome.policy === finding.policy && outcome.resourceId?.toLowerCase() === key && outcome.at >= finding.at,
      );
      if (!remedied) open.push(toOpen(finding));
    }
  }
  return open.sort((a, b) => (a.record.policy ?? "").localeCompare(b.record.policy ?? "") || a.record.id.localeCompare(b.record.id));
}

function ranking(
  open: OpenFinding[],
  key: (finding: OpenFinding) => string,
): Array<{ name: string; findings: number; estimatedMonthly: number }> {
  const totals = new Map<string, { name: string; findings: number; estimatedMonthly: number }>();
  for (const finding of open) {
    const name = key(finding);
    const total = totals.get(name) ?? { name, findings: 0, estimatedMonthly: 0 };
    total.findings += 1;
    total.estimatedMonthly = round2(total.estimatedMonthly + finding.estimatedMonthly);
    totals.set(name, total);
  }
  return [...totals.values()].sort(
    (a, b) => b.findings - a.findings || b.estimatedMonthly - a.estimatedMonthly || a.name.localeCompare(b.name),
  );
}

export interface ReportInput {
  records: readonly AuditRecord[];
  ledger: readonly LedgerRow[];
  now: Date;
  /** The policy settings' currency (the ledger's rows carry their own). */
  currency: string;
  /** Days of trend (the longest chart): 90. */
  days?: number;
  /** Azure Policy compliance as read for this report (shared/azurePolicy/complianceHistory.ts). */
  azurePolicy?: ComplianceReading;
}

export function reportModel(input: ReportInput): ReportModel {
  const { records, now } = input;
  const days = input.days ?? 90;
  const counts: Record<string, number> = {};
  for (const record of records) counts[record.kind] = (counts[record.kind] ?? 0) + 1;

  const open = openFindingsAt(records, now.getTime());
  const policies = [...new Set(records.filter((record) => record.kind === "finding").map((record) => record.policy ?? UNKNOWN))].sort();
  const environments = [...new Set(open.map((finding) => finding.environment))].sort();
  const nowTable: Record<string, Record<string, number>> = {};
  for (const finding of open) {
    const row = (nowTable[finding.record.policy ?? UNKNOWN] ??= {});
    row[finding.environment] = (row[finding.environment] ?? 0) + 1;
  }

  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const trend: ReportModel["compliance"]["trend"] = [];
  const backupPolicies = [
    ...new Set(
      records.filter((record) => record.kind === "finding" && record.action === "enroll-backup").map((record) => record.policy ?? UNKNOWN),
    ),
  ].sort();
  const backupDays: ReportModel["backup"]["days"] = [];
  for (let index = days - 1; index >= 0; index -= 1) {
    const dayStart = today - index * DAY_MS;
    // The state at the end of the day (or now, for today).
    const openThen = openFindingsAt(records, Math.min(dayStart + DAY_MS - 1, now.getTime()));
    const byPolicy: Record<string, number> = {};
    for (const finding of openThen) byPolicy[finding.record.policy ?? UNKNOWN] = (byPolicy[finding.record.policy ?? UNKNOWN] ?? 0) + 1;
    trend.push({ day: dayOf(dayStart), total: openThen.length, byPolicy });
    const day = dayOf(dayStart);
    backupDays.push({
      day,
      unprotected: openThen.filter((finding) => finding.record.action === "enroll-backup").length,
      enrolled: records.filter(
        (record) =>
          record.kind === "outcome" && record.action === "enroll-backup" && record.outcome === "applied" && record.at.startsWith(day),
      ).length,
    });
  }

  const rows = [...input.ledger];
  const measured = rows.filter((row) => row.realised !== undefined);
  const requests = records.filter((record) => record.kind === "notice" && record.id.includes(":approval-requested"));
  const approvals = records
    .filter((record) => record.kind === "approval")
    .map((record) => {
      // The remediation's approval record and its sub-orchestration's request share the instance id's start.
      const request = requests.find(
        (notice) => notice.instanceId !== undefined && record.instanceId !== undefined && notice.instanceId.startsWith(record.instanceId),
      );
      const details = request?.details as { delivery?: unknown } | undefined;
      return {
        record,
        ...(request ? { requestedAt: request.at, requestedFrom: request.reason } : {}),
        ...(typeof details?.delivery === "string" ? { delivery: details.delivery } : {}),
      };
    })
    .sort((a, b) => b.record.at.localeCompare(a.record.at));

  return {
    generatedAt: now.toISOString(),
    currency: input.currency,
    counts,
    compliance: { policies, environments, now: nowTable, open, trend },
    savings: {
      rows,
      monthToDate: monthToDateOf(rows, now),
      estimatedMonthly: round2(rows.filter((row) => row.endedAt === undefined).reduce((sum, row) => sum + row.estimatedMonthly, 0)),
      realised: round2(measured.reduce((sum, row) => sum + (row.realised?.saving ?? 0), 0)),
      measured: measured.length,
    },
    offenders: { byOwner: ranking(open, (finding) => finding.owner), byCostCenter: ranking(open, (finding) => finding.costCenter) },
    backup: {
      policies: backupPolicies,
      days: backupDays,
      unprotectedNow: open.filter((finding) => finding.record.action === "enroll-backup"),
    },
    drills: records
      .filter((record) => record.kind === "drill")
      .map((record) => ({ record, drill: (record.details ?? {}) as Partial<DrillRecord> }))
      .sort((a, b) => b.record.at.localeCompare(a.record.at)),
    approvals,
    azurePolicy: azurePolicyModel(input.azurePolicy, now, days),
    subscriptions: subscriptionFigures(records, rows, open, now),
  };
}
