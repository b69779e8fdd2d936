/**
 * Metric time series as Azure Monitor returns them: buckets of one time grain, each with the
 * requested aggregations of the samples inside it. A resource that emits nothing (a deallocated
 * VM, a stopped cluster or server) gets time stamps without values, as in Azure, so that missing
 * data never reads as an idle machine. Pure: "now" is passed in.
 */
import type { StoredResource, WorkloadProfile } from "../store.ts";
import {
  type Aggregation,
  AGGREGATIONS,
  type MetricDefinition,
  type SampleContext,
  STANDARD_TIME_GRAINS_MS,
  vmMemoryBytes,
} from "./catalog.ts";
import { DEFAULT_WORKLOAD, hashString, WORKLOAD_PROFILES } from "./workloads.ts";

/** A request the emulator refuses, with the reason; the routes answer it with 400. */
export class MetricsQueryError extends Error {}

const MINUTE_MS = 60_000;
/** More data points than this for one series is refused: ask for a larger interval. */
export const MAX_POINTS_PER_SERIES = 50_000;

/** What the metric generator needs to know about a resource. */
export interface MetricSubject {
  id: string;
  /** ARM type, e.g. `Microsoft.Compute/virtualMachines`. */
  type: string;
  /** Region in ARM's short form (`westeurope`). */
  location: string;
  profile: WorkloadProfile;
  /**
   * When the resource emits metrics: from (inclusive) until (exclusive), either bound open when
   * absent; undefined when it emits nothing at all (a VM deallocated for as long as we know).
   */
  active?: { fromMs?: number; untilMs?: number };
  memoryBytes: number;
}

/** A resource in one of these power states emits nothing (no guest, no host metrics). */
const SILENT_SERVER_STATES = new Set(["stopped", "stopping", "starting", "disabled", "dropping", "provisioning"]);
/** States a running VM moves to when it is stopped or deallocated: it emitted until the change. */
const LEFT_RUNNING = new Set(["deallocating", "deallocated", "stopping", "stopped"]);

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function instant(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Reads a stored resource the way the metrics pipeline sees it: workload, size, creation time and
 * power state. `sim.powerStateChangedAt` (set by the compute handlers on start and deallocate)
 * bounds the history: a VM deallocated at T emitted until T, a VM started at T emits from T.
 */
export function subjectOf(resource: StoredResource): MetricSubject {
  const { arm, sim } = resource;
  const properties = record(arm.properties) ?? {};
  const type = arm.type.toLowerCase();
  const power = typeof sim.powerState === "string" ? sim.powerState.toLowerCase() : "running";
  const changedAt = instant(sim.powerStateChangedAt);
  const createdMs = instant(properties.timeCreated) ?? instant(sim.createdAt) ?? instant(record(arm.systemData)?.createdAt);
  let active: MetricSubject["active"];
  if (power === "running") active = changedAt === undefined ? {} : { fromMs: changedAt };
  else if (changedAt !== undefined && LEFT_RUNNING.has(power)) active = { untilMs: changedAt };
  if (type === "microsoft.containerservice/managedclusters" && (record(properties.powerState)?.code ?? "") === "Stopped")
    active = undefined;
  if (
    type === "microsoft.dbforpostgresql/flexibleservers" &&
    typeof properties.state === "string" &&
    SILENT_SERVER_STATES.has(properties.state.toLowerCase())
  )
    active = undefined;
  if (active && createdMs !== undefined) active = { ...active, fromMs: Math.max(active.fromMs ?? createdMs, createdMs) };
  const profile = sim.workload !== undefined && WORKLOAD_PROFILES.includes(sim.workload) ? sim.workload : DEFAULT_WORKLOAD;
  return {
    id: arm.id,
    type: arm.type,
    location: (arm.location ?? "").toLowerCase().replace(/\s+/g, ""),
    profile,
    ...(active ? { active } : {}),
    memoryBytes: vmMemoryBytes(record(properties.hardwareProfile)?.vmSize),
  };
}

/** ISO-8601 durations as Azure Monitor uses them: PT1M, PT1H, P1D, P7DT12H. */
export function parseIsoDuration(text: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!match || text.trim().toUpperCase() === "P" || /T$/i.test(text.trim())) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (Number(days ?? 0) * 24 * 60 + Number(hours ?? 0) * 60 + Number(minutes ?? 0)) * MINUTE_MS + Number(seconds ?? 0) * 1000;
}

