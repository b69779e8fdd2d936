/**
 * The estate as Resource Graph sees it: every resource of the subscription and every resource
 * group, read with KQL in pages of 1,000 rows, never one ARM call per resource.
 *
 * Resources come from a single query whose projection carries what each family needs (the VM's
 * size and power state, the snapshot's source disk, the cluster's pools, the server's backup
 * settings...) rather than whole `properties` bags, so pages stay small. A single query, not one
 * per family: each query costs at least a page, and Resource Graph allows a user about 15 queries
 * per 5 seconds, so separate family queries would spend the quota on half-empty pages.
 */
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { setTimeout as sleep } from "node:timers/promises";
import { resourceGraphClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import { type InventoryResource, type InventoryResourceGroup, kindOfArmType, type PowerState } from "../policy/types.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";

/** Resource Graph's largest page. */
export const PAGE_SIZE = 1000;

/**
 * The paths under `properties` that policies read, each projected as its own column and put back
 * at the same path in `InventoryResource.properties`.
 */
const PROPERTY_PATHS = [
  // Virtual machines: size (allowed sizes, prices), OS (licence in prices), power state, age.
  "hardwareProfile.vmSize",
  "storageProfile.osDisk.osType",
  "extended.instanceView.powerState.code",
  "timeCreated",
  // AKS: power state, and the pools (node size and count) that make the cluster's cost.
  "powerState.code",
  "agentPoolProfiles",
  // Disks and snapshots: size, attachment state (shared disks list their VMs), a snapshot's source disk.
  "diskSizeGB",
  "diskState",
  "managedByExtended",
  "incremental",
  "creationData.sourceResourceId",
  // PostgreSQL flexible servers: backup retention and geo-redundancy, Ready or Stopped, exposure.
  "backup",
  "state",
  "network.publicNetworkAccess",
  // Storage accounts: age and tier. Redis keeps its SKU under properties.
  "creationTime",
  "accessTier",
  "sku",
] as const;

const columnOf = (path: string): string => `p_${path.replaceAll(".", "_")}`;

/** Every resource of the subscription, with the family-specific fields projected. */
export const RESOURCES_QUERY = [
  "Resources",
  `| project id, name, type, location, resourceGroup, subscriptionId, tags, managedBy, skuName = tostring(sku.name), ${PROPERTY_PATHS.map(
    (path) => `${columnOf(path)} = properties.${path}`,
  ).join(", ")}`,
  // Paging is only stable over a stable order.
  "| order by id asc",
].join("\n");

export const RESOURCE_GROUPS_QUERY = [
  "ResourceContainers",
  "| where type =~ 'microsoft.resources/subscriptions/resourcegroups'",
  "| project id, name, location, tags",
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

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function stringTags(value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, tagValue] of Object.entries(asObject(value) ?? {})) if (typeof tagValue === "string") tags[name] = tagValue;
  return tags;
}

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

function getPath(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const segment of path.split(".")) node = asObject(node)?.[segment];
  return node;
}

const POWER_STATES: readonly PowerState[] = ["running", "deallocated", "stopped", "starting", "stopping", "deallocating"];

function powerStateOf(word: string): PowerState {
  const lower = word.toLowerCase();
  return POWER_STATES.find((state) => state === lower) ?? "unknown";
}

/** PostgreSQL's `state`: Ready means the server runs; Stopped servers emit no metrics. */
const POSTGRES_STATES: Record<string, PowerState> = { ready: "running", stopped: "stopped", starting: "starting", stopping: "stopping" };

function familyFields(
  kind: InventoryResource["kind"],
  properties: Record<string, unknown>,
  skuName: string | undefined,
): Pick<InventoryResource, "sku" | "powerState"> {
  switch (kind) {
    case "virtual-machine": {
      // `PowerState/running`, `PowerState/deallocated`, ...
      const code = nonEmptyString(getPath(properties, "extended.instanceView.powerState.code"));
      return {
        sku: nonEmptyString(getPath(properties, "hardwareProfile.vmSize")),
        powerState: code === undefined ? undefined : powerStateOf(code.split("/").at(-1) ?? ""),
      };
    }
    case "aks-cluster": {
      const pools = properties.agentPoolProfiles;
      const code = nonEmptyString(getPath(properties, "powerState.code"));
      return {
        sku: Array.isArray(pools) ? nonEmptyString(asObject(pools[0])?.vmSize) : undefined,
        powerState: code === undefined ? undefined : powerStateOf(code),
      };
    }
    case "postgresql-server": {
      const state = nonEmptyString(properties.state);
      return { sku: skuName, powerState: state === undefined ? undefined : (POSTGRES_STATES[state.toLowerCase()] ?? "unknown") };
    }
    case "redis-cache":
      return { sku: nonEmptyString(getPath(properties, "sku.name")) ?? skuName, powerState: undefined };
    default:
      return { sku: skuName, powerState: undefined };
  }
}

/** One row of `RESOURCES_QUERY` as an inventory resource. */
export function resourceFromRow(row: Row): InventoryResource {
  const type = text(row.type).toLowerCase();
  const kind = kindOfArmType(type);
  const properties: Record<string, unknown> = {};
  for (const path of PROPERTY_PATHS) {
    const value = row[columnOf(path)];
    if (value !== null && value !== undefined && value !== "") setPath(properties, path, value);
  }
  const { sku, powerState } = familyFields(kind, properties, nonEmptyString(row.skuName));
  const createdAt = nonEmptyString(properties.timeCreated) ?? nonEmptyString(properties.creationTime);
  const managedBy = nonEmptyString(row.managedBy);
  return {
    id: text(row.id),
    name: text(row.name),
    type,
    kind,
    subscriptionId: text(row.subscriptionId),
    resourceGroup: text(row.resourceGroup),
    location: text(row.location),
    tags: stringTags(row.tags),
    ...(sku === undefined ? {} : { sku }),
    ...(powerState === undefined ? {} : { powerState }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(managedBy === undefined ? {} : { managedBy }),
    properties,
  };
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

/** Every row of a query over the target's subscription, following `$skipToken` to the end. */
export async function queryAllRows(
  client: ResourceGraphClient,
  subscriptionId: string,
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
        subscriptions: [subscriptionId],
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
  subscriptionId: string,
  options: ResourceGraphOptions = {},
): Promise<InventoryResource[]> {
  const rows = await queryAllRows(client, subscriptionId, RESOURCES_QUERY, {
    ...(options.limiter ? { limiter: options.limiter } : {}),
    onPage: (rows, totalRecords) => options.onPage?.({ query: "resources", rows, totalRecords }),
  });
  return rows.map(resourceFromRow);
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
  for (const row of rows) {
    const name = text(row.name);
    groups[name.toLowerCase()] = { id: text(row.id), name, location: text(row.location), tags: stringTags(row.tags) };
  }
  return groups;
}
