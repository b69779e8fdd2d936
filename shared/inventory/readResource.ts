/**
 * One resource as Azure Resource Manager says it is NOW: an ARM GET, never Resource Graph, whose
 * results can lag a change by minutes. What a remediation decides on, just before it acts.
 *
 * The answer is the same `InventoryResource` the inventory builds from Resource Graph: the ARM
 * body is put in the shape of a row of `RESOURCES_QUERY` (the same property paths) and mapped by
 * `resourceFromRow`, so a filter reads a fresh resource exactly as it reads an inventoried one.
 * Power state comes from where ARM keeps it: a VM's instance view (`PowerState/<state>`), an AKS
 * cluster's `powerState.code` (Stopping and Starting, which ARM shows only as the cluster's
 * `provisioningState`, read as `stopping` and `starting`). A resource that no longer exists (404)
 * is `undefined`.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { computeClient, containerServiceClient, postgresClient, resourcesClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { InventoryResource, InventoryResourceGroup } from "../policy/types.ts";
import { RESOURCES_QUERY, resourceFromRow } from "./resourceGraph.ts";
import { parseResourceId, type ResourceIdParts } from "../azure/resourceId.ts";

type Json = Record<string, unknown>;

export interface ReadOptions {
  /** Added to each client's pipeline once per attempt (request counting). */
  policies?: readonly PipelinePolicy[];
}

/** The projection of the inventory's query, `p_<column> = properties.<path>`, read from the query so the two cannot drift. */
const PROJECTED_PATHS: ReadonlyArray<{ column: string; path: string }> = [
  ...RESOURCES_QUERY.matchAll(/\b(p_\w+) = properties\.([\w.]+)/g),
].map((match) => ({ column: match[1] as string, path: match[2] as string }));
if (PROJECTED_PATHS.length === 0) throw new Error("readResource: no property paths found in the inventory's Resource Graph query");

/**
 * Types read by id through the generic API, which needs the type's own api-version: those whose
 * properties policies read (a storage account's tier and age, a cache's SKU).
 */
const GENERIC_API_VERSIONS: Record<string, string> = {
  "microsoft.storage/storageaccounts": "2023-05-01",
  "microsoft.cache/redis": "2024-03-01",
};

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const segment of path.split(".")) node = asObject(node)?.[segment];
  return node;
}

