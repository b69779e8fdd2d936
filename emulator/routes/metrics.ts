/**
 * Azure Monitor metrics, two doors: the ARM API (`{resourceUri}/providers/Microsoft.Insights/metrics`,
 * one resource, counted against ARM's read limits) and the regional data-plane batch API
 * (`/subscriptions/{id}/metrics:getBatch`, up to 50 resources of one subscription, region and type).
 * Values come from emulator/metrics: synthetic, deterministic, on the virtual clock.
 */
import { setImmediate as yieldToOtherRequests } from "node:timers/promises";
import { ArmError } from "../errors.ts";
import { findMetric, type MetricDefinition, metricNamespace } from "../metrics/catalog.ts";
import {
  formatIsoDuration,
  formatTimestamp,
  MetricsQueryError,
  type MetricResult,
  type MetricsRequest,
  parseAggregations,
  parseIsoDuration,
  parseMetricFilter,
  queryMetric,
  subjectOf,
} from "../metrics/series.ts";
import { idKey, parseArmId, resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { StoredResource } from "../store.ts";

export const MAX_BATCH_RESOURCES = 50;
const HOUR_MS = 3_600_000;

const badRequest = (message: string): ArmError => new ArmError(400, "BadRequest", message);

/** Runs a pure metrics computation, turning its refusals into 400s. */
function guarded<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof MetricsQueryError) throw badRequest(error.message);
    throw error;
  }
}

function parseInstant(text: string, name: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw badRequest(`The ${name} '${text}' is not an ISO-8601 date and time.`);
  return ms;
}

/** ARM's `timespan`: `start/end`, `start/duration`, `duration/end`, or a duration ending now. Default: the last hour. */
function parseTimespan(text: string | null, nowMs: number): { startMs: number; endMs: number } {
  if (text === null || text.trim() === "") return { startMs: nowMs - HOUR_MS, endMs: nowMs };
  const parts = text.trim().split("/");
  const duration = (part: string): number | undefined => (part.toUpperCase().startsWith("P") ? parseIsoDuration(part) : undefined);
  if (parts.length === 1) {
    const length = duration(parts[0] as string);
    if (length === undefined) throw badRequest(`The timespan '${text}' is not 'start/end' or an ISO-8601 duration.`);
    return { startMs: nowMs - length, endMs: nowMs };
  }
  if (parts.length !== 2) throw badRequest(`The timespan '${text}' is not 'start/end'.`);
  const [first, second] = parts as [string, string];
  const firstDuration = duration(first);
  const secondDuration = duration(second);
  if (firstDuration !== undefined) {
    const endMs = parseInstant(second, "timespan end");
    return { startMs: endMs - firstDuration, endMs };
  }
  const startMs = parseInstant(first, "timespan start");
  if (secondDuration !== undefined) return { startMs, endMs: startMs + secondDuration };
  return { startMs, endMs: parseInstant(second, "timespan end") };
}

function parseInterval(text: string | null): number | "FULL" {
  if (text === null || text.trim() === "") return 60_000;
  if (text.trim().toUpperCase() === "FULL") return "FULL";
  const ms = parseIsoDuration(text);
  if (ms === undefined || ms <= 0)
    throw badRequest(`The interval '${text}' is not an ISO-8601 duration such as PT1M, PT1H or P1D, or FULL.`);
  return ms;
}

function parseTop(text: string | null): number | undefined {
  if (text === null || text.trim() === "") return undefined;
  const top = Number(text);
  if (!Number.isInteger(top) || top < 1) throw badRequest(`The top '${text}' must be a positive whole number.`);
  return top;
}

