/**
 * What evaluation needs to know about a subscription: the inventory (Resource Graph) and the facts
 * the policies ask for (batch metrics, backup coverage, scale sets' instance views, VM sizes,
 * locks, diagnostic settings, server parameters), gathered with as few requests as the APIs allow
 * and at most `concurrency` of them in flight. The facts Azure keeps per resource are read only
 * for the resources in `scope`. Inputs and outputs are plain JSON, so either
 * can cross into or out of an activity.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { AzureTarget } from "../azure/target.ts";
import type { FactRequest, Facts, FactScope, Inventory, InventoryResource, MetricRequest, ResourceKind } from "../policy/types.ts";
import type { Projection } from "../resourceTypes/projection.ts";
import { gatherBackupFacts } from "./backup.ts";
import { createLimiter, DEFAULT_CONCURRENCY } from "./concurrency.ts";
import { gatherDiagnosticSettings } from "./diagnosticSettings.ts";
import { gatherInstanceViews } from "./instanceViews.ts";
import { listLocks } from "./locks.ts";
import { gatherMetricFacts } from "./metrics.ts";
import { isPaced, subscriptionArmPacer } from "../azure/armPacer.ts";
import {
  CONTAINERS_QUERY,
  containersBySubscription,
  graphClientFor,
  listResourceGroups,
  listResources,
  PAGE_SIZE,
  queryAllRows,
} from "./resourceGraph.ts";
import { subscriptionOfId } from "../azure/resourceId.ts";
import { gatherServerParameters } from "./serverParameters.ts";
import { gatherVmSizes } from "./vmSizes.ts";

export type GatherStage = "resources" | "resource-groups" | "metrics" | "backup" | "vm-sizes" | "diagnostic-settings" | "server-parameters";

/** How far a stage is: pages' rows, metric batches or vaults done, out of the total known so far. */
export interface GatherProgress {
  stage: GatherStage;
  done: number;
  total: number;
}

/** Counts the HTTP requests of the clients it is given to, retries included (each attempt is one). */
export interface RequestCounter {
  readonly requests: number;
  readonly policy: PipelinePolicy;
}

export function createRequestCounter(): RequestCounter {
  let requests = 0;
  return {
    get requests() {
      return requests;
    },
    policy: {
      name: "governorRequestCounter",
      sendRequest: (request, next) => {
        requests += 1;
        return next(request);
      },
    },
  };
}

export interface GatherOptions {
  /** Requests in flight at most; ARM sustains about 25 reads a second per subscription. */
  concurrency?: number;
  onProgress?: (progress: GatherProgress) => void;
  requestCounter?: RequestCounter;
  /** Added to every client's pipeline, run once per attempt (to observe or count requests). */
  pipelinePolicies?: readonly PipelinePolicy[];
  /** What the inventory's query projects of each resource: the descriptors' paths unless told (`projectionOf` the policies' reads). */
  projection?: Projection;
}

/** The facts each kind's policies ask for. */
export type FactRequestsByKind = Partial<Record<Exclude<ResourceKind, "any">, FactRequest[]>>;

const policiesOf = (options: GatherOptions): PipelinePolicy[] => [
  ...(options.requestCounter ? [options.requestCounter.policy] : []),
  ...(options.pipelinePolicies ?? []),
];

export async function gatherInventory(target: AzureTarget, options: GatherOptions = {}): Promise<Inventory> {
  const limiter = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const client = await graphClientFor(target, policiesOf(options));
  const [resources, resourceGroups] = await Promise.all([
    listResources(client, target.subscriptionId, {
      limiter,
      ...(options.projection ? { projection: options.projection } : {}),
      onPage: ({ rows, totalRecords }) => options.onProgress?.({ stage: "resources", done: rows, total: totalRecords }),
    }),
    listResourceGroups(client, target.subscriptionId, {
      limiter,
      onPage: ({ rows, totalRecords }) => options.onProgress?.({ stage: "resource-groups", done: rows, total: totalRecords }),
    }),
  ]);
  return { subscriptionId: target.subscriptionId, resources, resourceGroups };
}

/**
 * The inventories of several subscriptions from one paged Resource Graph query across them (and
 * one of their resource groups), not one per subscription: Resource Graph's quota is per user, so
 * at a hundred subscriptions per-subscription queries would spend it on half-empty pages. Each
 * subscription's part, or why it has none: one Resource Graph does not show is an `Error`, the
 * others are planned. A subscription list longer than a page goes in batches of a page.
 */
