/**
 * Metric facts through Azure Monitor's batch API (`metrics:getBatch`): up to 50 resources of one
 * subscription, region and namespace per call, at the region's own endpoint. Reading metrics one
 * resource at a time through ARM is what throttles subscriptions; this reads a thousand VMs in
 * twenty calls.
 *
 * All the metrics a kind needs come from one call per batch, over the longest window asked for at
 * the finest grain asked for (hourly, or half-hourly when rightsizing reads Advisor's 30-minute
 * buckets); each request's fact is then computed from the buckets inside its own window, the
 * half-hours put together into hours for a request at the hourly grain.
 * A resource that is not running emits nothing (missing data is not idleness), so it is not asked
 * about: its facts say `null` with no points.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type PipelinePolicy,
  RestError,
} from "@azure/core-rest-pipeline";
import type { MetricsClient } from "@azure/monitor-query-metrics";
import { metricsClient } from "../azure/clients.ts";
import { subscriptionOfId } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";
import {
  type Facts,
  type InventoryResource,
  type MetricAggregation,
  type MetricFact,
  metricKey,
  type MetricRequest,
} from "../policy/types.ts";
import { resourceTypeOfKind } from "../resourceTypes/index.ts";
import { createLimiter, DEFAULT_CONCURRENCY, type Limiter, mapLimit } from "./concurrency.ts";

/** The batch API's limits: resources per call, and metric names per call. */
export const MAX_RESOURCES_PER_BATCH = 50;
export const MAX_METRICS_PER_BATCH = 20;
const HOUR_MS = 3_600_000;
/** The grain facts are read at unless a request asks for a finer one. */
export const DEFAULT_GRAIN_MS = HOUR_MS;

type MetricKind = MetricRequest["kind"];

/** Where a kind's metrics live (its descriptor's `metrics`): mostly the resource itself, in its type's namespace. */
function metricSourceOf(kind: MetricKind): { namespace: string; idSuffix: string } | undefined {
  const metrics = resourceTypeOfKind(kind)?.metrics;
  return metrics && { namespace: metrics.namespace, idSuffix: metrics.idSuffix ?? "" };
}

/** The field of a bucket each aggregation reads: a p95 is over the buckets' maxima (CPU) or averages (network's bytes a minute). */
const POINT_FIELD: Record<MetricAggregation, "average" | "maximum" | "minimum" | "total"> = {
  average: "average",
  maximum: "maximum",
  minimum: "minimum",
  total: "total",
  "p95-of-max": "maximum",
  "p95-of-average": "average",
};

export interface MetricBatch {
  kind: MetricKind;
  /** What the batch's resources are asked: the requests of their kind in their scope. */
  requests: MetricRequest[];
  region: string;
  namespace: string;
  /** The ids the metrics are read at (the resource's, or its metrics child's). */
  metricIds: string[];
  metricNames: string[];
  aggregations: string[];
  windowMs: number;
  /** The query's interval: the finest grain the kind's requests ask for. */
  grainMs: number;
}

export interface MetricsOptions {
  /**
   * Bounds the batches in flight. gatherFacts gives the metrics one of their own: a limiter shared
   * with the paced ARM reads would hold them behind every one of those.
   */
  limiter?: Limiter;
  /** Added to each client's pipeline once per attempt (request counting). */
  policies?: readonly PipelinePolicy[];
  onBatch?: (progress: { batches: number; totalBatches: number }) => void;
  /** Whether a resource is asked a request (a policy could still find it); every resource of the request's kind when absent. */
  scope?: MetricScope;
}

export type MetricScope = (request: MetricRequest, resource: InventoryResource) => boolean;

/** A resource emits metrics unless its power state says it does not run. */
export function emitsMetrics(resource: InventoryResource): boolean {
  return resource.powerState === undefined || resource.powerState === "running";
}

export function expectedPoints(windowMs: number, grainMs: number = DEFAULT_GRAIN_MS): number {
  return Math.ceil(windowMs / grainMs);
}

const grainOf = (request: Pick<MetricRequest, "grainMs">): number => request.grainMs ?? DEFAULT_GRAIN_MS;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Requests made unique: two policies may ask for the same metric. */
function uniqueRequests(requests: readonly MetricRequest[]): MetricRequest[] {
  const seen = new Map<string, MetricRequest>();
  for (const request of requests) seen.set(`${request.kind}|${metricKey(request)}`, request);
  return [...seen.values()];
}

