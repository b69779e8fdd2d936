/**
 * The report from where its data lives: the audit trail's records of the last 90 days and the
 * savings ledger's rows, as stored (never recomputed from Azure here), and Azure Policy's
 * compliance (read from Policy Insights, with the daily snapshots), into pages; and the pages
 * into a self-contained folder (HTML with inline SVG and styles, nothing else to fetch).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AuditTrail } from "../audit/trail.ts";
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

export async function loadReportModel(sources: ReportSources): Promise<ReportModel> {
  const { trail, ledger, currency, now } = sources;
  const [records, rows, azurePolicy] = await Promise.all([
    trail.query({ since: new Date(now.getTime() - REPORT_DAYS * DAY_MS), until: new Date(now.getTime() + 1) }),
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
