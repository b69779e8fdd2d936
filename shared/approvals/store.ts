/**
 * What approvals keep in Table Storage (one table, `GovernorApprovals`):
 *
 * - used tokens (PartitionKey `token`, RowKey the token id): inserting the row is the one step
 *   that decides, so of two requests with the same token only one wins, across restarts;
 * - requests made (PartitionKey `request`, RowKey a hash of instance and round) with how delivery
 *   went: a request activity delivered twice sends once.
 */
import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import {
  appStorageSetting,
  defaultCredential,
  isConnectionString,
  isTableEndpoint,
  tableFromConnectionString,
  tableFromEndpoint,
} from "../azure/tables.ts";
import type { ApprovalRequestResult } from "./decision.ts";
import type { ApprovalPlan } from "./plan.ts";

export const APPROVALS_TABLE = "GovernorApprovals";
const MAX_PROPERTY_CHARS = 30_000;

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

const requestKey = (instanceId: string, round: number): string =>
  createHash("sha256").update(`${instanceId}\n${round}`, "utf8").digest("hex");

export class ApprovalStore {
  readonly client: TableClient;
  #ready: Promise<void> | undefined;

  constructor(client: TableClient) {
    this.client = client;
  }

  async #table(): Promise<void> {
    this.#ready ??= this.client.createTable().then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  /** True when this call used the token first; false when it was used before. */
  async consume(tokenId: string, use: { instanceId: string; decidedBy: string; decision: string; at: string }): Promise<boolean> {
    await this.#table();
    try {
      await this.client.createEntity({ partitionKey: "token", rowKey: tokenId, ...use });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /** Gives a token back when the decision it carried could not be passed on: the person can try again. */
  async release(tokenId: string): Promise<void> {
    await this.#table();
    try {
      await this.client.deleteEntity("token", tokenId);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async isUsed(tokenId: string): Promise<boolean> {
    await this.#table();
    try {
      await this.client.getEntity("token", tokenId);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async requestMade(instanceId: string, round: number): Promise<ApprovalRequestResult | undefined> {
    await this.#table();
    try {
      const entity = await this.client.getEntity<{ result: string }>("request", requestKey(instanceId, round));
      return JSON.parse(entity.result) as ApprovalRequestResult;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The plan as it was shown in a request (the approval page shows the same). */
  async planOf(instanceId: string, round: number): Promise<ApprovalPlan | undefined> {
    await this.#table();
    try {
      const entity = await this.client.getEntity<{ plan: string }>("request", requestKey(instanceId, round));
      return JSON.parse(entity.plan) as ApprovalPlan;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async recordRequest(instanceId: string, round: number, result: ApprovalRequestResult, plan: ApprovalPlan): Promise<void> {
    await this.#table();
    let text = JSON.stringify(plan);
    // A table property holds 64 KiB (32K UTF-16 characters): a very large plan is kept without the states read.
    if (text.length > MAX_PROPERTY_CHARS)
      text = JSON.stringify({ ...plan, resources: plan.resources.map(({ state: _state, ...rest }) => rest) });
    if (text.length > MAX_PROPERTY_CHARS) throw new Error(`the plan of ${instanceId} is too large to keep (${text.length} characters)`);
    await this.client.upsertEntity({
      partitionKey: "request",
      rowKey: requestKey(instanceId, round),
      instanceId,
      round,
      result: JSON.stringify(result),
      plan: text,
    });
  }
}

/** The store on the app's storage, read as the Functions host reads `AzureWebJobsStorage`. */
export async function openApprovalStore(env: Record<string, string | undefined>, table = APPROVALS_TABLE): Promise<ApprovalStore> {
  const setting = appStorageSetting(env);
  if (setting === undefined) throw new Error("set AzureWebJobsStorage (or AzureWebJobsStorage__accountName) for the approvals store");
  if (isTableEndpoint(setting)) return new ApprovalStore(tableFromEndpoint(setting, table, await defaultCredential()));
  // Never echo the setting: it holds the account key.
  if (!isConnectionString(setting)) throw new Error("AzureWebJobsStorage is neither a storage connection string nor a table endpoint URL");
  return new ApprovalStore(tableFromConnectionString(setting, table));
}

let opened: { key: string; value: Promise<ApprovalStore> } | undefined;

/** The store of the app's storage, opened once per process and storage setting. */
export function appApprovalStore(env: Record<string, string | undefined> = process.env): Promise<ApprovalStore> {
  const key = JSON.stringify([env.AzureWebJobsStorage, env.AzureWebJobsStorage__accountName, env.AzureWebJobsStorage__tableServiceUri]);
  if (opened?.key !== key) {
    const value = openApprovalStore(env);
    opened = { key, value };
    value.catch(() => {
      if (opened?.value === value) opened = undefined;
    });
  }
  return opened.value;
}
