/**
 * The daily snapshots of Azure Policy compliance in Table Storage (`GovernorPolicyCompliance`, on
 * the app's own storage account): Policy Insights keeps only the latest states, so the report's
 * trend and the digest's "since yesterday" come from what Governor recorded each day. One entity
 * per subscription and UTC day (PartitionKey the subscription id, RowKey `YYYY-MM-DD`); a later
 * reading of the same day replaces the earlier one, so each day holds its last reading, and a
 * reading recorded twice leaves one row. The snapshot as JSON in `snapshot`, its totals as columns
 * for whoever reads the table directly.
 */
import type { TableClient } from "@azure/data-tables";
import { appTableClient, oncePerStorageSetting, tableCreatedOnce, tableFromConnectionString } from "../azure/tables.ts";
import type { AssignmentCompliance } from "./compliance.ts";

export const COMPLIANCE_TABLE = "GovernorPolicyCompliance";

/** Governor's assignment as Policy Insights summarised it at one reading. */
export interface ComplianceSnapshot {
  subscriptionId: string;
  /** The UTC day of the reading: the row it is kept in. */
  day: string;
  /** When it was read (ISO). */
  at: string;
  assignment: AssignmentCompliance;
}

export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

export class ComplianceSnapshots {
  readonly #table: TableClient;
  readonly #ensureTable: () => Promise<void>;

  constructor(table: TableClient) {
    this.#table = table;
    this.#ensureTable = tableCreatedOnce(table);
  }

  static fromConnectionString(connectionString: string, table = COMPLIANCE_TABLE): ComplianceSnapshots {
    return new ComplianceSnapshots(tableFromConnectionString(connectionString, table));
  }

  /** The snapshots of the subscription from `fromDay` (inclusive), oldest first. */
  async since(subscriptionId: string, fromDay: string): Promise<ComplianceSnapshot[]> {
    const snapshots: ComplianceSnapshot[] = [];
    try {
      for await (const entity of this.#table.listEntities<{ snapshot?: string }>({
        queryOptions: { filter: `PartitionKey eq '${subscriptionId.replace(/'/g, "''")}' and RowKey ge '${fromDay.replace(/'/g, "''")}'` },
      })) {
        if (typeof entity.snapshot === "string") snapshots.push(JSON.parse(entity.snapshot) as ComplianceSnapshot);
      }
    } catch (error) {
      // No table yet: nothing recorded.
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
    return snapshots.sort((a, b) => a.day.localeCompare(b.day));
  }

  async record(snapshot: ComplianceSnapshot): Promise<void> {
    await this.#ensureTable();
    await this.#table.upsertEntity(
      {
        partitionKey: snapshot.subscriptionId,
        rowKey: snapshot.day,
        at: snapshot.at,
        assignmentId: snapshot.assignment.assignmentId,
        nonCompliantResources: snapshot.assignment.nonCompliantResources,
        nonCompliantPolicies: snapshot.assignment.nonCompliantPolicies,
        snapshot: JSON.stringify(snapshot),
      },
      "Replace",
    );
  }
}

export async function openComplianceSnapshots(
  env: Record<string, string | undefined> = process.env,
  table = COMPLIANCE_TABLE,
): Promise<ComplianceSnapshots> {
  return new ComplianceSnapshots(await appTableClient(env, table, "the Azure Policy compliance snapshots"));
}

export const appComplianceSnapshots = oncePerStorageSetting((env) => openComplianceSnapshots(env));
