/**
 * Where a large remediation plan waits while its workflow runs: Table Storage (`GovernorPlans`),
 * one entity per planned resource, so no orchestration input, activity input or output carries
 * the whole plan (Durable keeps every one of them in its history, and a table entity holds 1 MiB).
 * The workflow gets a `PlanRef` (its id, the counts) and each chunk of `PLAN_CHUNK` resources is
 * read by the sub-orchestration that carries it out.
 *
 * Keys: PartitionKey the plan id (the workflow's instance id and a hash of the plan, so a plan
 * made again for the same instance with other resources never mixes with the first), RowKey the
 * chunk and the position in it. Writing the same plan again writes the same rows (upsert).
 */
import { createHash } from "node:crypto";
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { PLAN_CHUNK } from "./chunks.ts";
import { appTableClient, oncePerStorageSetting, tableCreatedOnce } from "../azure/tables.ts";

export const PLANS_TABLE = "GovernorPlans";
export { PLAN_CHUNK };
/** Characters of JSON a plan may take inline in a workflow's input; a larger one is staged. */
export const MAX_INLINE_PLAN_CHARS = 32_000;
/** A reason is evidence for people, kept whole in the findings' records; the plan keeps this much. */
const MAX_REASON = 2_000;

export interface PlannedChange {
  resourceId: string;
  resourceName: string;
  reason: string;
  estimatedMonthlySavings: number;
}

export interface PlanRef {
  id: string;
  resources: number;
  chunks: number;
  estimatedMonthlySavings: number;
}

const rowKey = (chunk: number, index: number): string => `${String(chunk).padStart(6, "0")}-${String(index).padStart(4, "0")}`;

/** The plan's id: the instance it belongs to and a hash of what it lists. */
export function planId(instanceId: string, resources: readonly PlannedChange[]): string {
  const hash = createHash("sha256");
  for (const resource of resources) hash.update(`${resource.resourceId.toLowerCase()}\n${resource.reason}\n`);
  return `${instanceId}|${hash.digest("hex").slice(0, 16)}`;
}

export function planRefOf(id: string, resources: readonly PlannedChange[]): PlanRef {
  return {
    id,
    resources: resources.length,
    chunks: Math.ceil(resources.length / PLAN_CHUNK),
    estimatedMonthlySavings: Math.round(resources.reduce((sum, resource) => sum + resource.estimatedMonthlySavings, 0) * 100) / 100,
  };
}

export class PlanStore {
  readonly client: TableClient;

  /** Creates the table on first use (again after a failure). */
  readonly #table: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.#table = tableCreatedOnce(client);
  }

  /** Writes the plan (idempotent) and returns its reference. */
  async save(instanceId: string, resources: readonly PlannedChange[]): Promise<PlanRef> {
    await this.#table();
    const id = planId(instanceId, resources);
    const partitionKey = encodeURIComponent(id);
    // One partition: entity-group transactions of 100 entities, the service's limit.
    for (let start = 0; start < resources.length; start += 100) {
      const actions: TransactionAction[] = resources.slice(start, start + 100).map((resource, offset) => {
        const position = start + offset;
        return [
          "upsert",
          {
            partitionKey,
            rowKey: rowKey(Math.floor(position / PLAN_CHUNK), position % PLAN_CHUNK),
            ResourceId: resource.resourceId,
            ResourceName: resource.resourceName,
            Reason: resource.reason.length > MAX_REASON ? `${resource.reason.slice(0, MAX_REASON - 3)}...` : resource.reason,
            Savings: resource.estimatedMonthlySavings,
          },
          "Replace",
        ];
      });
      await this.client.submitTransaction(actions);
    }
    return planRefOf(id, resources);
  }

  /** The resources of one chunk, in plan order. */
  async chunk(id: string, chunk: number): Promise<PlannedChange[]> {
    await this.#table();
    const partitionKey = encodeURIComponent(id);
    const from = rowKey(chunk, 0);
    const to = rowKey(chunk + 1, 0);
    const filter = `PartitionKey eq '${partitionKey.replaceAll("'", "''")}' and RowKey ge '${from}' and RowKey lt '${to}'`;
    const rows: Array<{ key: string; change: PlannedChange }> = [];
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      rows.push({
        key: String(entity.rowKey),
        change: {
          resourceId: String(entity.ResourceId),
          resourceName: String(entity.ResourceName),
          reason: typeof entity.Reason === "string" ? entity.Reason : "",
          estimatedMonthlySavings: typeof entity.Savings === "number" ? entity.Savings : 0,
        },
      });
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : 1)).map((row) => row.change);
  }

  /**
   * Deletes the plan once its workflow is done with it (idempotent: a plan already gone deletes
   * nothing). A workflow a person terminates leaves its rows; they hold ids, names and reasons only.
   */
  async drop(id: string): Promise<number> {
    await this.#table();
    const partitionKey = encodeURIComponent(id);
    const filter = `PartitionKey eq '${partitionKey.replaceAll("'", "''")}'`;
    const keys: string[] = [];
    for await (const entity of this.client.listEntities({ queryOptions: { filter, select: ["RowKey"] } })) keys.push(String(entity.rowKey));
    for (let start = 0; start < keys.length; start += 100) {
      await this.client.submitTransaction(
        keys.slice(start, start + 100).map((rowKey): TransactionAction => ["delete", { partitionKey, rowKey }]),
      );
    }
    return keys.length;
  }
}

export async function openPlanStore(env: Record<string, string | undefined>, table = PLANS_TABLE): Promise<PlanStore> {
  return new PlanStore(await appTableClient(env, table, "the plan store"));
}

/** The store of the app's storage, opened once per process and storage setting. */
export const appPlanStore = oncePerStorageSetting((env) => openPlanStore(env));

/**
 * A workflow start whose plan is larger than one chunk, with the plan moved to the store: its
 * input then carries the reference, not the resources. Smaller plans are returned as they are.
 */
export async function stagePlan<T extends { instanceId: string; input: { resources: PlannedChange[]; plan?: PlanRef } }>(
  start: T,
  store: Pick<PlanStore, "save">,
): Promise<T> {
  const resources = start.input.resources;
  // Reasons carry the values that matched and can be long: a plan is staged by its size in text too.
  if (resources.length <= PLAN_CHUNK && JSON.stringify(resources).length <= MAX_INLINE_PLAN_CHARS) return start;
  const plan = await store.save(start.instanceId, resources);
  return { ...start, input: { ...start.input, resources: [], plan } };
}