/** The requests each running resource is asked, by resource, within the scope. */
function askedOf(resources: readonly InventoryResource[], requests: readonly MetricRequest[], scope: MetricScope | undefined) {
  const asked: Array<{ resource: InventoryResource; requests: MetricRequest[] }> = [];
  for (const resource of resources) {
    if (resource.kind === undefined || !emitsMetrics(resource)) continue;
    const own = requests.filter((request) => request.kind === resource.kind && (scope?.(request, resource) ?? true));
    if (own.length > 0) asked.push({ resource, requests: own });
  }
  return asked;
}

/**
 * The calls the requests need: the running resources grouped by kind, by what they are asked
 * (a week of half-hours for the VMs rightsizing could resize, three days of hours for the others)
 * and by region, 50 at a time, with every metric and aggregation their requests name, over their
 * longest window.
 */
export function planMetricBatches(
  resources: readonly InventoryResource[],
  requests: readonly MetricRequest[],
  scope?: MetricScope,
): MetricBatch[] {
  const batches: MetricBatch[] = [];
  const groups = new Map<string, { kind: MetricKind; requests: MetricRequest[]; byRegion: Map<string, InventoryResource[]> }>();
  for (const { resource, requests: own } of askedOf(resources, uniqueRequests(requests), scope)) {
    const key = `${resource.kind}|${own.map(metricKey).sort().join(";")}`;
    const group = groups.get(key) ?? { kind: resource.kind as MetricKind, requests: own, byRegion: new Map<string, InventoryResource[]>() };
    groups.set(key, group);
    const region = resource.location.toLowerCase();
    const members = group.byRegion.get(region) ?? [];
    members.push(resource);
    group.byRegion.set(region, members);
  }
  for (const [, { kind, requests: kindRequests, byRegion }] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const source = metricSourceOf(kind);
    // A type with no metrics namespace has no data to ask for: its facts stay null.
    if (source === undefined) continue;
    const metricNames = [...new Set(kindRequests.map((request) => request.metric))];
    const aggregations = [...new Set(kindRequests.map((request) => POINT_FIELD[request.aggregation]))];
    const windowMs = Math.max(...kindRequests.map((request) => request.windowMs));
    const grainMs = Math.min(...kindRequests.map(grainOf));
    for (const [region, members] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
      const ids = members.map((resource) => `${resource.id}${source.idSuffix}`);
      for (const metricIds of chunk(ids, MAX_RESOURCES_PER_BATCH)) {
        for (const names of chunk(metricNames, MAX_METRICS_PER_BATCH)) {
          batches.push({
            kind,
            requests: kindRequests.filter((request) => names.includes(request.metric)),
            region,
            namespace: source.namespace,
            metricIds,
            metricNames: names,
            aggregations,
            windowMs,
            grainMs,
          });
        }
      }
    }
  }
  return batches;
}

/** `PT1H`, `PT30M`: a grain as the metrics API's `interval` spells it. */
export function isoGrain(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? `PT${minutes / 60}H` : `PT${minutes}M`;
}

/**
 * Data points (buckets × metrics × resources) of answers the gatherer holds at once, at most: the
 * batches of a pack with only hourly 72-hour windows all fit (8 × 3,600), a week of half-hours of
 * three metrics for 50 VMs (50,400 points) one at a time. Each such answer is about 5 MB of JSON
 * and its parsed points: two at a time, the planner peaked at 380 MB at 10,000 resources, one at
 * a time at 273 MB in the same 19.3 s against the emulator. In Azure a sweep of the rightsizing
 * policy waits for Azure Monitor's answers one after the other instead: seconds more, in the
 * background, for a worker that shares its memory with other activities.
 */
export const POINTS_IN_FLIGHT = 60_000;

/** The points a batch's answer holds. */
export function pointsOf(batch: Pick<MetricBatch, "metricIds" | "metricNames" | "windowMs" | "grainMs">): number {
  return batch.metricIds.length * batch.metricNames.length * expectedPoints(batch.windowMs, batch.grainMs);
}

