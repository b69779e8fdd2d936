/**
 * What evaluation needs to know about a subscription: the inventory (Resource Graph) and the facts
 * the policies ask for (batch metrics, backup coverage, scale sets' instance views), gathered with as few requests as the APIs
 * allow and at most `concurrency` of them in flight. Inputs and outputs are plain JSON, so either
 * can cross into or out of an activity.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { AzureTarget } from "../azure/target.ts";
import type { FactRequest, Facts, Inventory, MetricRequest, ResourceKind } from "../policy/types.ts";
import type { Projection } from "../resourceTypes/projection.ts";
import { gatherBackupFacts } from "./backup.ts";
import { createLimiter, DEFAULT_CONCURRENCY } from "./concurrency.ts";
import { gatherInstanceViews } from "./instanceViews.ts";
import { gatherMetricFacts } from "./metrics.ts";
import { graphClientFor, listResourceGroups, listResources } from "./resourceGraph.ts";
import { gatherVmSizes } from "./vmSizes.ts";

export type GatherStage = "resources" | "resource-groups" | "metrics" | "backup" | "vm-sizes";

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

/**
 * The facts the requests name, at `now` (the end of every metric window). Backup facts are read
 * when any kind asks for them, and then cover every VM; VM sizes, of every region a kind that
 * asks for them has resources in.
 */
export async function gatherFacts(
  target: AzureTarget,
  inventory: Inventory,
  requests: FactRequestsByKind,
  now: Date,
  options: GatherOptions = {},
): Promise<Facts> {
  const limiter = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const policies = policiesOf(options);
  const metricRequests = metricRequestsOf(requests);
  const wantsBackup = Object.values(requests).some((kindRequests) => kindRequests?.some((request) => request.type === "backup"));
  const wantsInstanceViews = (requests["vm-scale-set"] ?? []).some((request) => request.type === "instance-view");
  const sizeRegions = vmSizeRegionsOf(inventory, requests);
  const [metrics, backup, instanceViews, vmSizes] = await Promise.all([
    metricRequests.length === 0
      ? Promise.resolve({})
      : gatherMetricFacts(target, inventory.resources, metricRequests, now, {
          limiter,
          policies,
          onBatch: ({ batches, totalBatches }) => options.onProgress?.({ stage: "metrics", done: batches, total: totalBatches }),
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
  ]);
  return { metrics, ...backup, ...(instanceViews === undefined ? {} : { instanceViews }), ...(vmSizes === undefined ? {} : { vmSizes }) };
}