export function formatIsoDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const time = `${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${seconds ? `${seconds}S` : ""}`;
  if (days === 0 && time === "") return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}

const stamps = new Map<number, string>();

/** Azure's time stamps: ISO-8601 in UTC, without milliseconds when there are none (the buckets of a batch repeat for every resource). */
export function formatTimestamp(ms: number): string {
  let text = stamps.get(ms);
  if (text === undefined) {
    if (stamps.size >= 100_000) stamps.clear();
    text = new Date(ms).toISOString().replace(/\.000Z$/, "Z");
    stamps.set(ms, text);
  }
  return text;
}

export function parseAggregations(text: string | null | undefined): Aggregation[] | undefined {
  if (text === null || text === undefined || text.trim() === "") return undefined;
  const result: Aggregation[] = [];
  for (const part of text.split(",")) {
    const name = part.trim().toLowerCase();
    if (name === "") continue;
    const aggregation = AGGREGATIONS.find((candidate) => candidate === name);
    if (aggregation === undefined)
      throw new MetricsQueryError(`Unknown aggregation '${part.trim()}': expected Average, Minimum, Maximum, Total or Count.`);
    if (!result.includes(aggregation)) result.push(aggregation);
  }
  return result.length > 0 ? result : undefined;
}

export interface DimensionCondition {
  dimension: string;
  /** `*` selects every value, each in its own series. */
  values: string[];
}

/** `Tier eq '*'`, `ShardId eq '0'`, `A eq 'a1' and B eq 'b1' or B eq 'b2'` (an `or` may not span two dimensions). */
export function parseMetricFilter(text: string | null | undefined): DimensionCondition[] {
  if (text === null || text === undefined || text.trim() === "") return [];
  const conditions: DimensionCondition[] = [];
  for (const clause of text.trim().split(/\s+and\s+/i)) {
    let dimension: string | undefined;
    const values: string[] = [];
    for (const term of clause.split(/\s+or\s+/i)) {
      const match = /^\s*\(?\s*([A-Za-z0-9_.]+)\s+eq\s+'([^']*)'\s*\)?\s*$/i.exec(term);
      if (!match) throw new MetricsQueryError(`The filter '${text}' is not supported: use dimension eq 'value' clauses joined by and/or.`);
      const name = (match[1] as string).toLowerCase();
      if (dimension !== undefined && dimension !== name) {
        throw new MetricsQueryError(`Invalid filter '${text}': the logical or operator cannot separate two different metadata names.`);
      }
      dimension = name;
      values.push(match[2] as string);
    }
    conditions.push({ dimension: dimension as string, values });
  }
  return conditions;
}

export interface MetricsRequest {
  startMs: number;
  endMs: number;
  /** Time grain in ms, or FULL for one point over the whole window. */
  interval: number | "FULL";
  /** Use the closest grain the metric has instead of refusing one it does not. */
  autoAdjustTimegrain?: boolean;
  /** The metric's primary aggregation when omitted. */
  aggregations?: Aggregation[];
  filter?: DimensionCondition[];
  /** Dimensions to add up instead of splitting by. */
  rollupBy?: string[];
  /** Series kept per metric when split by a dimension (10 by default). */
  top?: number;
  /** e.g. `average desc`: which series `top` keeps. */
  orderBy?: string;
  nowMs: number;
}

export interface MetricValue {
  timeStamp: string;
  average?: number;
  minimum?: number;
  maximum?: number;
  total?: number;
  count?: number;
}

