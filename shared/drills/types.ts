/**
 * The vocabulary of restore drills, shared by the verification suite, the workflow and the
 * commands: plain JSON, so activities can pass it and the audit trail can keep it.
 */

/** The verification suite's checks, by name (the names a policy lists and a record reports). */
export const CHECK_NAMES = [
  "connection",
  "core-tables",
  "base-installed",
  "row-counts",
  "accounting-balanced",
  "index-integrity",
  "database-uuid",
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** pass, fail, or skipped (not applicable: no amcheck, nothing to compare with, no connection). */
export type CheckStatus = "pass" | "fail" | "skipped";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  /** Why, with the values that decided it. */
  message: string;
  /** The values seen. */
  values: { [key: string]: JsonValue };
  durationMs: number;
}

/** The Odoo tables whose presence is checked. */
export const CORE_TABLES = [
  "res_company",
  "res_partner",
  "product_product",
  "stock_move",
  "stock_quant",
  "sale_order",
  "purchase_order",
  "account_move",
  "account_move_line",
  "ir_module_module",
] as const;

/** The tables whose row counts are compared with the source's, and whose newest write_date stands in for a heartbeat. */
export const KEY_TABLES = [
  "res_partner",
  "product_product",
  "stock_move",
  "stock_quant",
  "sale_order",
  "purchase_order",
  "account_move",
  "account_move_line",
] as const;

/** What the restored database is compared with: the source as Governor read it. */
export interface SourceExpectations {
  /** `database.uuid` of the source's ir_config_parameter. */
  databaseUuid?: string;
  /** Row counts of the key tables, and where they come from. */
  counts?: Record<string, number>;
  countsFrom?: "heartbeat" | "source-at-request";
  /** Allowed difference of a row count, in percent of the expected count. */
  tolerancePercent: number;
}

/** The newest sign of life found in the restored database, for the RPO. */
export interface RecoveryPointEvidence {
  method: "heartbeat" | "write-date" | "none";
  /** The newest heartbeat's time, or the newest write_date of the key tables (UTC). */
  newestAt?: string;
  /** The table the newest write_date was found in. */
  table?: string;
  note: string;
}