function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** `undefined` for a 404 (the resource or its group is gone); every other error is thrown. */
async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** An ARM body (as ARM sends it, not the SDK's flattened model) as an inventory resource. */
export function resourceFromArm(body: Json, subscriptionId: string): InventoryResource {
  const id = typeof body.id === "string" ? body.id : "";
  const properties = asObject(body.properties) ?? {};
  const row: Json = {
    id,
    name: body.name,
    type: body.type,
    location: typeof body.location === "string" ? body.location.replace(/\s+/g, "").toLowerCase() : "",
    // Resource Graph answers resource groups in lower case; so does this.
    resourceGroup: (/\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? "").toLowerCase(),
    subscriptionId: /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? subscriptionId,
    tags: asObject(body.tags) ?? {},
    managedBy: body.managedBy,
    skuName: asObject(body.sku)?.name,
  };
  for (const { column, path } of PROJECTED_PATHS) row[column] = getPath(properties, path);
  const resource = resourceFromRow(row);
  const provisioningState = properties.provisioningState;
  if (typeof provisioningState === "string") resource.properties.provisioningState = provisioningState;
  if (resource.kind === "aks-cluster" && typeof provisioningState === "string") {
    // A cluster on its way to Stopped still says Running in powerState: the operation is what counts.
    const transition = provisioningState.toLowerCase();
    if (transition === "stopping" || transition === "starting") resource.powerState = transition;
  }
  return resource;
}

/** `PowerState/deallocated` from a VM's instance view, put where Resource Graph has it. */
function withVmPowerState(body: Json): Json {
  const properties = asObject(body.properties) ?? {};
  const statuses = getPath(properties, "instanceView.statuses");
  const code = Array.isArray(statuses)
    ? statuses
        .map((status) => asObject(status)?.code)
        .find((candidate): candidate is string => typeof candidate === "string" && /^PowerState\//i.test(candidate))
    : undefined;
  if (code === undefined) return body;
  const { instanceView: _instanceView, ...rest } = properties;
  return { ...body, properties: { ...rest, extended: { instanceView: { powerState: { code } } } } };
}

function withPolicies<T extends { pipeline: { addPolicy: (policy: PipelinePolicy, options?: { afterPhase?: "Retry" }) => void } }>(
  client: T,
  options: ReadOptions,
): T {
  for (const policy of options.policies ?? []) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return client;
}

/**
 * The JSON ARM answered, as ARM wrote it: the SDKs' models flatten `properties`, and some SDKs
 * hand `parsedBody` over already deserialised, so the text is parsed here.
 */
async function rawBody(
  call: (onResponse: (response: { bodyAsText?: string | null; parsedBody?: unknown }) => void) => Promise<unknown>,
): Promise<Json> {
  let body: unknown;
  await call((response) => {
    body = typeof response.bodyAsText === "string" && response.bodyAsText !== "" ? JSON.parse(response.bodyAsText) : response.parsedBody;
  });
  const object = asObject(body);
  if (!object) throw new Error("ARM answered without a JSON body");
  return object;
}

async function readArmBody(target: AzureTarget, parts: ResourceIdParts, options: ReadOptions): Promise<Json | undefined> {
  const { resourceGroup: rg, name } = parts;
  switch (parts.type.toLowerCase()) {
    case "microsoft.compute/virtualmachines": {
      const client = withPolicies(await computeClient(target), options);
      const body = await unlessNotFound(() =>
        rawBody((onResponse) => client.virtualMachines.get(rg, name, { expand: "instanceView", onResponse })),
      );
      return body && withVmPowerState(body);
    }
    case "microsoft.compute/snapshots": {
      const client = withPolicies(await computeClient(target), options);
      return unlessNotFound(() => rawBody((onResponse) => client.snapshots.get(rg, name, { onResponse })));
    }
    case "microsoft.compute/disks": {
      const client = withPolicies(await computeClient(target), options);
      return unlessNotFound(() => rawBody((onResponse) => client.disks.get(rg, name, { onResponse })));
    }
    case "microsoft.containerservice/managedclusters": {
      const client = withPolicies(await containerServiceClient(target), options);
      return unlessNotFound(() => rawBody((onResponse) => client.managedClusters.get(rg, name, { onResponse })));
    }
    case "microsoft.dbforpostgresql/flexibleservers": {
      const client = withPolicies(await postgresClient(target), options);
      return unlessNotFound(() => rawBody((onResponse) => client.servers.get(rg, name, { onResponse })));
    }
    default: {
      const apiVersion = GENERIC_API_VERSIONS[parts.type.toLowerCase()];
      if (apiVersion !== undefined) {
        const client = withPolicies(await resourcesClient(target), options);
        const id = `/subscriptions/${parts.subscriptionId}/resourceGroups/${rg}/providers/${parts.type}/${name}`;
        return unlessNotFound(() => rawBody((onResponse) => client.resources.getById(id, apiVersion, { onResponse })));
      }
      if (parts.type.split("/").length !== 2) throw new Error(`readResource: child resources (${parts.type}) are not read`);
      // Any other top-level type, through the generic list, which needs no api-version of the type's own.
      const client = withPolicies(await resourcesClient(target), options);
      const quote = (text: string): string => text.replaceAll("'", "''");
      const found = await unlessNotFound(async () => {
        for await (const item of client.resources.listByResourceGroup(rg, {
          filter: `resourceType eq '${quote(parts.type)}' and name eq '${quote(name)}'`,
        })) {
          if (item.name?.toLowerCase() === name.toLowerCase() && item.type?.toLowerCase() === parts.type.toLowerCase()) return item;
        }
        return undefined;
      });
      if (!found) return undefined;
      return {
        id: found.id,
        name: found.name,
        type: found.type,
        location: found.location,
        tags: found.tags ?? {},
        ...(found.managedBy === undefined ? {} : { managedBy: found.managedBy }),
        ...(found.sku === undefined ? {} : { sku: found.sku }),
        properties: {},
      };
    }
  }
}

/** The resource as ARM says it is now, or `undefined` when it no longer exists. */
export async function readResource(
  target: AzureTarget,
  resourceId: string,
  options: ReadOptions = {},
): Promise<InventoryResource | undefined> {
  const parts = parseResourceId(resourceId);
  if (parts.subscriptionId.toLowerCase() !== target.subscriptionId.toLowerCase()) {
    throw new Error(`readResource: ${resourceId} is not in subscription ${target.subscriptionId}`);
  }
  const body = await readArmBody(target, parts, options);
  return body === undefined ? undefined : resourceFromArm(body, target.subscriptionId);
}

/** A resource group with its tags (which resources inherit), or `undefined` when it no longer exists. */
export async function readResourceGroup(
  target: AzureTarget,
  name: string,
  options: ReadOptions = {},
): Promise<InventoryResourceGroup | undefined> {
  const client = withPolicies(await resourcesClient(target), options);
  const group = await unlessNotFound(() => client.resourceGroups.get(name));
  if (!group) return undefined;
  return {
    id: group.id ?? `/subscriptions/${target.subscriptionId}/resourceGroups/${name}`,
    name: group.name ?? name,
    location: (group.location ?? "").replace(/\s+/g, "").toLowerCase(),
    tags: { ...(group.tags ?? {}) },
  };
}

/**
 * Every snapshot of the subscription taken from a disk (its `creationData.sourceResourceId`), as
 * ARM lists them now: whether a snapshot is the newest of its disk is decided on these, not on an
 * inventory that may still show a snapshot deleted since.
 */
export async function readSnapshotsOfDisk(target: AzureTarget, diskId: string, options: ReadOptions = {}): Promise<InventoryResource[]> {
  const client = withPolicies(await computeClient(target), options);
  const wanted = diskId.toLowerCase();
  const found: InventoryResource[] = [];
  for await (const snapshot of client.snapshots.list()) {
    if (snapshot.creationData?.sourceResourceId?.toLowerCase() !== wanted) continue;
    // The list's models are the SDK's; put them back in ARM's shape for the shared mapping.
    found.push(
      resourceFromArm(
        {
          id: snapshot.id,
          name: snapshot.name,
          type: snapshot.type ?? "Microsoft.Compute/snapshots",
          location: snapshot.location,
          tags: snapshot.tags ?? {},
          managedBy: snapshot.managedBy,
          sku: snapshot.sku,
          properties: {
            timeCreated: snapshot.timeCreated?.toISOString(),
            creationData: { sourceResourceId: snapshot.creationData?.sourceResourceId },
            diskSizeGB: snapshot.diskSizeGB,
            incremental: snapshot.incremental,
            provisioningState: snapshot.provisioningState,
          },
        },
        target.subscriptionId,
      ),
    );
  }
  return found;
}