export interface TimeSeriesElement {
  metadatavalues: Array<{ name: { value: string; localizedValue: string }; value: string }>;
  data: MetricValue[];
}

export interface MetricResult {
  id: string;
  type: "Microsoft.Insights/metrics";
  name: { value: string; localizedValue: string };
  displayDescription: string;
  unit: string;
  timeseries: TimeSeriesElement[];
  errorCode: "Success";
}

export interface MetricAnswer {
  metric: MetricResult;
  /** The grain actually used: the request's, or the metric's closest when adjusted. */
  interval: number | "FULL";
  /** Data points returned, for the response's `cost`. */
  points: number;
}

/** The grain a metric answers a request with: its own list of grains decides. */
export function resolveGrain(definition: MetricDefinition, request: MetricsRequest): number | "FULL" {
  if (request.interval === "FULL") return "FULL";
  const grains = definition.timeGrainsMs ?? STANDARD_TIME_GRAINS_MS;
  if (grains.includes(request.interval)) return request.interval;
  if (!request.autoAdjustTimegrain) {
    throw new MetricsQueryError(
      `Invalid time grain ${formatIsoDuration(request.interval)} for metric '${definition.name}': supported grains are ${grains.map(formatIsoDuration).join(", ")}.`,
    );
  }
  return grains.reduce((best, grain) =>
    Math.abs(Math.log(grain / (request.interval as number))) < Math.abs(Math.log(best / (request.interval as number))) ? grain : best,
  );
}

interface SeriesPlan {
  metadata: TimeSeriesElement["metadatavalues"];
  share: number;
}

function planSeries(definition: MetricDefinition, request: MetricsRequest): SeriesPlan[] {
  const dimension = definition.dimension;
  const conditions = request.filter ?? [];
  for (const condition of conditions) {
    if (dimension === undefined || condition.dimension !== dimension.name.toLowerCase()) {
      throw new MetricsQueryError(`Metric: ${definition.name} does not support requested dimension combination: ${condition.dimension}`);
    }
  }
  if (dimension === undefined) return [{ metadata: [], share: 1 }];
  const condition = conditions[0];
  if (condition === undefined) return [{ metadata: [], share: 1 }];
  const selected = condition.values.includes("*")
    ? dimension.values
    : dimension.values.filter((entry) => condition.values.some((value) => value.toLowerCase() === entry.value.toLowerCase()));
  const rolledUp = (request.rollupBy ?? []).some((name) => name.trim().toLowerCase() === dimension.name.toLowerCase());
  if (rolledUp) return [{ metadata: [], share: selected.reduce((sum, entry) => sum + entry.share, 0) }];
  return selected.map((entry) => ({
    metadata: [{ name: { value: dimension.name, localizedValue: dimension.name }, value: entry.value }],
    share: entry.share,
  }));
}

