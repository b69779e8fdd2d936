/**
 * The report from where its data lives: the audit trail's records of the last 90 days and the
 * savings ledger's rows, as stored (never recomputed from Azure here), and Azure Policy's
 * compliance (read from Policy Insights, with the daily snapshots), into pages; and the pages
 * into a self-contained folder (HTML with inline SVG and styles, nothing else to fetch).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AUDIT_KINDS, type AuditRecord } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import { sweepFindings, sweepsAt } from "../audit/sweeps.ts";
import type { ComplianceSource } from "../azurePolicy/complianceHistory.ts";
import type { SavingsLedger } from "../savings/ledger.ts";
import type { LinkTo, PageFile } from "./layout.ts";
import { reportModel, type ReportModel } from "./model.ts";
import { reportPages, staticLinks } from "./pages.ts";

export const REPORT_DAYS = 90;
const DAY_MS = 86_400_000;

export interface ReportSources {
  trail: AuditTrail;
  ledger: SavingsLedger;
  /** The policy settings' currency. */
  currency: string;
  now: Date;
  /** Azure Policy compliance (read at each build, recorded as the day's snapshot); without it the report says it was not read. */
  azurePolicy?: ComplianceSource;
}

/**
 * The records the report is built from: every kind of the last 90 days but findings, then the
 * findings of the sweeps the report shows (each policy's latest at the end of each day, and now),
 * each by its instance id in the minutes before its mark. Every sweep records every finding, about
 * 40,000 a day at 10,000 resources with the pack: 90 days of them would be 3.6 million records,
 * more than an instance's memory. Findings without a mark (an event's check) are not read: the
 * report's figures come from sweeps.
 */
export async function reportRecords(trail: AuditTrail, now: Date, days = REPORT_DAYS): Promise<AuditRecord[]> {
  const since = new Date(now.getTime() - days * DAY_MS);
  const until = new Date(now.getTime() + 1);
  const kinds = AUDIT_KINDS.filter((kind) => kind !== "finding");
  const others = await Promise.all(kinds.map((kind) => trail.query({ since, until, kind })));
  const notices = others[kinds.indexOf("notice")] ?? [];
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const instants = [
    now,
    ...Array.from({ length: days }, (_, index) => new Date(Math.min(today - index * DAY_MS + DAY_MS - 1, now.getTime()))),
  ];
  const findings = await sweepFindings(trail, sweepsAt(notices, instants), since);
  return [...others.flat(), ...findings].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

export async function loadReportModel(sources: ReportSources): Promise<ReportModel> {
  const { trail, ledger, currency, now } = sources;
  const [records, rows, azurePolicy] = await Promise.all([
    reportRecords(trail, now),
    ledger.rows(),
    sources.azurePolicy?.(now, REPORT_DAYS),
  ]);
  return reportModel({ records, ledger: rows, now, currency, days: REPORT_DAYS, ...(azurePolicy ? { azurePolicy } : {}) });
}

export async function buildReport(sources: ReportSources, link: LinkTo = staticLinks): Promise<Map<PageFile, string>> {
  return reportPages(await loadReportModel(sources), link);
}

/** Writes the pages into `outDir` (created if needed); returns the path of index.html. */
export function writeReportFolder(pages: Map<PageFile, string>, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  for (const [file, html] of pages) writeFileSync(join(outDir, file), html);
  return join(outDir, "index.html");
}