/** Metric names, comma separated; a query parameter may also be repeated. */
function metricNames(ctx: RouteContext): string[] {
  return ctx.query
    .getAll("metricnames")
    .flatMap((value) => value.split(","))
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** The metric definitions a request names, or a 400 listing the valid ones, as Azure does. */
function definitionsFor(resource: StoredResource, names: string[], namespaceParam: string | null): MetricDefinition[] {
  const type = resource.arm.type;
  if (namespaceParam !== null && namespaceParam.trim() !== "" && namespaceParam.trim().toLowerCase() !== type.toLowerCase()) {
    throw badRequest(`The metric namespace '${namespaceParam}' does not match the resource type '${type}'.`);
  }
  const namespace = metricNamespace(type);
  if (!namespace) throw badRequest(`The emulator has no metrics for resource type '${type}'.`);
  if (names.length === 0) return [namespace.metrics[0] as MetricDefinition];
  return names.map((name) => {
    const definition = findMetric(namespace, name);
    if (!definition) {
      const [provider, ...rest] = type.split("/");
      throw badRequest(
        `Failed to find metric configuration for provider: ${provider}, resource Type: ${rest.join("/")}, metric: ${name}, Valid metrics: ${namespace.metrics.map((metric) => metric.name).join(",")}`,
      );
    }
    return definition;
  });
}

function baseRequest(ctx: RouteContext, startMs: number, endMs: number, filterParam: string | null): MetricsRequest {
  if (!(endMs > startMs)) throw badRequest("The end of the time range must be after its start.");
  const top = parseTop(ctx.query.get("top"));
  const orderBy = ctx.query.get("orderby");
  return guarded(() => ({
    startMs,
    endMs,
    interval: parseInterval(ctx.query.get("interval")),
    autoAdjustTimegrain: (ctx.query.get("AutoAdjustTimegrain") ?? "").toLowerCase() === "true",
    aggregations: parseAggregations(ctx.query.get("aggregation")),
    filter: parseMetricFilter(filterParam),
    rollupBy: (ctx.query.get("rollupby") ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name.length > 0),
    ...(top === undefined ? {} : { top }),
    ...(orderBy === null || orderBy.trim() === "" ? {} : { orderBy }),
    nowMs: ctx.core.clock.nowMs(),
  }));
}

function computeMetrics(
  resource: StoredResource,
  definitions: MetricDefinition[],
  request: MetricsRequest,
): { metrics: MetricResult[]; interval: string; cost: number } {
  const subject = subjectOf(resource);
  let interval: number | "FULL" | undefined;
  let cost = 0;
  const metrics = definitions.map((definition) => {
    const answer = guarded(() => queryMetric(subject, definition, request));
    interval ??= answer.interval;
    cost += answer.points;
    return answer.metric;
  });
  const grain = interval ?? request.interval;
  return { metrics, interval: formatIsoDuration(grain === "FULL" ? request.endMs - request.startMs : grain), cost };
}

function armMetrics(ctx: RouteContext): RouteResult {
  const resourceId = `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${ctx.params.resourcePath}`;
  const resource = ctx.core.store.require(resourceId);
  const { startMs, endMs } = parseTimespan(ctx.query.get("timespan"), ctx.core.clock.nowMs());
  const definitions = definitionsFor(resource, metricNames(ctx), ctx.query.get("metricnamespace"));
  const request = baseRequest(ctx, startMs, endMs, ctx.query.get("$filter"));
  const { metrics, interval, cost } = computeMetrics(resource, definitions, request);
  return {
    status: 200,
    body: {
      cost,
      timespan: `${formatTimestamp(startMs)}/${formatTimestamp(endMs)}`,
      interval,
      value: metrics,
      namespace: resource.arm.type.toLowerCase(),
      resourceregion: subjectOf(resource).location,
    },
  };
}

async function batchMetrics(ctx: RouteContext): Promise<RouteResult> {
  const subscriptionId = ctx.params.subscriptionId as string;
  const namespaceParam = ctx.query.get("metricnamespace");
  if (namespaceParam === null || namespaceParam.trim() === "") throw badRequest("The metricnamespace query parameter is required.");
  const names = metricNames(ctx);
  if (names.length === 0) throw badRequest("The metricnames query parameter is required.");
  if (ctx.query.get("timespan") !== null) {
    throw badRequest(
      `Detected invalid time range parameters for API version ${ctx.query.get("api-version") ?? ""}. Please use only starttime and endtime to specify a time range.`,
    );
  }
  const body = (ctx.body ?? {}) as { resourceids?: unknown };
  if (!Array.isArray(body.resourceids) || body.resourceids.length === 0 || body.resourceids.some((id) => typeof id !== "string")) {
    throw badRequest('The request body must be {"resourceids": [...]} with at least one resource id.');
  }
  const ids = body.resourceids as string[];
  if (ids.length > MAX_BATCH_RESOURCES)
    throw badRequest(`A batch may name at most ${MAX_BATCH_RESOURCES} resources; this one names ${ids.length}.`);
  const duplicates = ids.filter((id, index) => ids.findIndex((other) => idKey(other) === idKey(id)) !== index);
  if (duplicates.length > 0) throw badRequest(`The resource '${duplicates[0]}' is named more than once in the batch.`);

  const namespace = namespaceParam.trim().toLowerCase();
  const resources = ids.map((id) => {
    let parsed;
    try {
      parsed = parseArmId(id);
    } catch {
      throw badRequest(`'${id}' is not a resource id.`);
    }
    if (parsed.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase()) {
      throw badRequest(`All resources in a batch must be in the subscription of the request (${subscriptionId}): '${id}' is not.`);
    }
    if ((parsed.type ?? "").toLowerCase() !== namespace) {
      throw badRequest(
        `All resources in a batch must be of the metric namespace '${namespaceParam}': '${id}' is of type '${parsed.type ?? "unknown"}'.`,
      );
    }
    return { id, resource: ctx.core.store.get(id) };
  });
  const regions = new Set(resources.flatMap(({ resource }) => (resource ? [subjectOf(resource).location] : [])));
  if (regions.size > 1) {
    throw badRequest(
      `All resources in a batch must be in the same region; this batch spans ${[...regions].sort().join(", ")}. Query each region at its own endpoint.`,
    );
  }
  const region = [...regions][0] ?? "";

  const nowMs = ctx.core.clock.nowMs();
  const endText = ctx.query.get("endtime");
  const startText = ctx.query.get("starttime");
  const endMs = endText ? parseInstant(endText, "endtime") : nowMs;
  const startMs = startText ? parseInstant(startText, "starttime") : endMs - HOUR_MS;
  const request = baseRequest(ctx, startMs, endMs, ctx.query.get("filter"));

  const values = [];
  for (const { id, resource } of resources) {
    // A week of minutes for 50 VMs is seconds of CPU: other requests (ARM reads) are answered in
    // between, as Azure Monitor's work does not hold up Resource Manager's.
    await yieldToOtherRequests();
    values.push(batchValue(id, resource));
  }
  return { status: 200, body: { values } };

  function batchValue(id: string, resource: StoredResource | undefined) {
    const common = { starttime: formatTimestamp(startMs), endtime: formatTimestamp(endMs) };
    if (!resource) {
      // A resource that no longer exists fails on its own; the rest of the batch is answered.
      return {
        ...common,
        interval: formatIsoDuration(request.interval === "FULL" ? endMs - startMs : request.interval),
        value: names.map((name) => ({
          id: `${id}/providers/Microsoft.Insights/metrics/${name}`,
          type: "Microsoft.Insights/metrics",
          name: { value: name, localizedValue: name },
          unit: "Unspecified",
          timeseries: [],
          errorCode: "ResourceNotFound",
          errorMessage: `The Resource '${id}' was not found.`,
        })),
        namespace,
        resourceregion: region,
        resourceid: id,
      };
    }
    const definitions = definitionsFor(resource, names, namespaceParam);
    const { metrics, interval } = computeMetrics(resource, definitions, request);
    return { ...common, interval, value: metrics, namespace, resourceregion: subjectOf(resource).location, resourceid: resource.arm.id };
  }
}

export function metricsRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      // Literal segments on both sides of the resource path, so this wins over the generic resources.get.
      pattern:
        "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{*resourcePath}/providers/Microsoft.Insights/metrics",
      name: "metrics.list",
      handler: armMetrics,
    },
    {
      method: "POST",
      pattern: "/subscriptions/{subscriptionId}/metrics:getBatch",
      name: "metrics.batch",
      // The batch API is Azure Monitor's data plane ({region}.metrics.monitor.azure.com), not ARM.
      outsideArm: true,
      // The batch API reads; it is a data-plane call, not an ARM write.
      kind: "read",
      handler: batchMetrics,
    },
  ];
}
