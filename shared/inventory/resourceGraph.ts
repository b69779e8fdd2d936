/**
 * The estate as Resource Graph sees it: every resource of the subscription and every resource
 * group, read with KQL in pages of 1,000 rows, never one ARM call per resource.
 *
 * Resources come from a single query whose projection (shared/resourceTypes/projection.ts) carries
 * what each type's descriptor needs (the VM's size and power state, the snapshot's source disk,
 * the cluster's pools, the server's backup settings...) and the paths the loaded policies read,
 * rather than whole `properties` bags, so pages stay small. A single query, not one
 * per family: each query costs at least a page, and Resource Graph allows a user about 15 queries
 * per 5 seconds, so separate family queries would spend the quota on half-empty pages.
 */
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { setTimeout as sleep } from "node:timers/promises";
import { resourceGraphClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { InventoryResource, InventoryResourceGroup } from "../policy/types.ts";
import { asObject } from "../resourceTypes/descriptor.ts";
import { DESCRIBED_PROJECTION, type Projection } from "../resourceTypes/projection.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";
import { inventoryResource, stringTags } from "./inventoryResource.ts";

/** Resource Graph's largest page. */
export const PAGE_SIZE = 1000;

/** Every resource of the subscription, with the projection's paths under `properties` as columns of their own. */
export function resourcesQuery(projection: Projection = DESCRIBED_PROJECTION): string {
  return [
    "Resources",
    `| project id, name, type, location, resourceGroup, subscriptionId, tags, managedBy, skuName = tostring(sku.name), ${projection.columns
      .map(({ column, path }) => `${column} = properties.${path}`)
      .join(", ")}`,
    // Paging is only stable over a stable order.
    "| order by id asc",
  ].join("\n");
}

export const RESOURCE_GROUPS_QUERY = [
  "ResourceContainers",
  "| where type =~ 'microsoft.resources/subscriptions/resourcegroups'",
  "| project id, name, location, tags, managedBy",
  "| order by id asc",
].join("\n");

/**
 * The resource groups of several subscriptions and the subscriptions' own rows, in one query: a
 * subscription without its row is one Resource Graph does not show Governor (its roles are not
 * assigned there), which Resource Graph leaves out rather than refuses.
 */
export const CONTAINERS_QUERY = [
  "ResourceContainers",
  "| where type =~ 'microsoft.resources/subscriptions/resourcegroups' or type =~ 'microsoft.resources/subscriptions'",
  "| project id, name, type, location, tags, managedBy, subscriptionId",
  "| order by id asc",
].join("\n");

export interface PageProgress {
  query: "resources" | "resource-groups";
  /** Rows read so far, and how many the query has in all. */
  rows: number;
  totalRecords: number;
}

export interface ResourceGraphOptions {
  /** Shared with the other readers of one gathering, so in-flight requests stay bounded. */
  limiter?: Limiter;
  onPage?: (progress: PageProgress) => void;
}

type Row = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split(".");
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const child = asObject(node[segment]) ?? {};
    node[segment] = child;
    node = child;
  }
  node[segments.at(-1) as string] = value;
}

/** One row of `resourcesQuery(projection)` as an inventory resource. */
export function resourceFromRow(row: Row, projection: Projection = DESCRIBED_PROJECTION): InventoryResource {
  const properties: Record<string, unknown> = {};
  for (const { column, path } of projection.columns) {
    const value = row[column];
    if (value !== null && value !== undefined && value !== "") setPath(properties, path, value);
  }
  return inventoryResource(
    {
      id: row.id,
      name: row.name,
      type: row.type,
      location: row.location,
      resourceGroup: row.resourceGroup,
      subscriptionId: row.subscriptionId,
      tags: row.tags,
      managedBy: row.managedBy,
      skuName: row.skuName,
    },
    properties,
  );
}

/** `hh:mm:ss` (Resource Graph's `x-ms-user-quota-resets-after`) in milliseconds. */
function parseHms(text: string): number | undefined {
  const match = /^(\d+):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000;
}

/**
 * Waits out Resource Graph's per-user quota before asking, when the last answer said it was spent,
 * instead of spending a request on a 429. The SDK's retry still covers a quota spent elsewhere.
 */
function quotaPacingPolicy(): PipelinePolicy {
  let resumeAtMs = 0;
  return {
    name: "governorResourceGraphQuotaPacing",
    async sendRequest(request, next) {
      const waitMs = resumeAtMs - Date.now();
      if (waitMs > 0) await sleep(waitMs);
      const response = await next(request);
      const remaining = response.headers.get("x-ms-user-quota-remaining");
      const resetsAfterMs = parseHms(response.headers.get("x-ms-user-quota-resets-after") ?? "");
      if (remaining !== undefined && Number(remaining) <= 0 && resetsAfterMs !== undefined) resumeAtMs = Date.now() + resetsAfterMs;
      return response;
    },
  };
}