/** A request's window: from its start to the end of the query (now), in ms. */
export interface MetricWindow {
  startMs: number;
  endMs: number;
}

/** `PT1H`, `P1D`, `PT5M` as milliseconds; undefined for anything else. */
export function grainMs(granularity: string | undefined): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(granularity?.trim() ?? "");
  if (!match || !/\d/.test(granularity ?? "")) return undefined;
  const [, days, hours, minutes, seconds] = match;
  const ms = (((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes ?? 0)) * 60 + Number(seconds ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}

/** A bucket as the batch API answers it: its start (the answer's ISO text, or a Date) and the aggregations asked for. */
export interface MetricBucket {
  timeStamp: Date | string;
  average?: number;
  minimum?: number;
  maximum?: number;
  total?: number;
  count?: number;
}

/** A point's time stamp in ms, without a Date of its own for each (weeks of half-hours are many points). */
const msOf = (stamp: Date | string): number => (stamp instanceof Date ? stamp.getTime() : Date.parse(stamp));

/**
 * The values an aggregation reads from the points of its window (buckets without data left out).
 * A point stands for its bucket, `[timeStamp, timeStamp + grain)` cut at the end of the query, and
 * counts when most of that bucket lies inside the window. Azure Monitor starts the buckets at the
 * query's start rounded down to the minute, so the first one starts a little before the window,
 * and a shorter window read from a longer query cuts a bucket anywhere: neither may lose a bucket
 * that is mostly the window's, nor take one that is mostly before it, whatever the alignment.
 */
export function aggregatePoints(
  points: readonly MetricBucket[],
  aggregation: MetricAggregation,
  window: MetricWindow,
  bucketMs: number,
): number[] {
  const field = POINT_FIELD[aggregation];
  const values: number[] = [];
  for (const point of points) {
    const value = point[field];
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    const stamp = msOf(point.timeStamp);
    const middle = (stamp + Math.min(stamp + bucketMs, window.endMs)) / 2;
    if (middle >= window.startMs && middle < window.endMs) values.push(value);
  }
  return values;
}

/**
 * Buckets of a finer grain put together into buckets of `grainMs`, counted from the first bucket
 * (the query's start): averages averaged, maxima and minima kept, totals added. Buckets without
 * data add nothing; a coarse bucket with none has no value.
 */
export function coarsenPoints(points: readonly MetricBucket[], fineMs: number, grainMs: number): MetricBucket[] {
  if (grainMs <= fineMs || points.length === 0) return [...points];
  const first = msOf((points[0] as MetricBucket).timeStamp);
  const groups = new Map<number, MetricBucket[]>();
  for (const point of points) {
    const index = Math.floor((msOf(point.timeStamp) - first) / grainMs);
    const group = groups.get(index) ?? [];
    group.push(point);
    groups.set(index, group);
  }
  const combine = (group: MetricBucket[], field: "average" | "maximum" | "minimum" | "total"): number | undefined => {
    const values = group
      .map((point) => point[field])
      .filter((value): value is number => typeof value === "number" && Number.isFinite(value));
    if (values.length === 0) return undefined;
    if (field === "maximum") return Math.max(...values);
    if (field === "minimum") return Math.min(...values);
    const sum = values.reduce((total, value) => total + value, 0);
    return field === "total" ? sum : sum / values.length;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, group]) => {
      const point: MetricBucket = { timeStamp: new Date(first + index * grainMs) };
      for (const field of ["average", "maximum", "minimum", "total"] as const) {
        const value = combine(group, field);
        if (value !== undefined) point[field] = value;
      }
      return point;
    });
}

/**
 * What `aggregatePoints(coarsenPoints(points, fineMs, grainMs), aggregation, window, grainMs)`
 * gives, in one pass over the points without a coarse point per bucket: a week of half-hours of
 * three metrics for 50 VMs is read in every batch. Points out of time order (which Azure does not
 * send) are read the long way, so the answer is the same whatever the input.
 */
