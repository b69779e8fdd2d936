/**
 * The report's figures per subscription, for a deployment that governs several (pure, like the
 * model). A record's subscription is the one its resource id names (`subscriptionOfId`): the
 * audit trail and the ledger keep no other, and no Azure read is made for it. Records without a
 * resource id (sweep marks, deliveries, approval decisions) belong to no subscription and are
 * left out here; the report's totals still count them.
 */
import { subscriptionKeyOf, subscriptionOfId } from "../azure/resourceId.ts";
import type { AuditRecord } from "../audit/record.ts";
import { type LedgerRow, monthToDateOf, type MonthToDate } from "../savings/rows.ts";
import type { OpenFinding } from "./model.ts";

export interface SubscriptionFigures {
  /** As the first record naming it spells it. */
  subscriptionId: string;
  openFindings: number;
  /** What the open findings would save a month, as their sweeps estimated. */
  findingsEstimatedMonthly: number;
  /** Open findings of `enroll-backup` policies: production resources without backup. */
  unprotected: number;
  /** Ledger rows: applied changes that save money. */
  changes: number;
  /** What the changes in effect save a month, as estimated. */
  estimatedMonthly: number;
  monthToDate: MonthToDate | undefined;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Every subscription the records and rows name, in id order, each with its figures; one entry (or none) for a deployment that governs one. */
export function subscriptionFigures(
  records: readonly AuditRecord[],
  ledger: readonly LedgerRow[],
  open: readonly OpenFinding[],
  now: Date,
): SubscriptionFigures[] {
  const spelling = new Map<string, string>();
  for (const resourceId of [...records.map((record) => record.resourceId), ...ledger.map((row) => row.resourceId)]) {
    const key = subscriptionKeyOf(resourceId);
    if (key !== undefined && !spelling.has(key)) spelling.set(key, subscriptionOfId(resourceId as string) as string);
  }
  return [...spelling.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, subscriptionId]) => {
      const findings = open.filter((finding) => subscriptionKeyOf(finding.record.resourceId) === key);
      const rows = ledger.filter((row) => subscriptionKeyOf(row.resourceId) === key);
      return {
        subscriptionId,
        openFindings: findings.length,
        findingsEstimatedMonthly: round2(findings.reduce((sum, finding) => sum + finding.estimatedMonthly, 0)),
        unprotected: findings.filter((finding) => finding.record.action === "enroll-backup").length,
        changes: rows.length,
        estimatedMonthly: round2(rows.filter((row) => row.endedAt === undefined).reduce((sum, row) => sum + row.estimatedMonthly, 0)),
        monthToDate: monthToDateOf(rows, now),
      };
    });
}
