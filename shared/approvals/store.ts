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
import { appTableClient, oncePerStorageSetting, tableCreatedOnce } from "../azure/tables.ts";
import type { ApprovalRequestResult } from "./decision.ts";
import type { ApprovalPlan } from "./approvalPlan.ts";

export const APPROVALS_TABLE = "GovernorApprovals";
const MAX_PROPERTY_CHARS = 30_000;

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

const requestKey = (instanceId: string, round: number): string =>
  createHash("sha256").update(`${instanceId}\n${round}`, "utf8").digest("hex");

export class ApprovalStore {
  readonly client: TableClient;

  /** Creates the table on first use (again after a failure). */
  readonly #table: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.#table = tableCreatedOnce(client);
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
  return new ApprovalStore(await appTableClient(env, table, "the approvals store"));
}

/** The store of the app's storage, opened once per process and storage setting. */
export const appApprovalStore = oncePerStorageSetting((env) => openApprovalStore(env));