export function windowValues(
  points: readonly MetricBucket[],
  aggregation: MetricAggregation,
  window: MetricWindow,
  fineMs: number,
  grainMs: number,
): number[] {
  if (grainMs <= fineMs || points.length === 0) return aggregatePoints(points, aggregation, window, grainMs);
  const field = POINT_FIELD[aggregation];
  const first = msOf((points[0] as MetricBucket).timeStamp);
  const values: number[] = [];
  let index = Number.NEGATIVE_INFINITY;
  let combined = 0;
  let count = 0;
  // The coarse bucket just read: its value counts when most of it lies inside the window.
  const flush = (): void => {
    if (count === 0) return;
    const stamp = first + index * grainMs;
    const middle = (stamp + Math.min(stamp + grainMs, window.endMs)) / 2;
    if (middle >= window.startMs && middle < window.endMs) values.push(field === "average" ? combined / count : combined);
  };
  for (const point of points) {
    const at = Math.floor((msOf(point.timeStamp) - first) / grainMs);
    if (at < index) return aggregatePoints(coarsenPoints(points, fineMs, grainMs), aggregation, window, grainMs);
    if (at !== index) {
      flush();
      index = at;
      count = 0;
      combined = 0;
    }
    const value = point[field];
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    if (count === 0) combined = field === "average" || field === "total" ? 0 + value : value;
    else if (field === "maximum") combined = Math.max(combined, value);
    else if (field === "minimum") combined = Math.min(combined, value);
    else combined += value;
    count += 1;
  }
  flush();
  return values;
}

export function metricFact(
  values: readonly number[],
  aggregation: MetricAggregation,
  windowMs: number,
  grainMs: number = DEFAULT_GRAIN_MS,
): MetricFact {
  const expected = expectedPoints(windowMs, grainMs);
  if (values.length === 0) return { value: null, points: 0, expectedPoints: expected };
  let value: number;
  switch (aggregation) {
    case "average":
      value = values.reduce((sum, v) => sum + v, 0) / values.length;
      break;
    case "maximum":
      value = Math.max(...values);
      break;
    case "minimum":
      value = Math.min(...values);
      break;
    case "total":
      value = values.reduce((sum, v) => sum + v, 0);
      break;
    case "p95-of-max":
    case "p95-of-average": {
      // Nearest rank: the smallest bucket's value that at least 95 % of the buckets do not exceed.
      // A typed array sorts numerically without a comparator call (and a boxed number) per comparison.
      const sorted = Float64Array.from(values).sort();
      value = sorted[Math.ceil(0.95 * sorted.length) - 1] as number;
      break;
    }
  }
  return { value, points: values.length, expectedPoints: expected };
}

/** One resource's answer in a batch, as the REST API spells it (`values[]` of `metrics:getBatch`). */
interface BatchResourceAnswer {
  resourceid?: string;
  interval?: string;
  value?: Array<{ name?: { value?: string }; errorCode?: string; timeseries?: Array<{ data?: MetricBucket[] }> }>;
}

const HTTP_CLIENT = createDefaultHttpClient();

/**
 * One `metrics:getBatch` call through the client's pipeline (its credential, API version, retries
 * and the gathering's policies), its answer read as parsed JSON: the SDK's `queryResources` copies
 * every bucket into an object of its own with a Date, 50,400 of them for a week of half-hours of
 * three metrics for 50 VMs, which with the parse outlive the young generation (at 10,000
 * resources that copy was a quarter of the planner's allocations, about 80 MB of its peak RSS).
 */
async function queryBatch(client: MetricsClient, endpoint: string, batch: MetricBatch, now: Date): Promise<BatchResourceAnswer[]> {
  const subscriptionId = subscriptionOfId(batch.metricIds[0] ?? "") ?? "";
  const query = [
    ["starttime", new Date(now.getTime() - batch.windowMs).toISOString()],
    ["endtime", now.toISOString()],
    ["interval", isoGrain(batch.grainMs)],
    ["metricnamespace", batch.namespace],
    ["metricnames", batch.metricNames.join(",")],
    ["aggregation", batch.aggregations.join(",")],
  ]
    .map(([name, value]) => `${name}=${encodeURIComponent(value as string)}`)
    .join("&");
  const request = createPipelineRequest({
    url: `${endpoint.replace(/\/+$/, "")}/subscriptions/${encodeURIComponent(subscriptionId)}/metrics:getBatch?${query}`,
    method: "POST",
    headers: createHttpHeaders({ "content-type": "application/json", accept: "application/json" }),
    body: JSON.stringify({ resourceids: batch.metricIds }),
  });
  const response = await client.pipeline.sendRequest(HTTP_CLIENT, request);
  const body = response.bodyAsText
    ? (JSON.parse(response.bodyAsText) as { values?: BatchResourceAnswer[]; error?: { code?: string; message?: string } })
    : {};
  if (response.status !== 200) {
    throw new RestError(body.error?.message ?? `The metrics batch answered ${response.status}.`, {
      ...(body.error?.code ? { code: body.error.code } : {}),
      statusCode: response.status,
      request,
      response,
    });
  }
  return body.values ?? [];
}