export async function gatherInventories(targets: readonly AzureTarget[], options: GatherOptions = {}): Promise<Array<Inventory | Error>> {
  const first = targets[0];
  if (first === undefined) return [];
  if (targets.length === 1) return [await gatherInventory(first, options)];
  const limiter = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const client = await graphClientFor(first, policiesOf(options));
  const ids = targets.map((target) => target.subscriptionId);
  const resources: InventoryResource[] = [];
  const containerRows: Array<Record<string, unknown>> = [];
  for (let start = 0; start < ids.length; start += PAGE_SIZE) {
    const batch = ids.slice(start, start + PAGE_SIZE);
    const [listed, rows] = await Promise.all([
      listResources(client, batch, {
        limiter,
        ...(options.projection ? { projection: options.projection } : {}),
        onPage: ({ rows, totalRecords }) => options.onProgress?.({ stage: "resources", done: rows, total: totalRecords }),
      }),
      queryAllRows(client, batch, CONTAINERS_QUERY, {
        limiter,
        onPage: (rows, totalRecords) => options.onProgress?.({ stage: "resource-groups", done: rows, total: totalRecords }),
      }),
    ]);
    resources.push(...listed);
    containerRows.push(...rows);
  }
  const containers = containersBySubscription(containerRows);
  const bySubscription = new Map<string, InventoryResource[]>();
  for (const resource of resources) {
    const key = (subscriptionOfId(resource.id) ?? "").toLowerCase();
    const list = bySubscription.get(key);
    if (list) list.push(resource);
    else bySubscription.set(key, [resource]);
  }
  return targets.map((target) => {
    const key = target.subscriptionId.toLowerCase();
    const part = containers.get(key);
    if (!part?.visible)
      return Object.assign(
        new Error(
          `Resource Graph shows nothing of subscription ${target.subscriptionId}: Governor's roles are not assigned there (or not yet in effect)`,
        ),
        { code: "SubscriptionNotVisible" },
      );
    return { subscriptionId: target.subscriptionId, resources: bySubscription.get(key) ?? [], resourceGroups: part.resourceGroups };
  });
}

/** The metric requests of every kind, each kind's resources asked once per metric and window. */
export function metricRequestsOf(requests: FactRequestsByKind): MetricRequest[] {
  const metricRequests: MetricRequest[] = [];
  for (const [kind, kindRequests] of Object.entries(requests) as Array<[MetricRequest["kind"], FactRequest[] | undefined]>) {
    for (const request of kindRequests ?? []) {
      if (request.type === "metric") {
        metricRequests.push({
          kind,
          metric: request.metric,
          aggregation: request.aggregation,
          windowMs: request.windowMs,
          ...(request.grainMs === undefined ? {} : { grainMs: request.grainMs }),
        });
      }
    }
  }
  return metricRequests;
}

/** A metric request as the fact request a filter or an action made of it, for the scope. */
function metricFactRequest(request: MetricRequest): FactRequest {
  const { kind: _kind, ...fact } = request;
  return { type: "metric", ...fact };
}

/** The regions of the resources whose kinds ask for VM sizes: each region's sizes are listed once. */
export function vmSizeRegionsOf(inventory: Pick<Inventory, "resources">, requests: FactRequestsByKind): string[] {
  const kinds = new Set(
    Object.entries(requests)
      .filter(([, kindRequests]) => kindRequests?.some((request) => request.type === "vm-sizes"))
      .map(([kind]) => kind),
  );
  if (kinds.size === 0) return [];
  const regions = new Set<string>();
  for (const resource of inventory.resources) if (resource.kind !== undefined && kinds.has(resource.kind)) regions.add(resource.location);
  return [...regions];
}

/** The resources of the inventory whose kind asks for a request of `type`, with those requests, within the scope. */
function askedOf<T extends FactRequest["type"]>(
  inventory: Inventory,
  requests: FactRequestsByKind,
  type: T,
  scope: FactScope | undefined,
): Array<{ resource: InventoryResource; requests: Array<Extract<FactRequest, { type: T }>> }> {
  return inventory.resources.flatMap((resource) => {
    const asked = (resource.kind === undefined ? [] : (requests[resource.kind] ?? [])).filter(
      (request): request is Extract<FactRequest, { type: T }> => request.type === type && (scope?.(request, resource) ?? true),
    );
    return asked.length === 0 ? [] : [{ resource, requests: asked }];
  });
}

/**
 * The facts the requests name, at `now` (the end of every metric window). Backup facts are read
 * when any kind asks for them, and then cover every VM; VM sizes, of every region a kind that
 * asks for them has resources in; the locks list when a resource in scope asks for it; metrics,
 * diagnostic settings and server parameters for each resource in scope that asks.
 */
