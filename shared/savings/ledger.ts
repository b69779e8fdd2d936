/**
 * The savings ledger in Table Storage (`GovernorSavings`, on the app's own storage account, opened
 * through shared/azure/tables.ts): one entity per applied change that saves money
 * (shared/savings/rows.ts says which and how each figure is made). PartitionKey `savings`,
 * RowKey the SHA-256 of the row id; the row as JSON in `row`, and its main figures as columns for
 * whoever reads the table directly. Writes are upserts of rows derived from the audit trail, so a
 * refresh run twice, or a record delivered twice, leaves one row. Nothing here leaves the user's
 * storage account and subscription.
 */
import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import type { AuditTrail } from "../audit/trail.ts";
import {
  appStorageSetting,
  defaultCredential,
  isTableEndpoint,
  tableCreatedOnce,
  tableFromConnectionString,
  tableFromEndpoint,
} from "../azure/tables.ts";
import type { CostSource } from "./costQuery.ts";
import { deriveRows, type LedgerRow, measurementWindow, type MonthToDate, monthToDateOf, needsMeasuring, realisedFrom } from "./rows.ts";

export const SAVINGS_TABLE = "GovernorSavings";
const PARTITION = "savings";
/** How far back a refresh reads the audit trail: rows older than that stay as they were last derived. */
export const LOOKBACK_DAYS = 100;
const DAY_MS = 86_400_000;

const rowKey = (id: string): string => createHash("sha256").update(id, "utf8").digest("hex");

export class SavingsLedger {
  readonly #table: TableClient;
  /** Creates the table on first use (again after a failure). */
  readonly #ensureTable: () => Promise<void>;

  constructor(table: TableClient) {
    this.#table = table;
    this.#ensureTable = tableCreatedOnce(table);
  }

  static fromConnectionString(connectionString: string, table = SAVINGS_TABLE): SavingsLedger {
    return new SavingsLedger(tableFromConnectionString(connectionString, table));
  }

  /** The ledger on the app's storage (`AzureWebJobsStorage`, or its identity-based form), or undefined when none is set. */
  static async fromEnv(env: Record<string, string | undefined>, storage?: string): Promise<SavingsLedger | undefined> {
    const setting = storage?.trim() || appStorageSetting(env);
    if (setting === undefined) return undefined;
    if (isTableEndpoint(setting)) return new SavingsLedger(tableFromEndpoint(setting, SAVINGS_TABLE, await defaultCredential()));
    return SavingsLedger.fromConnectionString(setting);
  }

  /** Every row, oldest change first. */
  async rows(): Promise<LedgerRow[]> {
    const rows: LedgerRow[] = [];
    try {
      for await (const entity of this.#table.listEntities<{ row?: string }>({
        queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
      })) {
        if (typeof entity.row === "string") rows.push(JSON.parse(entity.row) as LedgerRow);
      }
    } catch (error) {
      // No table yet: no change has been recorded.
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
    return rows.sort((a, b) => a.appliedAt.localeCompare(b.appliedAt) || a.id.localeCompare(b.id));
  }

  async upsert(rows: readonly LedgerRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#ensureTable();
    for (const row of rows) {
      await this.#table.upsertEntity(
        {
          partitionKey: PARTITION,
          rowKey: rowKey(row.id),
          id: row.id,
          resourceId: row.resourceId,
          action: row.action,
          policy: row.policy,
          appliedAt: row.appliedAt,
          estimatedMonthly: row.estimatedMonthly,
          hoursAvoided: row.hoursAvoided,
          currency: row.currency,
          ...(row.endedAt ? { endedAt: row.endedAt } : {}),
          ...(row.realised ? { realised: row.realised.saving, realisedDays: row.realised.days } : {}),
          row: JSON.stringify(row),
        },
        "Replace",
      );
    }
  }
}

export interface RefreshOptions {
  trail: AuditTrail;
  ledger: SavingsLedger;
  /** The policy settings' currency: the estimates' own. */
  currency: string;
  now: Date;
  /** Where realised savings are measured (Cost Management); without it only the estimates are refreshed. */
  costs?: CostSource;
}

export interface RefreshResult {
  rows: LedgerRow[];
  measured: number;
  /** Why the cost query failed, when it did: estimates are still refreshed. */
  costError?: string;
}

/** Derives the rows from the audit trail and measures those whose realised saving may still change. */
export async function refreshSavingsLedger(options: RefreshOptions): Promise<RefreshResult> {
  const { trail, ledger, currency, now } = options;
  const since = new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS);
  const [previous, outcomes, decisions] = await Promise.all([
    ledger.rows(),
    trail.query({ since, until: new Date(now.getTime() + 1), kind: "outcome" }),
    trail.query({ since, until: new Date(now.getTime() + 1), kind: "decision" }),
  ]);
  const derived = deriveRows([...decisions, ...outcomes], currency, now, previous);
  const derivedIds = new Set(derived.map((row) => row.id));
  // Rows older than the look-back stay as they were.
  const rows = [...previous.filter((row) => !derivedIds.has(row.id)), ...derived];
  const windows = new Map<string, Exclude<ReturnType<typeof measurementWindow>, { note: string }>>();
  for (const row of derived) {
    if (!needsMeasuring(row)) continue;
    const window = measurementWindow(row, now);
    if ("note" in window) row.realisedNote = window.note;
    else windows.set(row.id, window);
  }
  let measured = 0;
  let costError: string | undefined;
  if (options.costs && windows.size > 0) {
    const wanted = derived.filter((row) => windows.has(row.id));
    const fromDay = [...windows.values()].map((window) => window.beforeFrom).sort()[0] as string;
    const toDay = [...windows.values()]
      .map((window) => window.afterTo)
      .sort()
      .at(-1) as string;
    try {
      const costs = await options.costs({
        resourceIds: [...new Set(wanted.map((row) => row.resourceId))],
        fromDay,
        toDay,
      });
      for (const row of wanted) {
        const byDay = costs.byResource.get(row.resourceId.toLowerCase());
        if (byDay === undefined || byDay.size === 0) {
          row.realisedNote = "Cost Management reports no cost for this resource id over the window";
          continue;
        }
        row.realised = realisedFrom(
          row,
          windows.get(row.id) as { days: number; afterFrom: string },
          byDay,
          costs.currency ?? row.currency,
          now,
        );
        delete row.realisedNote;
        measured += 1;
      }
    } catch (error) {
      costError = error instanceof Error ? error.message : String(error);
    }
  } else if (!options.costs) {
    for (const row of derived) if (windows.has(row.id) && row.realised === undefined) row.realisedNote = "not measured yet";
  }
  await ledger.upsert(derived);
  return {
    rows: rows.sort((a, b) => a.appliedAt.localeCompare(b.appliedAt) || a.id.localeCompare(b.id)),
    measured,
    ...(costError ? { costError } : {}),
  };
}

/**
 * This month's savings from the ledger on the app's storage (AzureWebJobsStorage), estimated and
 * realised with their currency; undefined when no change saved anything this month or no storage
 * is configured. Reads the ledger as last refreshed (the `savingsLedgerRefresh` timer); calls no Azure API.
 */
export async function monthToDate(
  now: Date,
  options: { env?: Record<string, string | undefined>; ledger?: SavingsLedger } = {},
): Promise<MonthToDate | undefined> {
  const ledger = options.ledger ?? (await SavingsLedger.fromEnv(options.env ?? process.env));
  if (!ledger) return undefined;
  return monthToDateOf(await ledger.rows(), now);
}

export type { LedgerRow, MonthToDate } from "./rows.ts";