/** The values of one metric for one resource over the request's window. */
export function queryMetric(subject: MetricSubject, definition: MetricDefinition, request: MetricsRequest): MetricAnswer {
  if (!(request.endMs > request.startMs)) throw new MetricsQueryError("The end of the time range must be after its start.");
  const grain = resolveGrain(definition, request);
  const aggregations = request.aggregations ?? [definition.primaryAggregation];
  const sampleEvery = definition.sampleEveryMs ?? MINUTE_MS;
  const context: SampleContext = { seed: hashString(subject.id.toLowerCase()), profile: subject.profile, memoryBytes: subject.memoryBytes };
  // Azure Monitor starts the buckets at the window's start rounded down to the minute, not at whole
  // hours or days: a 3-day window at P1D asked at 09:17:23 has buckets from 09:17 three days ago.
  const firstBucket = Math.floor(request.startMs / MINUTE_MS) * MINUTE_MS;

  const buckets: Array<{ stamp: number; from: number; to: number }> = [];
  if (grain === "FULL") {
    buckets.push({ stamp: request.startMs, from: firstBucket, to: request.endMs });
  } else {
    const count = Math.ceil((request.endMs - firstBucket) / grain);
    if (count > MAX_POINTS_PER_SERIES) {
      throw new MetricsQueryError(
        `The time range and interval ${formatIsoDuration(grain)} would return ${count} data points per series (at most ${MAX_POINTS_PER_SERIES}): use a larger interval.`,
      );
    }
    for (let stamp = firstBucket; stamp < request.endMs; stamp += grain) {
      buckets.push({ stamp, from: stamp, to: Math.min(stamp + grain, request.endMs) });
    }
  }

  // The instants a sample exists: while the resource is active, and a whole sample period before
  // now. As bounds rather than a test per sample: a week of minutes is asked of each VM of a batch.
  const active = subject.active;
  const sampledFrom = active === undefined ? Number.POSITIVE_INFINITY : (active.fromMs ?? Number.NEGATIVE_INFINITY);
  const sampledUntil =
    active === undefined ? Number.NEGATIVE_INFINITY : Math.min(active.untilMs ?? Number.POSITIVE_INFINITY, request.nowMs - sampleEvery + 1);
  const integral = definition.unit === "Count" || definition.unit === "Bytes";
  const sample = definition.sample;

  let points = 0;
  const series = planSeries(definition, request).map((plan) => {
    const share = plan.share;
    const rounded = integral && share !== 1;
    const data = buckets.map((bucket) => {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      let total = 0;
      let n = 0;
      const until = Math.min(bucket.to, sampledUntil);
      for (let t = Math.ceil(Math.max(bucket.from, sampledFrom) / sampleEvery) * sampleEvery; t < until; t += sampleEvery) {
        let value = sample(context, t) * share;
        if (rounded) value = Math.round(value);
        if (value < min) min = value;
        if (value > max) max = value;
        total += value;
        n += 1;
      }
      const point: MetricValue = { timeStamp: formatTimestamp(bucket.stamp) };
      // No samples: the time stamp alone, as Azure answers for a resource that emitted nothing.
      if (n > 0) {
        for (const aggregation of aggregations) {
          if (aggregation === "average") point.average = total / n;
          else if (aggregation === "minimum") point.minimum = min;
          else if (aggregation === "maximum") point.maximum = max;
          else if (aggregation === "total") point.total = total;
          else point.count = n;
        }
      }
      points += 1;
      return point;
    });
    return { metadatavalues: plan.metadata, data };
  });

  const split = series.length > 1 || (series[0]?.metadatavalues.length ?? 0) > 0;
  let ordered = series;
  if (request.orderBy !== undefined && request.orderBy.trim() !== "") {
    const match = /^\s*(average|minimum|maximum|total|count|sum)\s*(asc|desc)?\s*$/i.exec(request.orderBy);
    if (!match)
      throw new MetricsQueryError(`Invalid orderby '${request.orderBy}': expected an aggregation and asc or desc, e.g. 'average desc'.`);
    const key = ((match[1] as string).toLowerCase() === "sum" ? "total" : (match[1] as string).toLowerCase()) as Aggregation;
    const descending = (match[2] ?? "asc").toLowerCase() === "desc";
    const score = (element: TimeSeriesElement): number => {
      const values = element.data.map((point) => point[key]).filter((value): value is number => value !== undefined);
      return values.length === 0 ? Number.NEGATIVE_INFINITY : values.reduce((sum, value) => sum + value, 0) / values.length;
    };
    ordered = [...series].sort((a, b) => (descending ? score(b) - score(a) : score(a) - score(b)));
  }
  if (split) ordered = ordered.slice(0, request.top ?? 10);

  return {
    metric: {
      id: `${subject.id}/providers/Microsoft.Insights/metrics/${definition.name}`,
      type: "Microsoft.Insights/metrics",
      name: { value: definition.name, localizedValue: definition.localizedName },
      displayDescription: definition.description,
      unit: definition.unit,
      timeseries: ordered,
      errorCode: "Success",
    },
    interval: grain,
    points,
  };
}