export async function gatherFacts(
  target: AzureTarget,
  inventory: Inventory,
  requests: FactRequestsByKind,
  now: Date,
  options: GatherOptions & { scope?: FactScope } = {},
): Promise<Facts> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const limiter = createLimiter(concurrency);
  // The per-resource reads outrun ARM's read refill at 10,000 resources: paced, they are not retried.
  // Through the subscription's one pacer in this process, shared with the plans beside this one and every change.
  const policies = [...policiesOf(options), ...(isPaced(target) ? [] : [subscriptionArmPacer(target)])];
  const metricRequests = metricRequestsOf(requests);
  const scope = options.scope;
  const wantsBackup = Object.values(requests).some((kindRequests) => kindRequests?.some((request) => request.type === "backup"));
  const wantsInstanceViews = (requests["vm-scale-set"] ?? []).some((request) => request.type === "instance-view");
  const sizeRegions = vmSizeRegionsOf(inventory, requests);
  const wantsLocks = askedOf(inventory, requests, "locks", options.scope).length > 0;
  const diagnosed = askedOf(inventory, requests, "diagnostic-settings", options.scope).map(({ resource }) => resource);
  // Servers grouped by the parameters asked of them, one read per server and parameter.
  const parameterGroups = new Map<string, { names: string[]; servers: InventoryResource[] }>();
  for (const { resource, requests: asked } of askedOf(inventory, requests, "server-parameter", options.scope)) {
    const names = [...new Set(asked.map((request) => request.name.toLowerCase()))].sort();
    const group = parameterGroups.get(names.join(",")) ?? { names, servers: [] };
    group.servers.push(resource);
    parameterGroups.set(names.join(","), group);
  }
  const parameterReads = [...parameterGroups.values()].reduce((sum, group) => sum + group.names.length * group.servers.length, 0);
  let parametersDone = 0;
  const [metrics, backup, instanceViews, vmSizes, locks, diagnosticSettings, parameterFacts] = await Promise.all([
    metricRequests.length === 0
      ? Promise.resolve({})
      : gatherMetricFacts(target, inventory.resources, metricRequests, now, {
          // The batch API is Azure Monitor's data plane, outside ARM's read bucket: behind the
          // paced per-resource ARM reads in one queue, the metrics would wait for all of them.
          limiter: createLimiter(concurrency),
          policies,
          onBatch: ({ batches, totalBatches }) => options.onProgress?.({ stage: "metrics", done: batches, total: totalBatches }),
          ...(scope === undefined ? {} : { scope: (request, resource) => scope(metricFactRequest(request), resource) }),
        }),
    wantsBackup
      ? gatherBackupFacts(target, inventory.resources, {
          limiter,
          policies,
          onVault: ({ vaults, totalVaults }) => options.onProgress?.({ stage: "backup", done: vaults, total: totalVaults }),
        })
      : Promise.resolve({ backup: {}, vaults: [] }),
    wantsInstanceViews ? gatherInstanceViews(target, inventory.resources, { limiter, policies }) : Promise.resolve(undefined),
    sizeRegions.length === 0
      ? Promise.resolve(undefined)
      : gatherVmSizes(target, sizeRegions, { limiter, policies }).then((sizes) => {
          options.onProgress?.({ stage: "vm-sizes", done: sizeRegions.length, total: sizeRegions.length });
          return sizes;
        }),
    wantsLocks ? listLocks(target, { limiter, policies }) : Promise.resolve(undefined),
    diagnosed.length === 0
      ? Promise.resolve(undefined)
      : gatherDiagnosticSettings(target, diagnosed, {
          limiter,
          policies,
          onResource: ({ done, total }) => options.onProgress?.({ stage: "diagnostic-settings", done, total }),
        }),
    Promise.all(
      [...parameterGroups.values()].map((group) =>
        gatherServerParameters(target, group.servers, group.names, {
          limiter,
          policies,
          onRead: () => options.onProgress?.({ stage: "server-parameters", done: (parametersDone += 1), total: parameterReads }),
        }),
      ),
    ),
  ]);
  const serverParameters = Object.assign({}, ...parameterFacts) as NonNullable<Facts["serverParameters"]>;
  return {
    metrics,
    ...backup,
    ...(instanceViews === undefined ? {} : { instanceViews }),
    ...(vmSizes === undefined ? {} : { vmSizes }),
    ...(locks === undefined ? {} : { locks }),
    ...(diagnosticSettings === undefined ? {} : { diagnosticSettings }),
    ...(parameterGroups.size === 0 ? {} : { serverParameters }),
  };
}