/**
 * Facts for every resource of every requested kind, by lower-case resource id and `metricKey`.
 * Resources that are not running, not in the scope, or whose metrics Azure did not return, have `value: null`.
 */
export async function gatherMetricFacts(
  target: AzureTarget,
  resources: readonly InventoryResource[],
  requests: readonly MetricRequest[],
  now: Date,
  options: MetricsOptions = {},
): Promise<Facts["metrics"]> {
  const unique = uniqueRequests(requests);
  const facts: Facts["metrics"] = {};
  const resourceByMetricId = new Map<string, InventoryResource>();
  for (const resource of resources) {
    const kind = resource.kind;
    const kindRequests = unique.filter((request) => request.kind === kind);
    if (kind === undefined || kindRequests.length === 0) continue;
    const entry: Record<string, MetricFact> = {};
    for (const request of kindRequests) entry[metricKey(request)] = metricFact([], request.aggregation, request.windowMs, grainOf(request));
    facts[resource.id.toLowerCase()] = entry;
    resourceByMetricId.set(`${resource.id}${metricSourceOf(kind)?.idSuffix ?? ""}`.toLowerCase(), resource);
  }

  const batches = planMetricBatches(resources, unique, options.scope);
  const clients = new Map<string, Promise<MetricsClient>>();
  const clientFor = (region: string): Promise<MetricsClient> => {
    let client = clients.get(region);
    if (!client) {
      client = metricsClient(target, region).then((created) => {
        for (const policy of options.policies ?? []) created.pipeline.addPolicy(policy, { afterPhase: "Retry" });
        return created;
      });
      clients.set(region, client);
    }
    return client;
  };

  let done = 0;
  const shared = options.limiter ?? createLimiter();
  // A week of half-hours for 50 VMs is a large answer: fewer of those at once keep memory bounded.
  const largest = Math.max(0, ...batches.map(pointsOf));
  const inFlight = createLimiter(Math.max(1, Math.min(DEFAULT_CONCURRENCY, Math.floor(POINTS_IN_FLIGHT / Math.max(1, largest)))));
  await mapLimit(
    batches,
    (task) => inFlight(() => shared(task)),
    async (batch) => {
      const client = await clientFor(batch.region);
      const results = await queryBatch(client, target.metricsEndpoint(batch.region), batch, now);
      for (const result of results) {
        const resource = resourceByMetricId.get((result.resourceid ?? "").toLowerCase());
        const entry = resource && facts[resource.id.toLowerCase()];
        if (!entry) continue;
        for (const request of batch.requests) {
          // By the metric's name (`name.value`), which the request names; its localized name may differ (AKS's, PostgreSQL's).
          const metric = result.value?.find((candidate) => candidate.name?.value?.toLowerCase() === request.metric.toLowerCase());
          // A metric that failed for this resource alone (errorCode) has no data: its fact stays null.
          // Without a dimension filter Azure answers one series per metric.
          const points = metric?.errorCode !== undefined && metric.errorCode !== "Success" ? [] : (metric?.timeseries?.[0]?.data ?? []);
          const window = { startMs: now.getTime() - request.windowMs, endMs: now.getTime() };
          const answered = grainMs(result.interval) ?? batch.grainMs;
          const grain = Math.max(answered, grainOf(request));
          const values = windowValues(points, request.aggregation, window, answered, grain);
          entry[metricKey(request)] = metricFact(values, request.aggregation, request.windowMs, grainOf(request));
        }
      }
      done += 1;
      options.onBatch?.({ batches: done, totalBatches: batches.length });
    },
  );
  return facts;
}