/** A Resource Graph client that paces itself on the quota; `policies` run once per attempt (request counting). */
export async function graphClientFor(target: AzureTarget, policies: readonly PipelinePolicy[] = []): Promise<ResourceGraphClient> {
  const client = await resourceGraphClient(target);
  client.pipeline.addPolicy(quotaPacingPolicy(), { afterPhase: "Retry" });
  for (const policy of policies) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return client;
}

/** What a query runs over: a subscription, subscriptions (at most a page of them), or what is under management groups. */
export type GraphScope = string | readonly string[] | { managementGroups: readonly string[] };

/** Every row of a query over the scope, following `$skipToken` to the end. */
export async function queryAllRows(
  client: ResourceGraphClient,
  scope: GraphScope,
  query: string,
  options: { limiter?: Limiter; onPage?: (rows: number, totalRecords: number) => void } = {},
): Promise<Row[]> {
  const run = options.limiter ?? createLimiter(1);
  const rows: Row[] = [];
  let skipToken: string | undefined;
  do {
    const token = skipToken;
    const page = await run(() =>
      client.resources({
        ...(typeof scope === "string"
          ? { subscriptions: [scope] }
          : "managementGroups" in scope
            ? { managementGroups: [...scope.managementGroups] }
            : { subscriptions: [...scope] }),
        query,
        options: { top: PAGE_SIZE, resultFormat: "objectArray", ...(token === undefined ? {} : { skipToken: token }) },
      }),
    );
    if (page.resultTruncated === "true") {
      // Only a projection without `id` is cut off instead of paged; ours always carry it.
      throw new Error(`Resource Graph truncated the result of a query that should page: ${query.split("\n")[0] ?? ""}`);
    }
    for (const row of page.data as Row[]) rows.push(row);
    options.onPage?.(rows.length, page.totalRecords);
    skipToken = page.skipToken;
  } while (skipToken !== undefined && skipToken !== "");
  return rows;
}

export async function listResources(
  client: ResourceGraphClient,
  subscriptionId: string | readonly string[],
  options: ResourceGraphOptions & { projection?: Projection } = {},
): Promise<InventoryResource[]> {
  const projection = options.projection ?? DESCRIBED_PROJECTION;
  const rows = await queryAllRows(client, subscriptionId, resourcesQuery(projection), {
    ...(options.limiter ? { limiter: options.limiter } : {}),
    onPage: (rows, totalRecords) => options.onPage?.({ query: "resources", rows, totalRecords }),
  });
  return rows.map((row) => resourceFromRow(row, projection));
}

/** Resource groups by lower-case name, with their tags (which resources may inherit). */
export async function listResourceGroups(
  client: ResourceGraphClient,
  subscriptionId: string,
  options: ResourceGraphOptions = {},
): Promise<Record<string, InventoryResourceGroup>> {
  const rows = await queryAllRows(client, subscriptionId, RESOURCE_GROUPS_QUERY, {
    ...(options.limiter ? { limiter: options.limiter } : {}),
    onPage: (rows, totalRecords) => options.onPage?.({ query: "resource-groups", rows, totalRecords }),
  });
  const groups: Record<string, InventoryResourceGroup> = {};
  for (const row of rows) addGroup(groups, row);
  return groups;
}

function addGroup(groups: Record<string, InventoryResourceGroup>, row: Row): void {
  const name = text(row.name);
  const managedBy = text(row.managedBy);
  groups[name.toLowerCase()] = {
    id: text(row.id),
    name,
    location: text(row.location),
    tags: stringTags(row.tags),
    ...(managedBy === "" ? {} : { managedBy }),
  };
}

/** One subscription's part of a gathering across several. */
export interface ScopedContainers {
  /** Whether Resource Graph showed the subscription's own row. */
  visible: boolean;
  resourceGroups: Record<string, InventoryResourceGroup>;
}

/** `CONTAINERS_QUERY`'s rows split by subscription (lower-case id): each one's groups, and whether it was seen. */
export function containersBySubscription(rows: readonly Row[]): Map<string, ScopedContainers> {
  const bySubscription = new Map<string, ScopedContainers>();
  for (const row of rows) {
    const subscription = text(row.subscriptionId).toLowerCase();
    if (subscription === "") continue;
    let part = bySubscription.get(subscription);
    if (!part) bySubscription.set(subscription, (part = { visible: false, resourceGroups: {} }));
    if (text(row.type).toLowerCase() === "microsoft.resources/subscriptions") part.visible = true;
    else addGroup(part.resourceGroups, row);
  }
  return bySubscription;
}
